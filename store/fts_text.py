"""An event's searchable text, derived from its raw JSON by `drover_event_text(raw)`.

Since migration v12 the text is stored once, in the FTS5 index: `events` has no `text`
column, and `events_fts` takes its content from the view `events_fts_content`, which derives
each event's text with `drover_event_text(raw)` (`drover.store.extract.event_text`). Every
connection `drover.store.migrations.connect` opens has the function (`MirrorConnection`);
snippets, the FTS5 `delete` and `rebuild` call it, so they see exactly the text that was
indexed. A connection without it (the `sqlite3` shell) can read and search, but not write
events or show snippets: it fails instead of leaving the index behind. Changing `event_text`
changes what old rows derive: it needs a migration that rebuilds the index.
"""

from __future__ import annotations

import json
import sqlite3
import string

from drover.store.event_raw import RAW_FUNCTION, raw_json, sql_raw_json

TEXT_CONFIG = "drover_text"
"""PostgreSQL: the text search configuration of the `tsv` column (and of every query against
it; see `drover.store.pg.schema`)."""

_PUNCT = string.punctuation.replace("'", "''")
SEARCH_TEXT = f"translate(text, '{_PUNCT}', '{' ' * len(string.punctuation)}')"
"""PostgreSQL: the event text as the index sees it: ASCII punctuation (and `_`) turned into
spaces."""

TEXT_FUNCTION = "drover_event_text"
FTS_CONTENT = "events_fts_content"

CONTENT_VIEW = (
    f"CREATE VIEW IF NOT EXISTS {FTS_CONTENT}(seq, text) AS "
    f"SELECT seq, {TEXT_FUNCTION}(raw) FROM events"
)
"""The FTS index's content: each event's text, derived from its raw JSON."""


class EventText:
    """`drover_event_text(raw)`: an event's searchable text, from its raw JSON.

    Ingest has already extracted the text of each event it inserts; it hands it over with
    `remember` just before the insert, so the trigger that indexes the row takes it from here
    instead of parsing the JSON again (a hit is removed when taken; `forget` drops what an
    insert did not take). Anything else is derived: the function is pure, the memo only saves
    work.
    """

    def __init__(self) -> None:
        self._memo: dict[str | bytes, str] = {}

    def remember(self, raw: str | bytes, text: str) -> None:
        """The text of the event whose stored raw value is `raw` (about to be inserted)."""
        self._memo[raw] = text

    def forget(self) -> None:
        """Drop every remembered text (after the insert)."""
        self._memo.clear()

    def __call__(self, raw: str | bytes | None) -> str:
        if raw is None:
            return ""
        text = self._memo.pop(raw, None)
        return text if text is not None else text_of_raw(raw_json(raw))


def text_of_raw(raw: str) -> str:
    """The searchable text of a raw event JSON ('' for one that does not parse)."""
    from drover.store.extract import event_text  # only when a row is derived, not at open

    try:
        event = json.loads(raw)
    except ValueError:
        return ""
    return event_text(event) if isinstance(event, dict) else ""


class MirrorConnection(sqlite3.Connection):
    """A mirror connection: carries its `drover_event_text` function (see `EventText`) and
    `drover_raw` (an event's stored raw value as JSON text, `drover.store.event_raw`)."""

    event_text: EventText

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.event_text = EventText()
        self.create_function(TEXT_FUNCTION, 1, self.event_text, deterministic=True)
        self.create_function(RAW_FUNCTION, 1, sql_raw_json, deterministic=True)


def text_memo(conn: object) -> EventText | None:
    """The connection's `drover_event_text`, to hand it texts before an insert (None: a
    connection without it, e.g. PostgreSQL's, which is given the text as a column)."""
    memo = getattr(conn, "event_text", None)
    return memo if isinstance(memo, EventText) else None


def point_fts_at_view(conn: sqlite3.Connection) -> None:
    """Make `events_fts` take its content from `events_fts_content` (migration v12).

    FTS5 reads its `content=` option from the table's declaration each time it connects to
    the table, and nothing of the index depends on it: the declaration is rewritten in place
    (the documented `writable_schema` route), so a mirror keeps its index instead of
    re-tokenising every event. Idempotent; runs inside the migration's transaction.
    """
    (sql,) = conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'events_fts'"
    ).fetchone()
    if f"content='{FTS_CONTENT}'" in sql:
        return
    new_sql = sql.replace("content='events'", f"content='{FTS_CONTENT}'")
    if new_sql == sql:
        raise RuntimeError(f"unexpected events_fts declaration: {sql}")
    (version,) = conn.execute("PRAGMA schema_version").fetchone()
    conn.execute("PRAGMA writable_schema = ON")
    try:
        conn.execute(
            "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'events_fts'",
            (new_sql,),
        )
        conn.execute(f"PRAGMA schema_version = {version + 1}")
    finally:
        conn.execute("PRAGMA writable_schema = OFF")


# PostgreSQL keeps no text either (its step 7): the insert makes `tsv` from the text handed.
PG_TSV = f"to_tsvector('{TEXT_CONFIG}'::regconfig, {SEARCH_TEXT})"
"""The `tsv` of a value named `text` on PostgreSQL (as its generated column computed it
before step 7)."""


_COLUMNS = "id, session_id, thread_id, on_primary, type, processed_at, ref_id, tsv, raw"

PG_TSV_OF_PARAM = PG_TSV.replace("translate(text,", "translate(?::text,", 1)
"""The `tsv` of a text bound as a parameter."""

PG_INSERT = f"INSERT INTO events({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, {PG_TSV_OF_PARAM}, ?)"
"""One event row `(id, session_id, thread_id, on_primary, type, processed_at, ref_id, text,
raw)`: its text becomes its `tsv`."""

PG_INSERT_ARRAYS = (
    f"INSERT INTO events({_COLUMNS}) SELECT id, session_id, thread_id, on_primary, type, "
    f"processed_at, ref_id, {PG_TSV}, raw FROM unnest(?::text[], ?::text[], ?::text[], "
    "?::bigint[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[]) AS u(id, session_id, "
    "thread_id, on_primary, type, processed_at, ref_id, text, raw) "
    "ON CONFLICT (id) DO NOTHING RETURNING id, seq"
)
"""A whole batch of such rows in one statement, as columns (arrays)."""
