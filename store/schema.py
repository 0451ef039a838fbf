"""The mirror's tables, indexes, FTS5 index and the triggers that keep it in step.

Design notes (the traps in docs/PERFORMANCE.md):

* `events.seq` is the local, monotonic order (AUTOINCREMENT so a seq is never reused even if
  rows are ever purged); the server id is `UNIQUE` and ingest appends with `INSERT OR IGNORE`.
* `events_fts` is an external-content FTS5 table. Since migration v12 an event's text is
  stored once, in the index: its content is the view `events_fts_content`, which derives the
  text from the raw JSON (`drover.store.fts_text`); before, it was the column `events.text`.
  Every event gets an FTS row (empty text for events without any), so "FTS rows == content
  rows" is a checkable invariant. The update trigger re-indexes a row only when a change of
  `raw` changes its text; completing a queued user event changes `processed_at` only, so it
  never touches the index. Never REPLACE/UPSERT events:
  REPLACE deletes without firing the delete trigger and leaves ghost index rows (sqlite-utils
  turns `recursive_triggers` on, which hides that, but REPLACE would still move the event to a
  new seq and break keyset paging and high-water marks).
* sqlite-utils' `table.transform()` silently drops these triggers, so `ensure_fts_triggers`
  checks for them at every open and re-creates them (and rebuilds the index) if missing.
"""

from __future__ import annotations

import sqlite3

FTS_TABLE = "events_fts"

TABLES_V1 = """
CREATE TABLE agents (
    id TEXT PRIMARY KEY,
    name TEXT,
    version INTEGER,
    model_id TEXT,
    created_at TEXT,
    updated_at TEXT,
    archived_at TEXT,
    raw TEXT NOT NULL
);
CREATE TABLE environments (
    id TEXT PRIMARY KEY,
    name TEXT,
    created_at TEXT,
    updated_at TEXT,
    archived_at TEXT,
    raw TEXT NOT NULL
);
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    raw TEXT,                       -- last server Session object (NULL until first fetched)
    status TEXT,                    -- idle | running | rescheduling | terminated
    status_at TEXT,                 -- ts_key of the fact that set status (newest wins)
    deleted INTEGER NOT NULL DEFAULT 0,
    title TEXT,
    agent_id TEXT,
    agent_name TEXT,
    model_id TEXT,
    environment_id TEXT,
    created_at TEXT,
    updated_at TEXT,
    archived_at TEXT,
    input_tokens INTEGER,
    output_tokens INTEGER,
    cache_read_tokens INTEGER,
    cache_creation_tokens INTEGER,
    list_cost_cents INTEGER,
    active_seconds REAL,
    usage_at TEXT,
    budget_cents INTEGER,
    budget_at TEXT,
    stop_reason TEXT,               -- type of the latest session.status_idle stop_reason
    stop_event_ids TEXT,            -- JSON list (requires_action)
    stop_details TEXT,              -- JSON
    stop_event_id TEXT,
    stop_at TEXT,
    pending_actions TEXT NOT NULL DEFAULT '[]',   -- JSON list of pending tool uses
    pending_count INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,                -- JSON: {event_id, at, error}
    error_badge TEXT,               -- retrying | exhausted | terminal, NULL once cleared
    needs_you TEXT,
    needs_since TEXT,
    high_water_seq INTEGER NOT NULL DEFAULT 0,
    event_count INTEGER NOT NULL DEFAULT 0,
    last_event_at TEXT,
    derive_state TEXT,              -- JSON: fold state not worth a column (requires lists)
    local_updated_at TEXT
);
CREATE INDEX sessions_needs ON sessions(needs_you, needs_since);
CREATE INDEX sessions_status ON sessions(status);
CREATE INDEX sessions_agent ON sessions(agent_id);
CREATE INDEX sessions_created ON sessions(created_at);
CREATE TABLE threads (
    id TEXT PRIMARY KEY,
    session_id TEXT NOT NULL,
    parent_thread_id TEXT,
    agent_name TEXT,
    status TEXT,
    status_at TEXT,
    stop_reason TEXT,
    list_cost_cents INTEGER,
    created_at TEXT,
    updated_at TEXT,
    archived_at TEXT,
    raw TEXT
);
CREATE INDEX threads_session ON threads(session_id);
CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    session_id TEXT NOT NULL,
    thread_id TEXT,                 -- NULL = only seen on the session (primary) stream
    on_primary INTEGER NOT NULL DEFAULT 0,  -- delivered on the session stream / session list
    type TEXT NOT NULL,
    processed_at TEXT,              -- as sent by the server (NULL while queued)
    ref_id TEXT,                    -- tool use this event answers / results
    text TEXT NOT NULL DEFAULT '',
    raw TEXT NOT NULL
);
CREATE INDEX events_session_seq ON events(session_id, seq);
CREATE INDEX events_session_type_seq ON events(session_id, type, seq);
CREATE INDEX events_thread_seq ON events(thread_id, seq) WHERE thread_id IS NOT NULL;
CREATE INDEX events_ref ON events(ref_id) WHERE ref_id IS NOT NULL;
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'queued',   -- queued | sending | sent | failed
    server_event_ids TEXT,
    error TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX outbox_session ON outbox(session_id, id);
CREATE INDEX outbox_state ON outbox(state) WHERE state IN ('queued', 'sending');
CREATE TABLE sync_cursors (
    session_id TEXT NOT NULL,
    thread_id TEXT NOT NULL DEFAULT '',     -- '' = the session stream
    last_processed_at TEXT,         -- as the server wrote it (what a history query is given)
    last_key TEXT,                  -- ts_key(last_processed_at): compared to move forward only
    last_seq INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (session_id, thread_id)
) WITHOUT ROWID;
CREATE TABLE daily_cost (
    session_id TEXT NOT NULL,
    day TEXT NOT NULL,              -- UTC date of the usage report
    list_cost_cents INTEGER NOT NULL, -- cumulative session cost at the day's last report
    PRIMARY KEY (session_id, day)
) WITHOUT ROWID;
CREATE INDEX daily_cost_day ON daily_cost(day);
CREATE VIRTUAL TABLE events_fts USING fts5(
    text, content='events', content_rowid='seq', tokenize='unicode61 remove_diacritics 2'
);
"""

# The v1 triggers, over the `events.text` column (migration v12 replaces them).
FTS_TRIGGERS_V1 = {
    "events_fts_ai": """
        CREATE TRIGGER events_fts_ai AFTER INSERT ON events BEGIN
            INSERT INTO events_fts(rowid, text) VALUES (new.seq, new.text);
        END""",
    "events_fts_ad": """
        CREATE TRIGGER events_fts_ad AFTER DELETE ON events BEGIN
            INSERT INTO events_fts(events_fts, rowid, text) VALUES ('delete', old.seq, old.text);
        END""",
    "events_fts_au": """
        CREATE TRIGGER events_fts_au AFTER UPDATE OF text ON events BEGIN
            INSERT INTO events_fts(events_fts, rowid, text) VALUES ('delete', old.seq, old.text);
            INSERT INTO events_fts(rowid, text) VALUES (new.seq, new.text);
        END""",
}

# name -> DDL of the triggers since v12, each row's text derived from its raw JSON
# (`drover_event_text`, see `drover.store.fts_text`). Kept apart from the migrations so a check
# at open can re-create any that vanished.
FTS_TRIGGERS = {
    "events_fts_ai": """
        CREATE TRIGGER events_fts_ai AFTER INSERT ON events BEGIN
            INSERT INTO events_fts(rowid, text) VALUES (new.seq, drover_event_text(new.raw));
        END""",
    "events_fts_ad": """
        CREATE TRIGGER events_fts_ad AFTER DELETE ON events BEGIN
            INSERT INTO events_fts(events_fts, rowid, text)
                VALUES ('delete', old.seq, drover_event_text(old.raw));
        END""",
    "events_fts_au": """
        CREATE TRIGGER events_fts_au AFTER UPDATE OF raw ON events
        WHEN drover_event_text(old.raw) IS NOT drover_event_text(new.raw) BEGIN
            INSERT INTO events_fts(events_fts, rowid, text)
                VALUES ('delete', old.seq, drover_event_text(old.raw));
            INSERT INTO events_fts(rowid, text) VALUES (new.seq, drover_event_text(new.raw));
        END""",
}


def create_fts_triggers(conn: sqlite3.Connection) -> None:
    """Create the v1 FTS triggers (used by the first migration; v12 replaces them)."""
    for ddl in FTS_TRIGGERS_V1.values():
        conn.execute(ddl)


def ensure_fts_triggers(conn: sqlite3.Connection) -> list[str]:
    """Re-create missing FTS triggers and rebuild the index if any were missing.

    A cheap lookup in `sqlite_master` at every open; the rebuild (a full scan) only runs in the
    repair case, because rows written while a trigger was missing are absent from the index.

    Args:
        conn: a writable connection outside any transaction.

    Returns:
        The names of the triggers that had to be re-created (empty when all was well).
    """
    present = {
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events'"
        )
    }
    missing = [name for name in FTS_TRIGGERS if name not in present]
    if missing:
        conn.execute("BEGIN IMMEDIATE")
        try:
            for name in missing:
                conn.execute(FTS_TRIGGERS[name])
            conn.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return missing
