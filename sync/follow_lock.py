"""One process follows a mirror's fleet at a time; the others read it and say who follows.

Two processes following the same mirror (the TUI and a `drover sync`, or two TUIs) double the
streams and the reads for nothing: ingest is idempotent, so the mirror is the same either way.
So the right to follow the fleet (poll the sessions list, follow every active session) is an
exclusive ``flock`` on ``follow.lock`` in the profile's folder, held for the engine's life. The
holder writes who it is into the file; a process that cannot take the lock reads that and runs
as an *observer*: it shows the mirror as the other process fills it, and still delivers its own
actions (the outbox has its own per-row ownership). The OS drops the lock when the holder
exits, however it exits, so a crash never leaves a stale lock.

Engines of one process share the lock (tests and the demo open several on one mirror).
Single-session followers (`drover tail`, `drover approve`) do not need it.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: every process follows (the old behaviour)
    fcntl = None  # type: ignore[assignment]

__all__ = ["FOLLOW_LOCK_FILE", "UNKNOWN_HOLDER", "FollowHolder", "FollowLock", "FollowRight"]

FOLLOW_LOCK_FILE = "follow.lock"

# path -> (fd, engines of this process holding it)
_HELD: dict[Path, tuple[int, int]] = {}


@dataclass(frozen=True, slots=True)
class FollowHolder:
    """The process following a mirror.

    Attributes:
        pid: its process id.
        what: what it is (``drover sync``, ``drover tui``…).
        since: epoch seconds it took the lock.
    """

    pid: int
    what: str
    since: float

    def describe(self) -> str:
        """For people: ``pid 1234 (drover sync, since 14:02)``; `what` alone when its process
        is not known (pid 0)."""
        if not self.pid:
            return self.what
        when = time.strftime("%H:%M", time.localtime(self.since))
        return f"pid {self.pid} ({self.what}, since {when})"


UNKNOWN_HOLDER = FollowHolder(0, "another drover process", 0.0)
"""Who holds a lock that says nobody: a `drover sync` on a shared mirror writes no heartbeat."""


class FollowRight(Protocol):
    """What an engine asks of the right to follow: this file's lock, or a shared mirror's
    database lock (`drover.sync.shared_lock`)."""

    def acquire(self, what: str) -> bool:
        """Take it for this process; False when another holds it."""
        ...

    def release(self) -> None:
        """Give it back."""
        ...

    def holder(self) -> FollowHolder | None:
        """Who holds it (None if unknown)."""
        ...


class FollowLock:
    """The follow lock of one mirror folder.

    Args:
        path: the lock file (``<profile folder>/follow.lock``).
    """

    def __init__(self, path: Path) -> None:
        self.path = path.resolve()
        self.held = False

    def acquire(self, what: str) -> bool:
        """Take the lock for this process; False when another process holds it."""
        if self.held:
            return True
        if fcntl is None:
            self.held = True
            return True
        entry = _HELD.get(self.path)
        if entry is not None:
            _HELD[self.path] = (entry[0], entry[1] + 1)
            self.held = True
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        info = {"pid": os.getpid(), "what": what, "since": time.time()}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode(), 0)
        _HELD[self.path] = (fd, 1)
        self.held = True
        return True

    def release(self) -> None:
        """Give the lock back (the last engine of this process to release it unlocks it)."""
        if not self.held:
            return
        self.held = False
        entry = _HELD.pop(self.path, None)
        if entry is None:
            return
        fd, count = entry
        if count > 1:
            _HELD[self.path] = (fd, count - 1)
            return
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
        os.close(fd)  # closing the descriptor drops the flock

    def holder(self) -> FollowHolder | None:
        """Who holds the lock, as it wrote itself into the file (None if unreadable)."""
        try:
            info = json.loads(self.path.read_text() or "null")
            return FollowHolder(int(info["pid"]), str(info["what"]), float(info["since"]))
        except (OSError, ValueError, TypeError, KeyError):
            return None
