"""What can go wrong with the disk under a mirror, as typed errors with one sentence each.

SQLite reports a full disk, a read-only file system and a damaged file as `sqlite3` errors
whose text ("database or disk is full", "unable to open database file", "file is not a
database") says little about what to do. :func:`storage_error` turns them (and the `OSError`
of a plain file write) into one of these, so the layers above can act on the kind — pause
ingest while the disk is full, stop syncing into a corrupt file — and say it once, plainly.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path

__all__ = [
    "DiskFullError",
    "MirrorCorruptError",
    "MirrorReadOnlyError",
    "MirrorStorageError",
    "is_writable_dir",
    "storage_error",
]

# Primary SQLite result codes (extended codes keep them in the low byte).
_SQLITE_READONLY, _SQLITE_IOERR, _SQLITE_CORRUPT, _SQLITE_FULL = 8, 10, 11, 13
_SQLITE_CANTOPEN, _SQLITE_NOTADB = 14, 26
_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
_READONLY_ERRNOS = frozenset({errno.EROFS, errno.EACCES, errno.EPERM})


class MirrorStorageError(Exception):
    """The mirror's file (or its folder) cannot be used as it is.

    Attributes:
        path: the mirror file (or the folder) concerned.
        detail: what the system or SQLite said.
    """

    def __init__(self, path: str | Path, detail: str) -> None:
        self.path = Path(path)
        self.detail = detail
        super().__init__(self.sentence())

    def sentence(self) -> str:
        """One sentence for people."""
        return f"{self.path}: {self.detail}"


class DiskFullError(MirrorStorageError):
    """No space left (or over quota) where the mirror lives; nothing of the failed write landed."""

    def sentence(self) -> str:
        """One sentence for people."""
        return f"the disk holding {self.path.parent} is full"


class MirrorReadOnlyError(MirrorStorageError):
    """The data directory (or the mirror file) cannot be written."""

    def sentence(self) -> str:
        """One sentence for people."""
        return f"the data directory {self.path.parent} is read-only"


class MirrorCorruptError(MirrorStorageError):
    """The mirror file is damaged (truncated, a bad header, overwritten pages)."""

    def sentence(self) -> str:
        """One sentence for people."""
        return f"the mirror {self.path} is damaged ({self.detail})"


def is_writable_dir(folder: Path) -> bool:
    """Whether files can be created in ``folder`` (False on a read-only mount, even for root)."""
    return os.access(folder, os.W_OK | os.X_OK)


def _nearly_full(folder: Path) -> bool:
    try:
        stats = os.statvfs(folder)
    except (OSError, AttributeError):
        return False
    return stats.f_bavail * stats.f_frsize < 1024 * 1024


def _sqlite_code(exc: sqlite3.Error) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


def storage_error(exc: BaseException, path: str | Path) -> MirrorStorageError | None:
    """The typed form of a storage failure on ``path``; None when it is something else.

    Args:
        exc: what SQLite or the file system raised.
        path: the mirror file being used.
    """
    if isinstance(exc, MirrorStorageError):
        return exc
    path = Path(path)
    detail = str(exc) or type(exc).__name__
    if isinstance(exc, OSError):
        if exc.errno in _FULL_ERRNOS:
            return DiskFullError(path, detail)
        if exc.errno in _READONLY_ERRNOS:
            return MirrorReadOnlyError(path, detail)
        return None
    if not isinstance(exc, sqlite3.Error):
        return None
    code = _sqlite_code(exc)
    text = detail.lower()
    if code == _SQLITE_FULL or "disk is full" in text:
        return DiskFullError(path, detail)
    if (code == _SQLITE_IOERR or "disk i/o error" in text) and _nearly_full(path.parent):
        return DiskFullError(path, detail)  # e.g. the WAL index (-shm) could not be allocated
    if code in (_SQLITE_CORRUPT, _SQLITE_NOTADB) or "malformed" in text or "not a database" in text:
        return MirrorCorruptError(path, detail)
    if code == _SQLITE_READONLY or "readonly database" in text:
        return MirrorReadOnlyError(path, detail)
    cannot_open = code == _SQLITE_CANTOPEN or "unable to open database" in text
    unwritable = not is_writable_dir(path.parent) or (
        path.exists() and not os.access(path, os.W_OK)
    )
    return MirrorReadOnlyError(path, detail) if cannot_open and unwritable else None
