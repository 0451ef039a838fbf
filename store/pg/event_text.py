"""An event's searchable text on PostgreSQL, stored once: as its `tsv` lexemes (step 7).

Before step 7, `events.text` held the text and `tsv` was generated from it. Now the writer
hands the text it extracted (`drover.store.extract.event_text`) to the insert, which turns it
into `tsv` and stores nothing else of it; snippets derive the text of the page's hits from
their raw JSON again (`headlines`: at most a page of events, one query for all of them).
"""

from __future__ import annotations

import json
from typing import Any

from drover.store.extract import event_text
from drover.store.pg.conn import PgConn
from drover.store.pg.schema import SEARCH_TEXT, TEXT_CONFIG

__all__ = ["INSERT", "INSERT_ARRAYS", "headlines", "text_once_v7", "texts_of"]

TSV = f"to_tsvector('{TEXT_CONFIG}'::regconfig, {SEARCH_TEXT})"
"""The `tsv` of a value named `text` (as the generated column computed it before step 7)."""


_COLUMNS = "id, session_id, thread_id, on_primary, type, processed_at, ref_id, tsv, raw"

INSERT = (
    f"INSERT INTO events({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, "
    + TSV.replace("translate(text,", "translate(?::text,", 1)
    + ", ?)"
)
"""One event row `(id, session_id, thread_id, on_primary, type, processed_at, ref_id, text,
raw)`: its text becomes its `tsv`."""

INSERT_ARRAYS = (
    f"INSERT INTO events({_COLUMNS}) SELECT id, session_id, thread_id, on_primary, type, "
    f"processed_at, ref_id, {TSV}, raw FROM unnest(?::text[], ?::text[], ?::text[], "
    "?::bigint[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[]) AS u(id, session_id, "
    "thread_id, on_primary, type, processed_at, ref_id, text, raw) "
    "ON CONFLICT (id) DO NOTHING RETURNING id, seq"
)
"""A whole batch of such rows in one statement, as columns (arrays)."""


def text_once_v7(conn: PgConn) -> None:
    """Step 7: `tsv` becomes a plain column written by the insert, and `text` is dropped
    (both instant: PostgreSQL rewrites no row; the space comes back as rows are vacuumed)."""
    columns = dict(
        conn.execute(
            "SELECT column_name, is_generated FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = 'events'"
        ).fetchall()
    )
    if columns.get("tsv") == "ALWAYS":
        conn.execute("ALTER TABLE events ALTER COLUMN tsv DROP EXPRESSION")
    if "text" in columns:
        conn.execute("ALTER TABLE events DROP COLUMN text")


def texts_of(raws: list[str]) -> list[str]:
    """The searchable text of each raw event JSON ('' for one that does not parse)."""
    out = []
    for raw in raws:
        try:
            event = json.loads(raw)
        except ValueError:
            event = None
        out.append(event_text(event) if isinstance(event, dict) else "")
    return out


def headlines(conn: PgConn, raws: list[str], query: str, options: str) -> list[str]:
    """`ts_headline` of each event's text for the tsquery text `query`, in order."""
    if not raws:
        return []
    rows: list[Any] = conn.execute(
        f"SELECT ts_headline('{TEXT_CONFIG}', t, to_tsquery('{TEXT_CONFIG}', ?), ?) "
        "FROM unnest(?::text[]) WITH ORDINALITY AS u(t, n) ORDER BY n",
        (query, options, texts_of(raws)),
    ).fetchall()
    return [row[0] for row in rows]
