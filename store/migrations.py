"""Schema migrations keyed by `PRAGMA user_version`, and connection set-up.

Each migration runs in its own transaction together with the `user_version` bump, so a crash
mid-migration leaves the previous version intact. Opening an up-to-date file reads one pragma
and one `sqlite_master` lookup: no scans (cold start target P3).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from drover.store.errors import DiskFullError, is_writable_dir, storage_error
from drover.store.fts_text import MirrorConnection
from drover.store.schema import ensure_fts_triggers

# Each step imports what it creates when it runs: opening an up-to-date mirror (every start of
# the TUI, every `drover ls`) loads none of it.

Synchronous = Literal["NORMAL", "FULL"]


class MirrorVersionError(RuntimeError):
    """The mirror file was written by a newer drover than this one."""


def _split(script: str) -> list[str]:
    """Split a DDL script (no triggers inside) into statements, dropping `--` comments."""
    lines = [line.split("--", 1)[0] for line in script.splitlines()]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


# Index i holds the step from user_version i to i + 1. Append only; never edit a shipped step.
def _v1(conn: sqlite3.Connection) -> None:
    """Create the first schema: every table, index, the FTS table and its triggers."""
    from drover.store.schema import TABLES_V1, create_fts_triggers

    for statement in _split(TABLES_V1):
        conn.execute(statement)
    create_fts_triggers(conn)


def _v2(conn: sqlite3.Connection) -> None:
    """Mark where a session came from: NULL = the server (synced), else how it arrived
    (`import`: loaded from an export file; sync must never poll or follow it)."""
    conn.execute("ALTER TABLE sessions ADD COLUMN origin TEXT")


def _v3(conn: sqlite3.Connection) -> None:
    """The cost ledger's per-day figures (see `drover.store.daily`): runtime and each day's
    own spend beside the cumulative cost, and per-request token usage summed per session and
    UTC day; back-filled from the events already mirrored."""
    from drover.store.daily import DAILY_V3
    from drover.store.derive import backfill_daily

    for statement in _split(DAILY_V3):
        conn.execute(statement)
    backfill_daily(conn)


def _v4(conn: sqlite3.Connection) -> None:
    """Index sessions by agent name (case-insensitively, as `agent:NAME` matches it), so an
    `agent:` search facet is two index probes instead of a scan of every session row."""
    conn.execute("CREATE INDEX sessions_agent_name ON sessions(agent_name COLLATE NOCASE)")


def _v5(conn: sqlite3.Connection) -> None:
    """Record which account (endpoint + workspace) a mirror belongs to (see
    `drover.store.account`); a mirror synced before this binds to the next account that syncs."""
    from drover.store.account import ACCOUNT_V5

    conn.execute(ACCOUNT_V5)


def _v6(conn: sqlite3.Connection) -> None:
    """Keep events whose id is already stored for another session aside, and count them per
    session (see `drover.store.collisions`); before this, ingest ignored them silently."""
    from drover.store.collisions import COLLISIONS_V6

    for statement in _split(COLLISIONS_V6):
        conn.execute(statement)


def _v7(conn: sqlite3.Connection) -> None:
    """Hostile servers and several processes: a `quarantine` table for wire items that cannot
    be stored as events (see `drover.store.quarantine`), and an owner plus a lease on each
    outbox row, so a second process never re-sends what a live one is still sending (see
    `drover.store.outbox`)."""
    from drover.store.outbox import OUTBOX_LEASE_V7
    from drover.store.quarantine import QUARANTINE_V7

    for statement in _split(QUARANTINE_V7):
        conn.execute(statement)
    for statement in OUTBOX_LEASE_V7:
        conn.execute(statement)


def _v8(conn: sqlite3.Connection) -> None:
    """Launch and steer: deployments and their runs, vaults and their credentials' health,
    memory stores and what each session refers to (`drover.store.platform`); outcomes and
    their evaluation (`drover.store.outcomes`); automatic answers by rule and their pause
    (`drover.store.rule_audit`). Session references and outcomes are back-filled from the
    Session objects and events already mirrored."""
    from drover.store.outcomes import OUTCOMES_V8, backfill_outcomes
    from drover.store.platform import PLATFORM_V8, backfill_refs
    from drover.store.rule_audit import RULES_V8

    for script in (PLATFORM_V8, OUTCOMES_V8, RULES_V8):
        for statement in _split(script):
            conn.execute(statement)
    backfill_refs(conn)
    backfill_outcomes(conn)


def _v9(conn: sqlite3.Connection) -> None:
    """A team's hub: who took each action and one live answer per tool call (see
    `drover.store.outbox`), and the hub's heartbeat (`drover.store.hub_status`)."""
    from drover.store.hub_status import HUB_STATUS_V9
    from drover.store.outbox import OUTBOX_ACTOR_V9

    for statement in OUTBOX_ACTOR_V9:
        conn.execute(statement)
    conn.execute(HUB_STATUS_V9)


def _v10(conn: sqlite3.Connection) -> None:
    """Launches: a fleet of sessions started from one template over a list of items, one row
    per item, so a launch resumes without duplicates and reads back as a record (see
    `drover.store.launches`)."""
    from drover.store.launches import LAUNCHES_V10

    for statement in _split(LAUNCHES_V10):
        conn.execute(statement)


def _v11(conn: sqlite3.Connection) -> None:
    """Scale: the fleet's order, the header's counts, search's `after:` and attention's
    baseline read indexes, not every session row (`drover.store.hot_paths`); the indexes are
    built from the rows already there, every `attention_rev` starts at 0."""
    from drover.store.hot_paths import hot_path_schema

    for statement in hot_path_schema():
        conn.execute(statement)


def _v12(conn: sqlite3.Connection) -> None:
    """Disk: an event's text is stored once, in the FTS index (`drover.store.fts_text`). The
    index takes its content from a view deriving the text from the raw JSON; its declaration
    is rewritten, not rebuilt, so a mirror keeps its index; the `text` column is dropped (a
    rewrite of the table, its pages reused by new rows; `VACUUM` gives them back)."""
    from drover.store.fts_text import CONTENT_VIEW, point_fts_at_view
    from drover.store.schema import FTS_TRIGGERS

    for name in FTS_TRIGGERS:
        conn.execute(f"DROP TRIGGER IF EXISTS {name}")
    conn.execute(CONTENT_VIEW)
    point_fts_at_view(conn)
    columns = {row[1] for row in conn.execute("PRAGMA table_info(events)")}
    if "text" in columns:
        conn.execute("ALTER TABLE events DROP COLUMN text")
    for ddl in FTS_TRIGGERS.values():
        conn.execute(ddl)


def _v13(conn: sqlite3.Connection) -> None:
    """The cost ledger: each session's request totals kept on its row, filled from the
    per-day rows, and the ledger's indexes (`drover.store.ledger_schema`), so the
    ledger reads a narrow index, not every session row and every per-day row."""
    from drover.store.dialect import SQLITE
    from drover.store.ledger_schema import ledger_schema

    columns = {row[1] for row in conn.execute("PRAGMA table_info(sessions)")}
    for statement in ledger_schema(SQLITE, columns):
        conn.execute(statement)


def _v14(conn: sqlite3.Connection) -> None:
    """Disk: new rows' raw JSON is stored deflated (`drover.store.event_raw`) — events against
    a preset dictionary, recorded here in the new `raw_dictionaries` table. Rows already stored
    stay plain text, which every reader accepts: rewriting them here took 63 s on a 1M-event
    mirror holding the write lock at first open; `drover doctor --compact` does it on demand, in
    short batches (`drover.store.compact`)."""
    from drover.store.event_raw import store_dictionary

    store_dictionary(conn)


def _v15(conn: sqlite3.Connection) -> None:
    """The cost ledger's rollups per group, per day and per (day, group), kept by triggers
    (`drover.store.ledger_rollups`, `drover.store.ledger_windows`)."""
    from drover.store.dialect import SQLITE
    from drover.store.ledger_rollups import ledger_rollup_ddl
    from drover.store.ledger_windows import ledger_window_ddl

    for statement in [*ledger_rollup_ddl(SQLITE), *ledger_window_ddl(SQLITE)]:
        conn.execute(statement)


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    _v1, _v2, _v3, _v4, _v5, _v6, _v7, _v8, _v9, _v10, _v11, _v12, _v13, _v14, _v15,
]  # fmt: skip
SCHEMA_VERSION = len(MIGRATIONS)


class Database:
    """A mirror connection, opened by `connect` (what the store needs of one, no more).

    Attributes:
        conn: the sqlite3 connection.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def execute(self, sql: str, params: tuple[object, ...] = ()) -> sqlite3.Cursor:
        """Run one statement on the connection."""
        return self.conn.execute(sql, params)


SQLITE_HEAP_BUDGET = 64 * 2**20
"""Bytes all of SQLite may hold in this process before its page caches stop growing (`PRAGMA
soft_heap_limit`, process-wide): past it each connection recycles its own least recently used
pages instead of taking new ones, so the caches of every connection (each read-pool thread's,
the writer's) stay within about this much together. Soft: nothing fails past it (P9)."""
CACHE_KB_PER_CONNECTION = 32_000
"""One connection's page cache ceiling in KB (a busy reader may take half the budget)."""


def connect(
    path: str | Path, *, synchronous: Synchronous = "NORMAL", read_only: bool = False
) -> Database:
    """Open a connection to a mirror file with drover's pragmas.

    Transactions are explicit (`isolation_level=None`): the writer issues `BEGIN IMMEDIATE`
    itself so a batch is exactly one transaction.

    Args:
        path: the mirror database file.
        synchronous: `NORMAL` (default; survives app crashes, may lose the last commits on
            power loss, which the server log refills) or `FULL`.
        read_only: refuse writes on this connection (`query_only`), for readers.

    Returns:
        The connection (thread-bound unless a reader). Triggers fire recursively
        (`recursive_triggers`), as they always did here (sqlite-utils, which drover used to
        open connections, turns it on).
    """
    path = Path(path)
    if read_only and not is_writable_dir(path.parent):
        conn = _as_it_stands(path)
    else:
        if not read_only:
            _make_private(path)
        conn = sqlite3.connect(
            str(path),
            isolation_level=None,
            timeout=30.0,
            check_same_thread=not read_only,
            factory=MirrorConnection,
        )
        try:
            conn.execute(f"PRAGMA synchronous = {synchronous}")  # the file is opened here
        except sqlite3.Error as exc:
            conn.close()
            if not read_only or not isinstance(storage_error(exc, path), DiskFullError):
                raise
            conn = _as_it_stands(path)  # no room for the WAL index: read without one
    conn.execute(f"PRAGMA synchronous = {synchronous}")
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute(f"PRAGMA cache_size = -{CACHE_KB_PER_CONNECTION}")
    conn.execute(f"PRAGMA soft_heap_limit = {SQLITE_HEAP_BUDGET}")  # process-wide
    conn.execute("PRAGMA recursive_triggers = ON")
    if read_only:
        conn.execute("PRAGMA query_only = 1")
    return Database(conn)


def _as_it_stands(path: Path) -> sqlite3.Connection:
    """A read-only connection that needs no WAL index (-shm), for a folder that cannot take one
    (read-only, or a full disk). Commits still in a -wal file left by a crash are not seen;
    the server has them."""
    return sqlite3.connect(
        f"{path.resolve().as_uri()}?mode=ro&immutable=1",
        uri=True,
        isolation_level=None,
        check_same_thread=False,
        factory=MirrorConnection,
    )


def _make_private(path: Path) -> None:
    """Create the mirror file readable by its owner only (0600), or tighten an existing one.

    SQLite gives the -wal and -shm files the database file's mode, so they follow. A folder
    that cannot be written is left to SQLite to report.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            with contextlib.suppress(OSError):  # absent, or not ours to change
                if name.stat().st_mode & 0o077 and name.stat().st_uid == os.getuid():
                    name.chmod(0o600)
    except OSError:
        return
    else:
        os.close(fd)


def check_version(conn: sqlite3.Connection) -> int:
    """The file's schema version.

    Raises:
        MirrorVersionError: the file is newer than this code understands.
    """
    version: int = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise MirrorVersionError(
            f"mirror schema version {version} is newer than this drover ({SCHEMA_VERSION}); "
            "upgrade drover or point it at another data directory"
        )
    return version


def migrate(db: Database, *, upto: int = SCHEMA_VERSION) -> int:
    """Bring a mirror file up to `SCHEMA_VERSION` and check the FTS triggers.

    Args:
        db: a writable connection outside any transaction.
        upto: stop at this version instead (tests and benchmarks build older mirrors with it;
            the FTS triggers are then left as that version made them).

    Returns:
        The schema version now in the file.

    Raises:
        MirrorVersionError: the file is newer than this code understands.
    """
    conn = db.conn
    # WAL is persistent in the file; setting it again on an existing file is a no-op read.
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        raise sqlite3.OperationalError(f"could not switch the mirror to WAL (got {mode!r})")
    version = check_version(conn)
    for step in range(version, upto):
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Two processes opening a new mirror at once both read version 0 above; the
            # second to get the write lock finds the step done and must not run it again.
            if conn.execute("PRAGMA user_version").fetchone()[0] > step:
                conn.execute("COMMIT")
                continue
            MIGRATIONS[step](conn)
            conn.execute(f"PRAGMA user_version = {step + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    if upto < SCHEMA_VERSION:
        return upto
    ensure_fts_triggers(conn)
    return SCHEMA_VERSION
