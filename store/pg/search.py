"""Full-text search on a PostgreSQL mirror: the query language, facets, paging and cancelling
of `drover.store.search` (`search` with the `TSVECTOR` index), over the `tsvector` column
and its GIN index.

The query is parsed by the same `parse_query`; its terms become one `tsquery` (`tsquery_text`):
every term is a phrase of the words the index keeps (`'connection' <-> 'refused'`), a prefix
marks its last word (`'deplo':*`), an excluded term is negated (`!('flaky')`), and all are
ANDed. Facets go through the same `plan_search` as on SQLite (sessions, seq bounds, type
candidates, tools, dates). Hits are newest first by `seq` with keyset paging; PostgreSQL's
planner chooses between walking `seq` downwards (common words) and the GIN index (rare ones).
Snippets come from `ts_headline` with the same markers as SQLite's `snippet()`, over the text
of the page's hits derived again from their raw JSON (`drover.store.pg.event_text`).

`raw=True` takes PostgreSQL's own `to_tsquery` syntax (`deploy & !flaky`, `kube:*`).
A search can be cancelled from another thread: a watcher sends PostgreSQL a cancel request.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg

from drover.store.pg.conn import PgConn
from drover.store.pg.event_text import headlines, texts_of
from drover.store.pg.schema import TEXT_CONFIG
from drover.store.search import (
    PREVIEW_CHARS,
    SNIPPET_CLOSE,
    SNIPPET_OPEN,
    SNIPPET_TOKENS,
    FullText,
    SearchCancelled,
)
from drover.store.search_filters import SearchSyntaxError
from drover.store.search_plan import TOOL_USE_TYPES, Plan, marks
from drover.store.search_query import ParsedQuery, Term

__all__ = ["TSVECTOR", "tsquery_text"]

HEADLINE = (
    f'StartSel="{SNIPPET_OPEN}", StopSel="{SNIPPET_CLOSE}", MaxWords={SNIPPET_TOKENS}, '
    f"MinWords={SNIPPET_TOKENS // 2}, ShortWord=0, MaxFragments=1, FragmentDelimiter=…"
)
"""`ts_headline` options: SQLite's snippet markers and length."""
_CANCEL_POLL = 0.02
"""Seconds between the cancel watcher's looks at whether the search is still running."""


def tsquery_text(terms: Iterable[Term]) -> str | None:
    """The `to_tsquery` text for parsed terms (None when none has a word the index keeps).

    Segments hold only letters and digits (see `Term`), so quoting them needs no escaping.
    """
    parts = []
    for term in terms:
        if not term.segments:
            continue
        words = [f"'{segment}'" for segment in term.segments]
        if term.prefix:
            words[-1] += ":*"
        phrase = " <-> ".join(words)
        parts.append(f"!({phrase})" if term.negated else f"({phrase})")
    return " & ".join(parts) or None


def _validate(conn: PgConn, text: str) -> None:
    try:
        conn.execute(f"SELECT to_tsquery('{TEXT_CONFIG}', ?)", (text,))
    except psycopg.errors.SyntaxError as exc:
        raise SearchSyntaxError(f"invalid search expression {text!r}: {exc}") from exc


@contextmanager
def _cancellable(conn: PgConn, cancel: threading.Event | None) -> Iterator[None]:
    """Cancel the running statement when `cancel` is set (never a later one: the watcher
    checks, under a lock, that the search is still running before it sends the request)."""
    if cancel is None:
        yield
        return
    if cancel.is_set():
        raise SearchCancelled("search cancelled")
    done = threading.Event()
    lock = threading.Lock()

    def watch() -> None:
        while not done.is_set():
            if cancel.wait(_CANCEL_POLL):
                with lock:
                    if not done.is_set():
                        conn.raw.cancel_safe()
                return

    threading.Thread(target=watch, name="drover-search-cancel", daemon=True).start()
    try:
        yield
    finally:
        with lock:
            done.set()


def _hits_sql(
    text: str | None, plan: Plan, before_seq: int | None, limit: int
) -> tuple[str, list[object]]:
    """One page of hits (seqs, newest first), then the page decorated like SQLite's."""
    clauses, params = list(plan.clauses), list(plan.params)
    if text is not None:
        clauses.insert(0, f"e.tsv @@ to_tsquery('{TEXT_CONFIG}', ?)")
        params.insert(0, text)
    limits, limit_params = plan.limits("e.seq", before_seq)
    clauses += limits
    params += limit_params
    page = (
        f"SELECT e.seq FROM events e WHERE {' AND '.join(clauses) or 'TRUE'} "
        "ORDER BY e.seq DESC LIMIT ?"
    )
    uses = marks(TOOL_USE_TYPES)
    sql = (
        "SELECT x.seq, x.id, x.session_id, x.thread_id, x.type, x.processed_at, x.raw, "
        "s.title, s.agent_name, "
        f"CASE WHEN x.type IN ({uses}) THEN x.raw::jsonb ->> 'name' "
        "ELSE (SELECT u.raw::jsonb ->> 'name' FROM events u WHERE u.id = x.ref_id "
        f"AND u.type IN ({uses})) END "
        f"FROM ({page}) h JOIN events x ON x.seq = h.seq "
        "LEFT JOIN sessions s ON s.id = x.session_id ORDER BY x.seq DESC"
    )
    return sql, [*TOOL_USE_TYPES, *TOOL_USE_TYPES, *params, limit]


def _snippets(conn: PgConn, rows: list[Any], text: str | None) -> list[Any]:
    """The page's rows with the raw JSON (column 6) replaced by its snippet: the text is not
    stored (`drover.store.pg.event_text`), so it is derived again for these events only."""
    raws = [row[6] for row in rows]
    if text is None:
        snippets = [t[:PREVIEW_CHARS] for t in texts_of(raws)]
    else:
        snippets = headlines(conn, raws, text, HEADLINE)
    return [(*row[:6], snippet, *row[7:]) for row, snippet in zip(rows, snippets, strict=True)]


def _match(parsed: ParsedQuery) -> str | None:
    return tsquery_text(parsed.terms)


TSVECTOR = FullText(
    match=_match,
    validate=_validate,
    cancellable=_cancellable,
    hits_sql=_hits_sql,
    errors=(psycopg.errors.QueryCanceled,),
    explain=lambda exc, query: None,
    snippets=_snippets,
)
"""PostgreSQL's index: the `events.tsv` column (see `drover.store.pg.schema`); run
by `drover.store.search.search(…, index=TSVECTOR)`."""
