"""Full-text search over every mirrored event: facets, newest-first keyset paging, cancellation.

The query language (free text, phrases, prefixes, exclusions, `key:value` facets) is parsed in
`drover.store.search_query`; this module turns a parsed query into SQL and runs it. The index
is a `FullText`: SQLite's FTS5 (`FTS5`, below), or PostgreSQL's `tsvector` column
(`drover.store.pg.search.TSVECTOR`); everything else about a search is the same for both.

Newest first (`ORDER BY rowid DESC`) is the only order: FTS5 walks its doclists in rowid order
for free, while bm25 ranking of a common term costs ~1 s over 1M rows (docs/PERFORMANCE.md,
target P5). Pages are keyset (`before_seq`), never OFFSET. With text, the FTS index drives the
walk; with facets only, the events table does (newest first by primary key, or through an
index when the facets leave few events). `drover.store.search_plan` turns facets into
conditions and seq bounds.

A search can be cancelled from another thread through a `threading.Event` (a progress handler
checks it every few thousand VM steps); it then raises `SearchCancelled`.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any

from drover.store.dialect import Conn
from drover.store.models import SearchHit
from drover.store.search_filters import SearchFilters, SearchSyntaxError
from drover.store.search_plan import TOOL_USE_TYPES, Plan, marks, plan_search
from drover.store.search_query import ParsedQuery, parse_query

__all__ = [
    "FTS5",
    "SNIPPET_CLOSE",
    "SNIPPET_OPEN",
    "FullText",
    "SearchCancelled",
    "SearchFilters",
    "SearchSyntaxError",
    "search",
    "snippet_parts",
]

SNIPPET_OPEN = "\x02"
SNIPPET_CLOSE = "\x03"
"""Match markers in snippets: control characters no renderer shows, so the UI can split on
them and style the matches without confusing them with brackets in agent text."""

_WHITESPACE = re.compile(r"\s+")

SNIPPET_TOKENS = 16
"""Words of context around a match in a snippet (FTS5 allows at most 64)."""
PREVIEW_CHARS = 200
"""Characters of an event's text shown for a facets-only hit (there is no match to centre on)."""

INDEXED_EVENTS = 20_000
"""Facets-only searches over at most this many events of the chosen sessions read them
through the session index and sort; above it, walking the table newest first stops sooner."""
_PROGRESS_STEPS = 2_000
"""VM instructions between cancellation checks (~tens of microseconds)."""


class SearchCancelled(RuntimeError):
    """The search was cancelled through its `cancel` event."""


def snippet_parts(snippet: str) -> list[tuple[str, bool]]:
    """Split a hit's snippet on its markers into `(text, is_match)` parts, for one line.

    Runs of whitespace (newlines too) become one space; the text is otherwise as stored, so
    pass each part through `drover.text.inert.inert` before showing it.
    """
    parts: list[tuple[str, bool]] = []
    for index, chunk in enumerate(snippet.split(SNIPPET_OPEN)):
        match, _, rest = chunk.partition(SNIPPET_CLOSE) if index else ("", "", chunk)
        for text, is_match in ((match, True), (rest, False)):
            if text:
                parts.append((_WHITESPACE.sub(" ", text), is_match))
    return parts


@dataclass(frozen=True)
class FullText:
    """What a backend's full-text index brings to a search (FTS5 here, `tsvector` in
    `drover.store.pg.search`); `search` does the rest the same way for both.

    Attributes:
        match: the index's expression for a parsed query's text (None: no text).
        validate: raise `SearchSyntaxError` for a bad raw expression, without searching.
        cancellable: a context in which setting `cancel` stops the running statement.
        hits_sql: the page query for an expression, a facet plan, a keyset bound and a limit.
        errors: the database errors a search may end with (cancelled, or a bad expression).
        explain: the error to raise instead of one of `errors` (None: raise it as it is).
        snippets: the page's rows with their snippets made (connection, rows, expression),
            for an index that cannot make them in the page query (None: it does).
    """

    match: Callable[[ParsedQuery], str | None]
    validate: Callable[[Any, str], None]
    cancellable: Callable[[Any, threading.Event | None], AbstractContextManager[None]]
    hits_sql: Callable[[str | None, Plan, int | None, int], tuple[str, list[object]]]
    errors: tuple[type[Exception], ...]
    explain: Callable[[Exception, str], Exception | None]
    snippets: Callable[[Any, list[Any], str | None], list[Any]] | None = None


def search(
    conn: Conn,
    query: str,
    *,
    filters: SearchFilters | None = None,
    limit: int = 50,
    before_seq: int | None = None,
    raw: bool = False,
    cancel: threading.Event | None = None,
    index: FullText | None = None,
) -> list[SearchHit]:
    """Find events matching a query and facets, newest first.

    Args:
        conn: a reader connection.
        query: the search language (see `drover.store.search_query`), or with `raw=True` the
            index's own expression language (FTS5's: `AND`, `OR`, `NEAR`, `"phrases"`,
            `prefix*`); facet tokens are only parsed in the search language.
        filters: facets given apart from the text (CLI flags, API keywords); combined with the
            query's own facet tokens.
        limit: page size (always bounded).
        before_seq: keyset paging: only hits older than this seq (pass the last hit's seq).
        raw: treat `query` as the index's raw syntax.
        cancel: set it from another thread to abort a long search.
        index: the backend's full-text index (default: SQLite's `FTS5`).

    Returns:
        Up to `limit` hits. An empty query with no facets finds nothing.

    Raises:
        SearchSyntaxError: the query cannot be run (the message is for the user).
        SearchCancelled: `cancel` was set before or while the query ran.
    """
    index = index or FTS5
    filters = filters or SearchFilters()
    if raw:
        match = query.strip() or None
        if match is not None:
            index.validate(conn, match)
    else:
        parsed = parse_query(query)
        match, filters = index.match(parsed), filters.merged(parsed.filters)
    if match is None and not filters.active:
        return []
    with index.cancellable(conn, cancel):
        try:
            plan = plan_search(conn, filters)
            if plan.empty:
                return []
            sql, params = index.hits_sql(match, plan, before_seq, max(1, int(limit)))
            rows = conn.execute(sql, params).fetchall()
            if index.snippets is not None:
                rows = index.snippets(conn, rows, match)
        except index.errors as exc:
            if cancel is not None and cancel.is_set():
                raise SearchCancelled("search cancelled") from exc
            failure = index.explain(exc, query)
            if failure is None:
                raise
            raise failure from exc
    return [SearchHit(*row) for row in rows]


def _explain(exc: Exception, query: str) -> Exception | None:
    if "fts5" in str(exc).lower():
        return SearchSyntaxError(f"cannot search for {query!r}: {exc}")
    return None


@contextmanager
def _cancellable(conn: sqlite3.Connection, cancel: threading.Event | None) -> Iterator[None]:
    if cancel is None:
        yield
        return
    if cancel.is_set():
        raise SearchCancelled("search cancelled")
    conn.set_progress_handler(lambda: int(cancel.is_set()), _PROGRESS_STEPS)
    try:
        yield
    finally:
        conn.set_progress_handler(None, 0)


def _validate(conn: sqlite3.Connection, match: str) -> None:
    """Parse a raw FTS5 expression without scanning (`rowid < 0` matches nothing).

    Done separately so that parse errors, whose messages vary ("fts5: syntax error near",
    "unterminated string", "no such column"), are told apart from real database errors.
    """
    try:
        conn.execute("SELECT 1 FROM events_fts WHERE events_fts MATCH ? AND rowid < 0", (match,))
    except sqlite3.OperationalError as exc:
        raise SearchSyntaxError(f"invalid search expression {match!r}: {exc}") from exc


def _hits_sql(
    match: str | None, plan: Plan, before_seq: int | None, limit: int
) -> tuple[str, list[object]]:
    """One page of hits, then the page decorated with session title, agent and tool name."""
    clauses, params = list(plan.clauses), list(plan.params)
    if match is not None:
        key, member = "f.rowid", "+f.rowid"
        source = "events_fts f JOIN events e ON e.seq = f.rowid"
        snippet = "snippet(events_fts, 0, ?, ?, '…', ?)"
        head: list[object] = [SNIPPET_OPEN, SNIPPET_CLOSE, SNIPPET_TOKENS]
        clauses.insert(0, "events_fts MATCH ?")
        params.insert(0, match)
    else:
        key = member = "e.seq"
        source, snippet, head = "events e", "NULL", []
    # Facets only, many events: a unary `+` keeps SQLite walking the table newest first
    # instead of reading every event of those sessions through the index to sort them.
    walk = match is None and (plan.session_events or 0) > INDEXED_EVENTS
    # With text, `+` on the member keeps FTS5 walking its doclist and testing membership, which
    # is far cheaper than one FTS lookup per candidate; without, the candidates are looked up.
    # Bounds go on the walk's key, so SQLite (or FTS5) seeks instead of filtering.
    limits, limit_params = plan.limits(
        key, before_seq, session_column=("+" if walk else "") + "e.session_id", member_key=member
    )
    clauses += limits
    params += limit_params
    page = (
        f"SELECT e.seq AS seq, {snippet} AS snippet FROM {source} "
        f"WHERE {' AND '.join(clauses) or '1'} ORDER BY {key} DESC LIMIT ?"
    )
    # Decorations are computed for the page only: the inner query may sort many candidates.
    uses = marks(TOOL_USE_TYPES)
    sql = (
        "SELECT x.seq, x.id, x.session_id, x.thread_id, x.type, x.processed_at, "
        f"coalesce(h.snippet, substr(drover_event_text(x.raw), 1, {PREVIEW_CHARS})), "
        "s.title, s.agent_name, "
        f"CASE WHEN x.type IN ({uses}) THEN json_extract(drover_raw(x.raw), '$.name') "
        "ELSE (SELECT json_extract(drover_raw(u.raw), '$.name') FROM events u "
        "WHERE u.id = x.ref_id "
        f"AND u.type IN ({uses})) END "
        f"FROM ({page}) h JOIN events x ON x.seq = h.seq "
        "LEFT JOIN sessions s ON s.id = x.session_id ORDER BY x.seq DESC"
    )
    return sql, [*TOOL_USE_TYPES, *TOOL_USE_TYPES, *head, *params, limit]


FTS5 = FullText(
    match=lambda parsed: parsed.match,
    validate=_validate,
    cancellable=_cancellable,
    hits_sql=_hits_sql,
    errors=(sqlite3.OperationalError,),
    explain=_explain,
)
"""SQLite's index: the FTS5 table `events_fts` (see `drover.store.schema`)."""
