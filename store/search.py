"""Full-text search over events: safe query building, newest-first paging, cancellation.

Newest-first (`ORDER BY rowid DESC`) is the default because FTS5 walks its doclists in rowid
order for free, while bm25 ranking of a common term over 1M rows costs ~1 s (PERFORMANCE.md).
"""

from __future__ import annotations

import re
import sqlite3
import threading

from drover.store.models import SearchHit

SNIPPET_OPEN = "\x02"
SNIPPET_CLOSE = "\x03"
"""Match markers in snippets: control characters no renderer shows, so the UI can split on
them and style the matches without confusing them with brackets in agent text."""

_HAS_WORD = re.compile(r"\w")


class SearchSyntaxError(ValueError):
    """A raw FTS5 query could not be parsed; the message says why."""


class SearchCancelled(RuntimeError):
    """The search was cancelled through its `cancel` event."""


def plain_query(text: str) -> str | None:
    """Turn free text into a safe FTS5 query: every word a quoted term, all required.

    Quotes are doubled inside the quoted term, so `"`, `AND`, `(`, `:` or `-` are matched as
    text instead of parsed as syntax. A trailing `*` on a word keeps its prefix meaning.
    Tokens with no word character (`(`, `*`, `--`) are dropped.

    Returns:
        The FTS5 expression, or None when nothing searchable is left.
    """
    terms = []
    for token in text.split():
        prefix = token.endswith("*")
        core = token.rstrip("*")
        if not _HAS_WORD.search(core):
            continue
        quoted = '"' + core.replace('"', '""') + '"'
        terms.append(quoted + ("*" if prefix else ""))
    return " ".join(terms) or None


def _validate(conn: sqlite3.Connection, match: str) -> None:
    """Parse a raw FTS5 expression without scanning (`rowid < 0` matches nothing).

    Done separately so that parse errors, whose messages vary ("fts5: syntax error near",
    "unterminated string", "no such column"), are told apart from real database errors.
    """
    try:
        conn.execute("SELECT 1 FROM events_fts WHERE events_fts MATCH ? AND rowid < 0", (match,))
    except sqlite3.OperationalError as exc:
        raise SearchSyntaxError(f"invalid search expression {match!r}: {exc}") from exc


def search(
    conn: sqlite3.Connection,
    query: str,
    *,
    limit: int = 50,
    before_seq: int | None = None,
    session_id: str | None = None,
    raw: bool = False,
    cancel: threading.Event | None = None,
) -> list[SearchHit]:
    """Find events whose text matches, newest first.

    Args:
        conn: a reader connection.
        query: free text (default) or, with `raw=True`, an FTS5 expression.
        limit: page size (always bounded).
        before_seq: keyset paging: only hits older than this seq (pass the last hit's seq).
        session_id: restrict to one session.
        raw: treat `query` as FTS5 syntax (`AND`, `OR`, `NEAR`, `"phrases"`, `prefix*`).
        cancel: set it from another thread to abort a long search (raises SearchCancelled).

    Returns:
        Up to `limit` hits.

    Raises:
        SearchSyntaxError: `raw=True` and the expression is not valid FTS5.
        SearchCancelled: `cancel` was set while the query ran.
    """
    match = query if raw else plain_query(query)
    if not match or not match.strip():
        return []
    sql = [
        "SELECT e.seq, e.id, e.session_id, e.thread_id, e.type, e.processed_at, "
        "snippet(events_fts, 0, ?, ?, '…', 12) "
        "FROM events_fts JOIN events e ON e.seq = events_fts.rowid WHERE events_fts MATCH ?"
    ]
    params: list[object] = [SNIPPET_OPEN, SNIPPET_CLOSE, match]
    if before_seq is not None:
        sql.append("AND events_fts.rowid < ?")
        params.append(before_seq)
    if session_id is not None:
        sql.append("AND e.session_id = ?")
        params.append(session_id)
    sql.append("ORDER BY events_fts.rowid DESC LIMIT ?")
    params.append(max(1, int(limit)))
    if raw:
        _validate(conn, match)
    if cancel is not None:
        conn.set_progress_handler(lambda: int(cancel.is_set()), 2000)
    try:
        rows = conn.execute(" ".join(sql), params).fetchall()
    except sqlite3.OperationalError as exc:
        if cancel is not None and cancel.is_set():
            raise SearchCancelled("search cancelled") from exc
        raise
    finally:
        if cancel is not None:
            conn.set_progress_handler(None, 0)
    return [SearchHit(*row) for row in rows]
