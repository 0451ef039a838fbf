"""`DiskState`: what the writer learned about the disk under its mirror, and waiting for space.

A full disk is a state, not a flood of errors: the first failed commit records it (and logs it
once), the next successful commit clears it, and :meth:`DiskState.wait_for_space` lets the sync
loops pause instead of re-downloading history they cannot store. A damaged or read-only file is
recorded once too (``broken``): every later write would fail the same way.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from pathlib import Path

from drover.store.errors import DiskFullError, MirrorStorageError, storage_error

__all__ = ["DiskState"]

log = logging.getLogger("drover.store.writer")


class DiskState:
    """The health of one mirror file's disk, shared by the writer thread and the event loop.

    Args:
        path: the mirror file.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.full: DiskFullError | None = None
        """Set while the disk is full (from a failed commit until the next successful one)."""
        self.broken: MirrorStorageError | None = None
        """Set once the file turned out damaged or read-only."""
        self._free_at_full = 0

    def failed(self, exc: BaseException) -> MirrorStorageError | None:
        """The typed form of a write failure (None: not a storage one), recording its state."""
        typed = storage_error(exc, self.path)
        if isinstance(typed, DiskFullError):
            if self.full is None:  # a new episode: said once, here and by the callers
                self._free_at_full = self.free_bytes() or 0
                log.warning("%s: writes paused until space returns", typed.sentence())
            self.full = typed
        elif typed is not None and self.broken is None:
            self.broken = typed
            log.error("%s; the mirror is no longer written", typed.sentence())
        return typed

    def committed(self) -> None:
        """A commit succeeded: a full disk has room again."""
        if self.full is not None:
            self.full = None
            log.warning("disk space is back: mirror writes resumed")

    def free_bytes(self) -> int | None:
        """Free space on the mirror's file system (None when it cannot be told)."""
        try:
            stats = os.statvfs(self.path.parent)
        except (OSError, AttributeError):  # statvfs: POSIX only
            return None
        return stats.f_bavail * stats.f_frsize

    async def wait_for_space(
        self, *, poll: float = 1.0, margin: float = 256 * 1024, retry_after: float = 60.0
    ) -> None:
        """While the disk is full, wait until it probably is not.

        Returns at once when the disk is not known to be full; otherwise once the free space
        grew by ``margin`` bytes since the failure, or after ``retry_after`` seconds (a quota
        or a network file system may not show in the free space): the caller then tries
        again, and a new failure keeps the state set (one episode, said once).
        """
        deadline = time.monotonic() + retry_after
        while self.full is not None and time.monotonic() < deadline:
            free = self.free_bytes()
            if free is not None and free >= self._free_at_full + margin:
                return
            await asyncio.sleep(poll)
