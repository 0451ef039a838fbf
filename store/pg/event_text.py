"""An event's searchable text on PostgreSQL, stored once: as its `tsv` lexemes (step 7).

Before step 7, `events.text` held the text and `tsv` was generated from it. Now the writer
hands the text it extracted (`drover.store.extract.event_text`) to the insert, which turns it
into `tsv` and stores nothing else of it (`drover.store.fts_text.PG_INSERT`); snippets derive
the text of the page's hits from their raw JSON again (`headlines`: at most a page of events,
one query for all of them).
"""

from __future__ import annotations

from typing import Any

from drover.store.fts_text import text_of_raw
from drover.store.pg.conn import PgConn
from drover.store.pg.schema import TEXT_CONFIG

__all__ = ["headlines", "texts_of"]


def texts_of(raws: list[str]) -> list[str]:
    """The searchable text of each raw event JSON ('' for one that does not parse)."""
    return [text_of_raw(raw) for raw in raws]


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
