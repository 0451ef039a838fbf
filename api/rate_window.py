"""A sliding-window cap: at most ``limit`` requests in any ``window`` seconds, optionally shared
by every process that opens the same file.

The org-wide limits are counted by the server over a sliding minute, and a token bucket alone
does not match that: its burst plus a minute's rate lets ~10% more through in some minute, and
two drover processes on one profile (the TUI and a `drover sync`, or a script of `drover send`s)
each had their own bucket — 2.2× the configured reads were seen in one sliding minute. So every
bucket also passes this gate.

The gate is a ring of the last ``limit`` admission times. A request is admitted when the oldest
of them is at least ``window`` seconds old; its time then replaces that oldest entry. Any window
of ``window`` seconds therefore holds at most ``limit`` admissions, in one process or across all
that share the file. The shared form keeps the ring in a small file (16-byte header, then
``limit`` doubles) and takes an exclusive ``flock`` for the few microseconds of each decision;
the lock is only ever tried without blocking, so a stuck process cannot stall the event loop.
Times are wall-clock (``time.time``) so that every process reads them alike; an entry in the
future (the clock was set back) counts as expired rather than blocking for the difference.
"""

from __future__ import annotations

import asyncio
import os
import struct
import time
from array import array
from collections.abc import Callable
from pathlib import Path

try:  # POSIX; elsewhere the window is per process (the documented fallback)
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["SlidingWindow"]

_MAGIC = b"DRW1"
_HEADER = struct.Struct("<4sII")  # magic, capacity, head
_SLOT = struct.Struct("<d")
_LOCK_RETRY = 0.002  # seconds between non-blocking lock attempts
_FUTURE_SLACK = 1.0  # seconds an entry may lie ahead of now before it counts as a clock jump


class SlidingWindow:
    """At most ``limit`` admissions in any ``window`` seconds.

    Args:
        limit: admissions per window (at least 1).
        window: the window, seconds (60: the API's limits are per minute).
        path: a file shared with other processes (created if missing); None keeps the ring
            in memory (this process only).
        clock: wall clock, seconds (injectable for tests).
    """

    def __init__(
        self,
        limit: float,
        window: float = 60.0,
        *,
        path: Path | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.limit = max(1, int(limit))
        self.window = window
        self.path = path if fcntl is not None else None
        self._clock = clock
        self._locks: dict[asyncio.AbstractEventLoop, asyncio.Lock] = {}
        self._ring = array("d", bytes(_SLOT.size * self.limit))
        self._head = 0
        self._fd: int | None = None
        self.admitted = 0

    # -- the decision ---------------------------------------------------------------------------

    def _decide(self, oldest: float, now: float) -> float:
        """Seconds to wait before the slot holding `oldest` frees up (0: admit now)."""
        if oldest > now + _FUTURE_SLACK:
            return 0.0
        return max(0.0, oldest + self.window - now)

    def try_admit(self) -> float:
        """Admit now and return 0, or return how long to wait (nothing is taken then).

        Raises:
            BlockingIOError: another process holds the shared file's lock (try again soon).
        """
        now = self._clock()
        if self.path is None:
            wait = self._decide(self._ring[self._head], now)
            if wait == 0.0:
                self._ring[self._head] = now
                self._head = (self._head + 1) % self.limit
            return wait
        fd = self._open()
        assert fcntl is not None  # path is None without it
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        try:
            head = self._shared_head(fd)
            offset = _HEADER.size + head * _SLOT.size
            (oldest,) = _SLOT.unpack(os.pread(fd, _SLOT.size, offset))
            wait = self._decide(oldest, now)
            if wait == 0.0:
                os.pwrite(fd, _SLOT.pack(now), offset)
                os.pwrite(fd, _HEADER.pack(_MAGIC, self.limit, (head + 1) % self.limit), 0)
            return wait
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)

    async def admit(self) -> None:
        """Wait until a request may go out under the window, and count it."""
        # One waiter of this process polls at a time, in FIFO order (an asyncio.Lock is bound
        # to the loop it first waits on, so each loop gets its own).
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            self._locks = {k: v for k, v in self._locks.items() if not k.is_closed()}
            lock = self._locks[loop] = asyncio.Lock()
        async with lock:
            while True:
                try:
                    wait = self.try_admit()
                except BlockingIOError:
                    wait = _LOCK_RETRY
                else:
                    if wait == 0.0:
                        self.admitted += 1
                        return
                await asyncio.sleep(max(wait, _LOCK_RETRY))

    # -- the shared file ------------------------------------------------------------------------

    def _open(self) -> int:
        if self._fd is None:
            assert self.path is not None
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        return self._fd

    def _shared_head(self, fd: int) -> int:
        """The ring's head; (re)initialises a file that is new, damaged or of another size."""
        header = os.pread(fd, _HEADER.size, 0)
        if len(header) == _HEADER.size:
            magic, capacity, head = _HEADER.unpack(header)
            if magic == _MAGIC and capacity == self.limit and head < capacity:
                return int(head)
        # Another limit (a changed config) or a fresh file: start an empty ring of ours.
        os.ftruncate(fd, 0)
        os.pwrite(fd, _HEADER.pack(_MAGIC, self.limit, 0) + bytes(_SLOT.size * self.limit), 0)
        return 0

    def close(self) -> None:
        """Close the shared file (the ring stays in it for the other processes)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __del__(self) -> None:
        self.close()
