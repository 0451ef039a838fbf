"""The hot paths the query-plan tests check, as calls through a reader's public methods.

Shared by tests/store/test_query_plans.py (SQLite) and tests/store/test_pg_query_plans.py
(PostgreSQL), so both backends are held to the same list: opening and re-sorting the fleet, the
visible rows, the header's counts, `drover ls`'s inbox, attention, search facets, the cost
ledger (totals and every grouping, all time and over a window; budgets) and a session's
transcript (open, page, seek).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from drover.store.fleet import SORT_KEYS, FleetQuery
from drover.store.lanes import ALL_THREADS
from drover.store.ledger import DIMENSIONS
from drover.store.reader import MirrorReader

__all__ = ["hot_paths"]


def hot_paths(reader: MirrorReader) -> Iterator[tuple[str, Callable[[], object]]]:
    """(name, call) for every hot path, through the reader's public methods."""
    today = reader._conn().execute("SELECT max(day) FROM daily_cost").fetchone()[0]
    some = reader.inbox(limit=25)
    ids = [row.id for row in some]
    agent = next(row.agent_name for row in some if row.agent_name)
    yield "open: first page", lambda: reader.fleet_ids(FleetQuery(), limit=500)
    for query in (FleetQuery(sort=sort) for sort in SORT_KEYS):
        yield f"order by {query.sort}", lambda q=query: reader.fleet_ids(q)
    yield "inbox filter", lambda: reader.fleet_ids(FleetQuery(needs_only=True))
    yield "visible rows", lambda: reader.fleet_rows(ids)
    yield "header counts", lambda: reader.header_counts(today=today)
    yield "ls inbox", lambda: reader.inbox(limit=50)
    yield "attention baseline", reader.attention_baseline
    yield "attention rows", lambda: reader.fleet_rows(ids)
    facets = [f"agent:{agent.split()[0]}", f"session:{ids[0]}", "status:running", f"after:{today}"]
    for facet in facets:
        yield f"search {facet}", lambda f=facet: reader.search(f, limit=50)
        yield f"search pytest {facet}", lambda f=facet: reader.search(f"pytest {f}", limit=50)
    for window_name, window in (("all time", {}), ("month", {"since": today[:8] + "01"})):
        yield f"ledger totals, {window_name}", lambda w=window: reader.cost_totals(**w)
        for by in DIMENSIONS:
            yield (
                f"ledger by {by}, {window_name}",
                lambda b=by, w=window: reader.cost_rows(b, limit=50, **w),  # type: ignore[arg-type]
            )
    caps = [("daily", None, 100), ("monthly", agent, 100)]
    yield "ledger budgets", lambda: reader.cost_budgets(caps, today=today)
    yield from _session_paths(reader)


def _session_paths(reader: MirrorReader) -> Iterator[tuple[str, Callable[[], object]]]:
    """Opening the busiest session (its live tail, threads, lane and markers), paging back
    and forth, and seeking to a moment."""
    sid = (
        reader._conn()
        .execute("SELECT id FROM sessions ORDER BY event_count DESC LIMIT 1")
        .fetchone()[0]
    )
    tail = reader.transcript(sid, limit=200)
    middle = tail[0].seq
    span = reader.lane_span(sid)
    assert span is not None and span.first_at and span.last_at
    start, end = span.first_at, span.last_at
    yield "session open: tail", lambda: reader.transcript(sid, limit=200)
    yield "session open: threads", lambda: reader.threads(sid)
    yield "session open: lane", lambda: reader.lane_span(sid)
    yield "session open: markers", lambda: reader.markers(sid, None, start=start, end=end, cells=80)
    yield "session page back", lambda: reader.transcript(sid, before_seq=middle, limit=200)
    yield "session page forward", lambda: reader.transcript(sid, after_seq=middle, limit=200)
    yield "session all threads", lambda: reader.transcript(sid, thread=ALL_THREADS, limit=200)
    yield "session seek", lambda: reader.seq_at_time(sid, None, start + (end - start) / 2)
    yield "session next marker", lambda: reader.next_marker(sid, None, middle, forward=True)
