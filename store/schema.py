"""The mirror's tables, indexes, FTS5 index and the triggers that keep it in step.

Design notes (the traps in docs/PERFORMANCE.md):

* `events.seq` is the local, monotonic order (AUTOINCREMENT so a seq is never reused even if
  rows are ever purged); the server id is `UNIQUE` and ingest appends with `INSERT OR IGNORE`.
* The searchable text of an event is stored once, in the FTS5 index (migration v9). Before
  v9 it was also a column, `events.text`, which `events_fts` used as its external content;
  now its content is the view `events_fts_content`, which derives each event's text from its
  raw JSON with `drover_event_text(raw)` (`drover.store.extract.event_text`, registered on
  every connection `drover.store.migrations.connect` opens), or takes `events.text` where a
  row written before v9 still holds it. Snippets and the FTS5 `delete` therefore see exactly
  the text that was indexed. Changing `event_text` changes what old rows derive: it needs a
  migration that rebuilds the index.
* Every event gets an FTS row (empty text for events without any), so "FTS rows == content
  rows" is a checkable invariant (`events_fts_docsize` against `events`). The triggers index
  each inserted event (`drover_event_text` is handed the text ingest already extracted, see
  `EventText`), re-index one whose raw JSON changes the text (never, in practice: completing a
  queued user event changes `processed_at` only) and un-index a deleted one. A connection
  without the function (the `sqlite3` shell) can read and search, but not write events: it
  fails instead of leaving the index behind. Never REPLACE/UPSERT events: REPLACE deletes
  without firing the delete trigger and leaves ghost index rows (`connect` turns
  `recursive_triggers` on, which hides that, but REPLACE would still move the event to a new
  seq and break keyset paging and high-water marks).
* sqlite-utils' `table.transform()` silently drops these triggers, so `ensure_fts_triggers`
  checks for them at every open and re-creates them (and rebuilds the index) if missing.
"""

from __future__ import annotations

import json
import sqlite3

FTS_TABLE = "events_fts"
TEXT_FUNCTION = "drover_event_text"
FTS_CONTENT = "events_fts_content"

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

# The v1 triggers, over the `events.text` column (migration v9 replaces them).
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


_CONTENT = "CASE WHEN {r}.text != '' THEN {r}.text ELSE " + TEXT_FUNCTION + "({r}.raw) END"
"""An event row's indexed text: the pre-v9 column where it holds it, else derived from raw."""


def indexed_text(alias: str) -> str:
    """SQL for the indexed text of the event row `alias` (needs `drover_event_text`)."""
    return _CONTENT.format(r=alias)


# name -> DDL. Kept separate from the migrations so a check at open can re-create any that
# vanished.
FTS_TRIGGERS = {
    "events_fts_ai": f"""
        CREATE TRIGGER events_fts_ai AFTER INSERT ON events BEGIN
            INSERT INTO events_fts(rowid, text) VALUES (new.seq, {_CONTENT.format(r="new")});
        END""",
    "events_fts_ad": f"""
        CREATE TRIGGER events_fts_ad AFTER DELETE ON events BEGIN
            INSERT INTO events_fts(events_fts, rowid, text)
                VALUES ('delete', old.seq, {_CONTENT.format(r="old")});
        END""",
    "events_fts_au": f"""
        CREATE TRIGGER events_fts_au AFTER UPDATE OF text, raw ON events
        WHEN {_CONTENT.format(r="old")} IS NOT {_CONTENT.format(r="new")} BEGIN
            INSERT INTO events_fts(events_fts, rowid, text)
                VALUES ('delete', old.seq, {_CONTENT.format(r="old")});
            INSERT INTO events_fts(rowid, text) VALUES (new.seq, {_CONTENT.format(r="new")});
        END""",
}

FTS_V9 = (
    f"CREATE VIEW {FTS_CONTENT}(seq, text) AS SELECT seq, {_CONTENT.format(r='events')} "
    "FROM events",
    *(f"DROP TRIGGER IF EXISTS {name}" for name in FTS_TRIGGERS_V1),
)
"""Migration v9, first part: the derived content view (then `point_fts_at_view`, then the
triggers of `FTS_TRIGGERS`)."""


class EventText:
    """`drover_event_text(raw)`: an event's searchable text, from its raw JSON.

    Ingest has already extracted the text of each event it inserts; it hands it over with
    `remember` just before the insert, so the trigger that indexes the row takes it from
    here instead of parsing the JSON again (a hit is removed when taken; `forget` drops what
    an insert did not take). Anything else is derived: the function is pure, the memo only
    saves work.
    """

    def __init__(self) -> None:
        self._memo: dict[str, str] = {}

    def remember(self, raw: str, text: str) -> None:
        """The text of the event whose raw JSON is `raw` (about to be inserted)."""
        self._memo[raw] = text

    def forget(self) -> None:
        """Drop every remembered text (after the insert)."""
        self._memo.clear()

    def __call__(self, raw: str | None) -> str:
        if raw is None:
            return ""
        text = self._memo.pop(raw, None)
        if text is not None:
            return text
        from drover.store.extract import event_text

        try:
            event = json.loads(raw)
        except ValueError:
            return ""
        return event_text(event) if isinstance(event, dict) else ""


class MirrorConnection(sqlite3.Connection):
    """A mirror connection: carries its `drover_event_text` function (see `EventText`)."""

    event_text: EventText

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.event_text = register_text_function(self)


def register_text_function(conn: sqlite3.Connection) -> EventText:
    """Give a connection `drover_event_text`, which the FTS content and triggers call.

    Connections opened by `drover.store.migrations.connect` have it; call this on any other
    connection that reads snippets, checks the FTS index or writes events.
    """
    function = EventText()
    conn.create_function(TEXT_FUNCTION, 1, function, deterministic=True)
    return function


def point_fts_at_view(conn: sqlite3.Connection) -> None:
    """Make `events_fts` take its content from `events_fts_content` (migration v9).

    FTS5 reads its `content=` option from the table's declaration each time it connects to
    the table, and nothing of the index depends on it: the declaration is rewritten in place
    (the documented `writable_schema` route), so a mirror keeps its index instead of
    re-tokenising every event. Runs inside the migration's transaction.
    """
    (sql,) = conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (FTS_TABLE,)
    ).fetchone()
    new_sql = sql.replace("content='events'", f"content='{FTS_CONTENT}'")
    if new_sql == sql:
        raise RuntimeError(f"unexpected {FTS_TABLE} declaration: {sql}")
    (version,) = conn.execute("PRAGMA schema_version").fetchone()
    conn.execute("PRAGMA writable_schema = ON")
    try:
        conn.execute(
            "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?",
            (new_sql, FTS_TABLE),
        )
        conn.execute(f"PRAGMA schema_version = {version + 1}")
    finally:
        conn.execute("PRAGMA writable_schema = OFF")


def create_fts_triggers(conn: sqlite3.Connection) -> None:
    """Create the v1 FTS triggers (used by the first migration; v9 replaces them)."""
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
