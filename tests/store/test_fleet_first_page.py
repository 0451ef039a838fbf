"""The fleet's first page (`fleet_ids(limit=)`, read before the first paint) is the head of
the whole order, on both backends, for every sort, the inbox and a filter."""

from __future__ import annotations

from typing import Any

from drover.store.fleet import SORT_KEYS, FleetQuery


def test_the_first_page_is_the_head_of_the_order(kit: Any) -> None:
    w, r = kit.mirror.writer, kit.mirror.reader
    sessions = [
        {
            "id": f"sesn_{i:03d}",
            "status": ("running", "idle", None)[i % 3],
            "title": None if i % 7 == 0 else f"Task {i % 11}",
            "created_at": f"2026-05-{1 + i % 28:02d}T00:00:00Z",
        }
        for i in range(60)
    ]
    w.submit("upsert_sessions", sessions).result()
    refusal = {
        "type": "session.status_idle",
        "id": "sevt_1",
        "stop_reason": {"type": "refusal"},
        "processed_at": "2026-05-12T10:00:00Z",
    }
    w.submit("ingest", "sesn_005", [refusal]).result()
    queries = [
        *(FleetQuery(sort=sort) for sort in SORT_KEYS),
        FleetQuery(needs_only=True),
        FleetQuery(pattern="task 1"),
        FleetQuery(pattern="task 1", invert=True, sort="title"),
    ]
    for query in queries:
        whole = r.fleet_ids(query)
        assert whole, query
        if not query.needs_only:
            assert whole[0] == "sesn_005" or query.pattern, query  # needs you: first
        for limit in (1, 7, 500):
            assert r.fleet_ids(query, limit=limit) == whole[:limit], (query, limit)
