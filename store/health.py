"""Checking a mirror file, and what can be saved from a damaged one (for `drover doctor`).

The server is the source of truth for every synced session, so a damaged mirror is moved
aside and rebuilt from it. What the server cannot give back is read from the old file where
it still can be: the sessions imported from export files, and the user's actions that were
queued but not yet delivered. Nothing here writes to the file being checked.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from drover.store.compact import plain_rows
from drover.store.errors import MirrorCorruptError, MirrorStorageError, storage_error
from drover.store.migrations import MirrorVersionError, check_version, connect

__all__ = ["MirrorCheck", "Salvage", "check_mirror", "move_aside", "salvage"]

SQLITE_HEADER = b"SQLite format 3\x00"
_FILES = ("", "-wal", "-shm")


@dataclass
class MirrorCheck:
    """What `check_mirror` found.

    Attributes:
        path: the mirror file.
        size: its size in bytes (the main file).
        version: its schema version (None when unreadable).
        problem: what is wrong (None: healthy).
        sessions: sessions stored (None when unreadable).
        imported: of which imported from export files.
        events: events stored.
        plain_events: of which still stored as plain JSON text (`drover.store.compact`).
        plain_sessions: Session objects still stored as plain JSON text.
        mode: the file's permission bits.
    """

    path: Path
    size: int
    version: int | None = None
    problem: MirrorStorageError | MirrorVersionError | None = None
    sessions: int | None = None
    imported: int | None = None
    events: int | None = None
    plain_events: int | None = None
    plain_sessions: int | None = None
    mode: int = 0


def check_mirror(path: Path) -> MirrorCheck:
    """Check the file's header, schema version and integrity (reads every page, once)."""
    stat = path.stat()
    check = MirrorCheck(path, stat.st_size, mode=stat.st_mode & 0o777)
    with path.open("rb") as handle:
        header = handle.read(len(SQLITE_HEADER))
    if header != SQLITE_HEADER:
        check.problem = MirrorCorruptError(path, "not an SQLite file: its header is wrong")
        return check
    try:
        conn = connect(path, read_only=True).conn
        try:
            check.version = check_version(conn)
            rows = conn.execute("PRAGMA integrity_check(100)").fetchall()
            if [r[0] for r in rows] != ["ok"]:
                findings = [
                    line.strip()
                    for row in rows
                    for line in str(row[0]).splitlines()
                    if line.strip() and not line.startswith("***")
                ] or ["failed"]
                more = f" and {len(findings) - 1}+ more" if len(findings) > 1 else ""
                check.problem = MirrorCorruptError(path, f"{findings[0]}{more}")
                return check
            check.sessions, check.imported = conn.execute(
                "SELECT count(*), count(origin) FROM sessions"
            ).fetchone()
            check.events = conn.execute("SELECT count(*) FROM events").fetchone()[0]
            check.plain_events, check.plain_sessions = plain_rows(conn)
        finally:
            conn.close()
    except MirrorVersionError as exc:
        check.problem = exc
    except sqlite3.Error as exc:
        check.problem = storage_error(exc, path) or MirrorCorruptError(path, str(exc))
    return check


@dataclass
class Salvage:
    """What could be read from a damaged mirror.

    Attributes:
        synced: ids of the sessions synced from the server (None: the list was unreadable).
        imported: ids of the sessions imported from files (they exist nowhere else).
        actions: undelivered outbox rows: (session id, kind, payload, state), oldest first.
        unreadable: what could not be read, in a few words each.
    """

    synced: list[str] | None = None
    imported: list[str] = field(default_factory=list)
    actions: list[tuple[str, str, object, str]] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)


def salvage(path: Path) -> Salvage:
    """Read what a rebuild from the server cannot restore, as far as the file allows."""
    found = Salvage()
    try:
        conn = connect(path, read_only=True).conn
    except sqlite3.Error as exc:
        found.unreadable.append(f"the file ({exc})")
        return found
    try:
        try:
            rows = conn.execute("SELECT id, origin FROM sessions ORDER BY id").fetchall()
            found.synced = [r[0] for r in rows if r[1] is None]
            found.imported = [r[0] for r in rows if r[1] is not None]
        except sqlite3.Error as exc:
            found.unreadable.append(f"the session list ({exc})")
        try:
            found.actions = [
                (sid, kind, json.loads(payload), state)
                for sid, kind, payload, state in conn.execute(
                    "SELECT session_id, kind, payload, state FROM outbox "
                    "WHERE state IN ('queued', 'sending') ORDER BY id"
                )
            ]
        except (sqlite3.Error, ValueError) as exc:
            found.unreadable.append(f"the outbox ({exc})")
    finally:
        conn.close()
    return found


def move_aside(path: Path, stamp: str) -> Path:
    """Rename the mirror (with its -wal and -shm, which SQLite finds by name) out of the way.

    Returns:
        The new name of the main file (``mirror.db.damaged-STAMP``).
    """
    aside = path.with_name(f"{path.name}.damaged-{stamp}")
    for suffix in _FILES:
        with contextlib.suppress(FileNotFoundError):
            os.replace(f"{path}{suffix}", f"{aside}{suffix}")
    return aside
