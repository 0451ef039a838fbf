"""`FleetSource` over the store's `MirrorReader`.

Everything reads through the reader except the fleet's ordering: that is one index-only query
(`fleet_ids`) returning ids, not rows, so a re-sort of 10k sessions parses no JSON. It applies
the UI's rules in SQL — needs-you first in every ordering, then the sort key, ties by id — and
the regex filter through a `REGEXP` function registered on this module's own read-only
connection (one per thread, like the reader's).
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Sequence
from functools import lru_cache

from drover.store.migrations import connect
from drover.store.models import EventRow, HeaderCounts, SessionRow
from drover.store.reader import MirrorReader
from drover.tui.source import FleetQuery, SortKey

_TOKENS = (
    "coalesce(input_tokens, 0) + coalesce(output_tokens, 0) + coalesce(cache_read_tokens, 0)"
    " + coalesce(cache_creation_tokens, 0)"
)
_ORDER: dict[SortKey, str] = {
    # Longest-waiting first, then working sessions, then the most recently active.
    "needs": "needs_since, status != 'running', last_event_at DESC",
    "age": "created_at DESC",
    "active": "active_seconds DESC",
    "tokens": f"({_TOKENS}) DESC",
    "cost": "list_cost_cents DESC",
    "title": "title COLLATE NOCASE",
    "agent": "agent_name COLLATE NOCASE, created_at DESC",
}
HAYSTACK = (
    "id || ' ' || coalesce(title, '') || ' ' || coalesce(agent_name, '') || ' ' || "
    "coalesce(model_id, '') || ' ' || coalesce(status, '') || ' ' || coalesce(needs_you, '') "
    "|| ' ' || coalesce((SELECT group_concat(json_extract(value, '$.name'), ' ') "
    "FROM json_each(pending_actions)), '')"
)
"""What the fleet filter matches: id, title, agent, model, status, needs-you reason, tools."""


@lru_cache(maxsize=32)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def _regexp(pattern: str, value: str | None) -> bool:
    return value is not None and _compiled(pattern).search(value) is not None


def fleet_sql(query: FleetQuery) -> tuple[str, list[object]]:
    """The id query for `query` (exposed for tests and the store team's future index query).

    Raises:
        re.error: the pattern is not a valid regular expression (checked before querying).
    """
    clauses = ["deleted = 0", "archived_at IS NULL"]
    params: list[object] = []
    if query.needs_only:
        clauses.append("needs_you IS NOT NULL")
    if query.pattern:
        _compiled(query.pattern)
        clauses.append(f"(({HAYSTACK}) REGEXP ?) = ?")
        params += [query.pattern, 0 if query.invert else 1]
    sql = (
        f"SELECT id FROM sessions WHERE {' AND '.join(clauses)} "
        f"ORDER BY needs_you IS NULL, {_ORDER[query.sort]} NULLS LAST, id"
    )
    return sql, params


class MirrorFleetSource:
    """Adapts a `MirrorReader` to the `FleetSource` protocol.

    Args:
        reader: the profile's mirror reader (thread-safe: one connection per thread).
    """

    def __init__(self, reader: MirrorReader) -> None:
        self.reader = reader
        self._local = threading.local()
        self._conns: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def _index_conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect(self.reader.path, read_only=True).conn
            conn.create_function("regexp", 2, _regexp, deterministic=True)
            self._local.conn = conn
            with self._lock:
                self._conns.append(conn)
        return conn

    def close(self) -> None:
        """Close this adapter's own connections (the reader is closed by its owner)."""
        with self._lock:
            conns, self._conns = self._conns, []
        for conn in conns:
            conn.close()
        self._local = threading.local()

    def fleet_ids(self, query: FleetQuery) -> list[str]:
        """Ids of the matching sessions in display order (archived/deleted excluded)."""
        sql, params = fleet_sql(query)
        return [row[0] for row in self._index_conn().execute(sql, params)]

    def fleet_rows(self, ids: Sequence[str]) -> dict[str, SessionRow]:
        """Current rows for the visible ids (point lookups by primary key)."""
        rows = {}
        for sid in ids:
            row = self.reader.session(sid)
            if row is not None:
                rows[sid] = row
        return rows

    def header_counts(self, today: str) -> HeaderCounts:
        """Fleet totals for the header."""
        return self.reader.header_counts(today=today)

    def session(self, session_id: str) -> SessionRow | None:
        """One session's state."""
        return self.reader.session(session_id)

    def transcript(
        self,
        session_id: str,
        *,
        after_seq: int | None = None,
        before_seq: int | None = None,
        limit: int = 100,
    ) -> list[EventRow]:
        """One keyset page of the primary transcript."""
        return self.reader.transcript(
            session_id, after_seq=after_seq, before_seq=before_seq, limit=limit
        )

    def event_by_id(self, event_id: str) -> EventRow | None:
        """One event by id."""
        return self.reader.event_by_id(event_id)
