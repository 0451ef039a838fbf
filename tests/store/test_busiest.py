"""`MirrorReader.busiest_sessions`: the live grid's auto-fill query (bounded, indexed)."""

from __future__ import annotations

import sqlite3

import pytest

from drover.store.activity import busiest_sql
from drover.store.mirror import Mirror


def _events(prefix: str, count: int, minute: int) -> list[dict]:
    return [
        {
            "type": "agent.message",
            "id": f"sevt_{prefix}_{i}",
            "content": [{"type": "text", "text": f"{prefix} {i}"}],
            "processed_at": f"2026-05-12T11:{minute:02d}:{i % 60:02d}Z",
        }
        for i in range(count)
    ]


def _fill(mirror: Mirror) -> None:
    w = mirror.writer
    w.submit("ingest", "sesn_old", _events("old", 50, 1)).result()  # busy long ago
    w.submit("ingest", "sesn_a", _events("a", 5, 58)).result()
    w.submit("ingest", "sesn_b", _events("b", 12, 59)).result()
    w.submit("ingest", "sesn_c", _events("c", 12, 57)).result()  # ties b, mirrored later
    w.submit("ingest", "sesn_gone", _events("gone", 30, 59)).result()
    w.submit("upsert_sessions", [{"id": "sesn_gone", "archived_at": "2026-05-12T11:59:59Z"}])
    w.flush()


def test_busiest_counts_recent_events_busiest_first(mirror: Mirror) -> None:
    _fill(mirror)
    r = mirror.reader
    assert r.busiest_sessions("2026-05-12T11:55:00Z", limit=9) == [
        ("sesn_c", 12), ("sesn_b", 12), ("sesn_a", 5),
    ]  # fmt: skip
    assert r.busiest_sessions("2026-05-12T11:55:00Z", limit=1) == [("sesn_c", 12)]
    # Without a time bound every event in the window counts; archived sessions never do.
    assert r.busiest_sessions(None, limit=2) == [("sesn_old", 50), ("sesn_c", 12)]
    # The window bounds the scan to the newest events (here: the last 12 are sesn_c's).
    assert r.busiest_sessions(None, limit=9, window=12 + 30) == [("sesn_c", 12)]


def test_busiest_on_an_empty_mirror(mirror: Mirror) -> None:
    assert mirror.reader.busiest_sessions("2026-05-12T11:55:00Z") == []


@pytest.mark.sqlite_only
@pytest.mark.parametrize("timed", [False, True])
def test_busiest_scans_a_seq_range_not_the_table(mirror: Mirror, timed: bool) -> None:
    _fill(mirror)
    conn = sqlite3.connect(mirror.writer.path)
    try:
        params = [100, "2026-05-12T11:55:00Z", 9] if timed else [100, 9]
        plan = " ".join(
            str(row[-1])
            for row in conn.execute("EXPLAIN QUERY PLAN " + busiest_sql(timed=timed), params)
        )
    finally:
        conn.close()
    assert "INTEGER PRIMARY KEY (rowid>?)" in plan, plan
    assert "SCAN e" not in plan and "events_session_seq" not in plan, plan
