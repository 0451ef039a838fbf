"""Which sessions are busy right now: the query behind the live grid's auto-fill."""

from __future__ import annotations

from drover.store.dialect import Conn
from drover.store.models import SQLValue


def busiest_sql(*, timed: bool) -> str:
    """The query behind `MirrorReader.busiest_sessions` (params: low seq, [since], limit).

    The CTE is MATERIALIZED so SQLite takes the newest events by a rowid range first; left to
    itself it prefers scanning the whole `(session_id, seq)` index to serve the GROUP BY.
    """
    since = "WHERE processed_at >= ?" if timed else ""
    return (
        "WITH recent AS MATERIALIZED (SELECT session_id, processed_at, seq FROM events "
        "WHERE seq > ?) "
        "SELECT r.session_id, count(*) AS n, max(r.seq) AS last FROM "
        f"(SELECT * FROM recent {since}) r "
        "JOIN sessions s ON s.id = r.session_id AND s.deleted = 0 AND s.archived_at IS NULL "
        "GROUP BY r.session_id ORDER BY n DESC, last DESC LIMIT ?"
    )


def busiest_sessions(
    conn: Conn, since: str | None = None, limit: int = 9, *, window: int = 20_000
) -> list[tuple[str, int]]:
    """Sessions with the most recent events, busiest first (for the live grid's auto-fill).

    Bounded by construction: only the newest `window` events are counted, found by a range
    on the `seq` primary key (so the cost does not grow with the mirror), and `since`
    further keeps events processed at or after that RFC 3339 time. Archived and deleted
    sessions are left out.

    Args:
        since: earliest `processed_at` to count (None: every event in the window).
        limit: most sessions returned.
        window: how many of the newest events to look at.

    Returns:
        `(session_id, event_count)` pairs, most events first, ties by most recent event.
    """
    top = conn.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()[0]
    params: list[SQLValue] = [top - window]
    if since is not None:
        params.append(since)
    params.append(limit)
    rows = conn.execute(busiest_sql(timed=since is not None), params).fetchall()
    return [(r[0], r[1]) for r in rows]
