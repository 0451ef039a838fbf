"""Where a launch stands (`LaunchProgress`), and who runs it: one process at a time, by a
``flock`` on ``launch-<id>.lock`` beside the mirror (the OS drops it when the process dies,
however it dies, so a dead run never blocks a resume)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from drover.sync.follow_lock import UNKNOWN_HOLDER, FollowHolder, FollowLock

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no lock, one process per launch by habit
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "RUNNING",
    "LaunchBusyError",
    "LaunchNotFound",
    "LaunchProgress",
    "ProgressCallback",
    "launch_holder",
    "lock_path",
]


RATE_AFTER = 10.0
"""Seconds a run must last before its rate is measured."""


class LaunchNotFound(LookupError):
    """No launch of that id in this profile's mirror."""


class LaunchBusyError(RuntimeError):
    """Another process is running the launch.

    Attributes:
        holder: who, as it wrote itself into the lock file (None if unreadable).
    """

    def __init__(self, launch_id: str, holder: FollowHolder | None) -> None:
        self.holder = holder
        who = holder.describe() if holder is not None else "another process"
        super().__init__(f"launch {launch_id} is being run by {who}")


@dataclass(frozen=True, slots=True)
class LaunchProgress:
    """Where a launch stands (sent to `on_progress` on every change and once a second).

    Attributes:
        launch_id: the launch.
        total: its items.
        created: items with a session.
        failed: items the server refused.
        in_flight: creates sent and not answered yet.
        in_doubt: items whose create may or may not have happened (read back before retrying).
        created_now: items created by this run.
        elapsed: seconds since this run began.
        limit_per_minute: the profile's create limit.
        state: ``running``, then ``done``, ``paused`` or ``cancelled``.
        error: why the launch stopped early, if it did.
        found: in-doubt items found already created on the server by this run.
    """

    launch_id: str
    total: int
    created: int = 0
    failed: int = 0
    in_flight: int = 0
    in_doubt: int = 0
    created_now: int = 0
    elapsed: float = 0.0
    limit_per_minute: float = 0.0
    state: str = "running"
    error: str | None = None
    found: int = 0

    @property
    def settled(self) -> int:
        """Items needing no more work."""
        return self.created + self.failed

    @property
    def remaining(self) -> int:
        """Items still to create."""
        return max(0, self.total - self.settled)

    @property
    def rate_per_minute(self) -> float:
        """Sessions this run created per minute (0 in its first `RATE_AFTER` seconds, when
        the bucket's burst would make it read many times the limit)."""
        if self.created_now < 2 or self.elapsed < RATE_AFTER:
            return 0.0
        return self.created_now * 60.0 / self.elapsed

    @property
    def eta_seconds(self) -> float | None:
        """Seconds to the end at the pace allowed: the measured rate, capped by the limit."""
        if self.remaining == 0:
            return 0.0
        pace = min(self.rate_per_minute or self.limit_per_minute, self.limit_per_minute)
        return None if pace <= 0 else self.remaining * 60.0 / pace


ProgressCallback = Callable[[LaunchProgress], None]


def lock_path(folder: Path, launch_id: str) -> Path:
    """The lock file of a launch, in the mirror's folder (the profile's folder for a shared
    mirror, as the follow lock: processes on one machine see each other's launches)."""
    return folder / f"launch-{launch_id}.lock"


def launch_holder(folder: Path, launch_id: str) -> FollowHolder | None:
    """The live process running a launch, or None (nobody: a `running` launch then died)."""
    if launch_id in RUNNING:
        return FollowHolder(os.getpid(), "this drover", time.time())
    lock = FollowLock(lock_path(folder, launch_id))
    if fcntl is None or not lock.path.exists():
        return None
    try:
        fd = os.open(lock.path, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return lock.holder() or UNKNOWN_HOLDER
    finally:
        os.close(fd)  # also drops the shared lock, if it was taken
    return None


RUNNING: set[str] = set()
"""Launches this process runs (the flock is shared by a process's own opens)."""
