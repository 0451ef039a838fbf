"""Compaction on demand: rows stored as plain JSON text rewritten deflated (`drover doctor
--compact`).

Migration v14 only records the compression dictionary: rows written since are deflated by the
writers, rows stored before stay plain text (every reader accepts both, `drover.store.event_raw`).
Rewriting a large mirror's rows at first open held the write lock for a minute per million
events, so it is done here instead, when asked, in short batches of rowids: each batch is its own
`BEGIN IMMEDIATE` transaction, so a `drover sync` or TUI on the same profile writes between them
(and this waits for theirs, with the connection's busy timeout). Only rows still stored as text
are touched (`typeof(raw) = 'text'`): a compaction that was stopped continues where it stopped,
and running it again on a compacted mirror changes nothing.

An event's text, and so its full-text index entry, does not change: the FTS update trigger
(`events_fts_au`) is set aside inside each batch's transaction and re-created before it commits,
so no other writer ever sees the mirror without it, and a batch that fails rolls back with it.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass

from drover.store.event_raw import encode_raw, encode_session

BATCH_ROWS = 10_000
"""Rowids per batch: 0.2–0.8 s of work on the loaded 2-core test machine, about the longest
another writer waits."""

PAUSE_SECONDS = 0.1
"""Rest after each batch. Another connection waiting for the write lock polls it (SQLite's busy
handler) every 100 ms once it has waited a while; without a rest at least that long the next
batch takes the lock first, again and again (measured: a writer starved for 10–16 s)."""

GAIN_PER_EVENT = 180
GAIN_PER_SESSION = 2_000
"""Bytes a compacted row frees, measured on the generated 1M mirror after VACUUM (events
table 380.7 → 196.2 B/event; a Session object 1,862 → ~860 B plus its pages' slack)."""

Progress = Callable[[str, int, int], None]
"""Called after each batch with the table, rows compacted so far in it, and its plain rows."""

_TABLES = (
    ("events", "drover_encode_raw", encode_raw),
    ("sessions", "drover_encode_session", encode_session),
)


@dataclass
class CompactResult:
    """What `compact` did.

    Attributes:
        events: events rewritten deflated.
        sessions: Session objects rewritten deflated.
        seconds: time taken.
        finished: False when stopped early (`max_batches`): rows are left plain.
    """

    events: int = 0
    sessions: int = 0
    seconds: float = 0.0
    finished: bool = True


def plain_rows(conn: sqlite3.Connection) -> tuple[int, int]:
    """Events and Session objects still stored as plain text (a scan of both tables)."""
    events = conn.execute("SELECT count(*) FROM events WHERE typeof(raw) = 'text'").fetchone()[0]
    sessions = conn.execute("SELECT count(*) FROM sessions WHERE typeof(raw) = 'text'").fetchone()[
        0
    ]
    return int(events), int(sessions)


def compact(
    conn: sqlite3.Connection,
    *,
    batch: int = BATCH_ROWS,
    progress: Progress | None = None,
    max_batches: int | None = None,
    pause: float = PAUSE_SECONDS,
    plain: tuple[int, int] | None = None,
) -> CompactResult:
    """Rewrite every plain row deflated, events first, one short transaction per batch.

    Args:
        conn: a writable mirror connection at the current schema, outside any transaction
            (`drover.store.migrations.connect` + `migrate`; its busy timeout makes a batch wait
            for another process's transaction rather than fail).
        batch: rowids per transaction.
        progress: told after each batch (see `Progress`).
        max_batches: stop after this many batches (the rest stays plain; running it again
            continues from there).
        pause: seconds to rest after each batch, so that waiting writers get their turn.
        plain: the plain (events, sessions) the progress counts down from, when the caller
            has just counted them (`check_mirror` does): counting again scans both tables.

    Returns:
        The rows rewritten and the time taken.
    """
    from drover.store.schema import FTS_TRIGGERS

    started = time.monotonic()
    result = CompactResult()
    events, sessions = plain_rows(conn) if plain is None else plain
    left = {"events": events, "sessions": sessions}
    batches = 0
    for table, function, encode in _TABLES:
        conn.create_function(function, 1, encode, deterministic=True)
        done = 0
        first = conn.execute(
            f"SELECT rowid FROM {table} WHERE typeof(raw) = 'text' ORDER BY rowid LIMIT 1"
        ).fetchone()
        last = conn.execute(f"SELECT max(rowid) FROM {table}").fetchone()[0]
        low = first[0] if first else None
        # Rows added after `last` are written deflated by the writers: the range is fixed here.
        while low is not None and low <= last:
            if max_batches is not None and batches >= max_batches:
                result.finished = False
                break
            conn.execute("BEGIN IMMEDIATE")
            try:
                if table == "events":  # the text is unchanged: no re-index (see the module doc)
                    conn.execute("DROP TRIGGER IF EXISTS events_fts_au")
                done += conn.execute(
                    f"UPDATE {table} SET raw = {function}(raw)"
                    " WHERE rowid BETWEEN ? AND ? AND typeof(raw) = 'text'",
                    (low, low + batch - 1),
                ).rowcount
                if table == "events":
                    conn.execute(FTS_TRIGGERS["events_fts_au"])
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            batches += 1
            low += batch
            if progress is not None:
                progress(table, done, left[table])
            time.sleep(pause)
        setattr(result, table, done)
        if not result.finished:
            break
    result.seconds = time.monotonic() - started
    return result


def vacuum(conn: sqlite3.Connection) -> float:
    """Give the pages compaction freed back to the file system; returns the seconds taken.

    `VACUUM` rewrites the whole file into a copy (as much free disk again; 2.8–3.7 s for the
    645 MB 1M-event mirror) and holds the write lock meanwhile: other drover processes wait."""
    started = time.monotonic()
    conn.execute("VACUUM")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return time.monotonic() - started
