"""Client-side rate budget: token buckets every request awaits before going out.

The Managed Agents limits are per organization and per minute (create vs read, §1.6) and have
changed twice, so they are configuration. Each bucket is a GCRA (generic cell rate algorithm)
scheduler: a caller reserves the next free slot under a lock-free O(1) computation and sleeps
until it. That makes the budget

* **fair**: slots are handed out in arrival order, so nobody starves;
* **cheap with hundreds of waiters**: each waiter is one ``asyncio.sleep``, no polling,
  no wake-up storms;
* **burst-limited**: at most ``burst`` requests go out back-to-back; the rest are paced at
  ``60 / per_minute`` seconds apart.

A cancelled waiter gives its slot back only if no later slot was handed out (the common
"tail" case); otherwise the slot is lost, which errs on the side of sending less.

The API counts its limits over a sliding minute, which a token bucket does not: its burst on top
of a minute's rate lets ~10% more through in some minute. So each bucket's requests also pass a
:class:`~drover.api.rate_window.SlidingWindow` of ``per_minute`` per 60 s — in memory, or in a
file every drover process on the profile shares (``shared_path``), which is what keeps two
processes (the TUI and a `drover sync`) inside one budget together. The window is a little
longer than the minute (``WINDOW_MARGIN``): the server counts a request when it arrives, and two
requests admitted exactly a minute apart can arrive a few milliseconds less apart when the
first one travelled slower; the margin keeps that from ever counting as one request too many.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from drover.api.rate_window import SlidingWindow

__all__ = ["WINDOW_MARGIN", "BucketUsage", "RateBudget", "TokenBucket"]

WINDOW_MARGIN = 1.0
"""Seconds the sliding windows add to the minute, for the network's jitter (module docstring)."""

BucketName = Literal["create", "read"]


@dataclass(frozen=True, slots=True)
class BucketUsage:
    """A snapshot of one bucket for a UI or a benchmark.

    Attributes:
        per_minute: the configured rate.
        burst: how many requests may go out back-to-back.
        admitted_last_minute: requests admitted in the trailing 60 s.
        admitted_total: requests admitted since the bucket was made.
        waiting: callers currently sleeping for a slot.
        wait_seconds: how long a new caller would wait right now.
    """

    per_minute: float
    burst: int
    admitted_last_minute: int
    admitted_total: int
    waiting: int
    wait_seconds: float


class TokenBucket:
    """One paced bucket (GCRA). Use :meth:`acquire` before each request.

    Args:
        per_minute: sustained rate.
        burst: requests allowed back-to-back from a full bucket; default one tenth of a
            minute's worth (so a burst never eats more than ~6 s of the org-wide budget).
        clock: monotonic clock in seconds (injectable for tests).
        window: the sliding-window gate every admission also passes (None: none).
    """

    def __init__(
        self,
        per_minute: float,
        *,
        burst: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        window: SlidingWindow | None = None,
    ) -> None:
        if per_minute <= 0:
            raise ValueError("per_minute must be positive")
        self.per_minute = float(per_minute)
        self.burst = max(1, int(burst if burst is not None else per_minute // 10))
        self._interval = 60.0 / self.per_minute
        self._tolerance = (self.burst - 1) * self._interval
        self._clock = clock
        self._tat = clock()  # theoretical arrival time of the next request
        self._admitted: deque[float] = deque()
        self._admitted_total = 0
        self._waiting = 0
        self.window = window

    def _reserve(self) -> tuple[float, float]:
        """Take the next slot; return (its theoretical time, delay until it may go)."""
        now = self._clock()
        tat = max(self._tat, now)
        self._tat = tat + self._interval
        return tat, max(0.0, tat - self._tolerance - now)

    async def acquire(self) -> None:
        """Wait for a slot. Cancellation-safe; see the module docstring."""
        slot, delay = self._reserve()
        if delay > 0:
            self._waiting += 1
            try:
                await asyncio.sleep(delay)
            except asyncio.CancelledError:
                # Only the newest reservation can be returned without reordering others.
                if self._tat == slot + self._interval:
                    self._tat = slot
                raise
            finally:
                self._waiting -= 1
        if self.window is not None:
            self._waiting += 1
            try:
                await self.window.admit()
            finally:
                self._waiting -= 1
        self._record()

    def _record(self) -> None:
        now = self._clock()
        self._admitted.append(now)
        self._admitted_total += 1
        self._trim(now)

    def _trim(self, now: float) -> None:
        while self._admitted and now - self._admitted[0] > 60.0:
            self._admitted.popleft()

    def usage(self) -> BucketUsage:
        """Current figures (cheap; safe to call every frame)."""
        now = self._clock()
        self._trim(now)
        return BucketUsage(
            per_minute=self.per_minute,
            burst=self.burst,
            admitted_last_minute=len(self._admitted),
            admitted_total=self._admitted_total,
            waiting=self._waiting,
            wait_seconds=max(0.0, self._tat - self._tolerance - now),
        )


class RateBudget:
    """The two org-wide buckets (create and read) shared by every request of a client.

    Classification used by the client: POST and DELETE (create, update, archive, delete,
    send events) → ``create``; GET, including every stream open and reconnect → ``read``.
    ``POST …/events`` is not documented as a create; it is counted as one to stay safe.

    Stream opens first pass a *stream lane* paced at ``stream_share`` of the read rate, then
    take a read slot like any GET. So when hundreds of followers reconnect together, their
    opens enter the read bucket at most at that share of its rate, and a short call (the
    user opening a session) waits behind a few slots, never behind the whole reconnect storm.

    Args:
        create_per_minute: create-bucket rate (default 300, the documented limit).
        read_per_minute: read-bucket rate (default 1,200).
        create_burst: see :class:`TokenBucket` (default one tenth of the rate).
        read_burst: see :class:`TokenBucket`.
        stream_share: fraction of the read rate stream opens may use (0 < share ≤ 1).
        clock: monotonic clock (injectable for tests).
        shared_path: where the sliding-window rings shared with other processes live
            (``<path>.create`` and ``<path>.read``); None keeps them in this process.
        window_clock: clock of the sliding windows; default ``clock`` in memory, and the wall
            clock for shared ones (every process must read the same clock).
    """

    def __init__(
        self,
        create_per_minute: float = 300,
        read_per_minute: float = 1200,
        *,
        create_burst: int | None = None,
        read_burst: int | None = None,
        stream_share: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
        shared_path: Path | None = None,
        window_clock: Callable[[], float] | None = None,
    ) -> None:
        if not 0 < stream_share <= 1:
            raise ValueError("stream_share must be in (0, 1]")

        def window(per_minute: float, name: str) -> SlidingWindow:
            path = (
                None if shared_path is None else shared_path.with_name(f"{shared_path.name}.{name}")
            )
            wall = window_clock or (clock if shared_path is None else time.time)
            return SlidingWindow(per_minute, 60.0 + WINDOW_MARGIN, path=path, clock=wall)

        self.shared_path = shared_path
        self.create = TokenBucket(
            create_per_minute,
            burst=create_burst,
            clock=clock,
            window=window(create_per_minute, "create"),
        )
        self.read = TokenBucket(
            read_per_minute, burst=read_burst, clock=clock, window=window(read_per_minute, "read")
        )
        self.stream = TokenBucket(
            read_per_minute * stream_share,
            burst=max(1, int(self.read.burst * stream_share)),
            clock=clock,
        )

    def close(self) -> None:
        """Close the shared windows' files (reopened if the budget is used again)."""
        for bucket in (self.create, self.read):
            if bucket.window is not None:
                bucket.window.close()

    def bucket(self, name: BucketName) -> TokenBucket:
        """The bucket called ``name`` ("create" or "read")."""
        return self.create if name == "create" else self.read

    async def acquire(self, name: BucketName) -> None:
        """Wait for a slot in bucket ``name``."""
        await self.bucket(name).acquire()

    async def acquire_stream(self) -> None:
        """Wait for a stream-lane slot, then a read slot (for every stream open)."""
        await self.stream.acquire()
        await self.read.acquire()

    def usage(self) -> dict[str, BucketUsage]:
        """``{"create": …, "read": …, "stream": …}`` (stream opens also count in read)."""
        return {
            "create": self.create.usage(),
            "read": self.read.usage(),
            "stream": self.stream.usage(),
        }

    @staticmethod
    def classify(method: str) -> BucketName:
        """Which bucket an HTTP method draws from."""
        return "read" if method.upper() in ("GET", "HEAD") else "create"
