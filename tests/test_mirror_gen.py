"""The benchmark mirror generator (benchmarks/mirror_gen.py) at a small size.

The benchmarks trust it for realism and exact sizes, so: every sampled object and event must
pass the SDK's strict shapes, the counts must be exactly what was asked, the same seed must
give the same mirror, and the turn features the benchmarks rely on must actually occur.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from mirror_gen import build_mirror, cached_mirror, lane_runs, main
from mirror_sessions import Fleet, iter_sessions, session_sizes
from sdk_check import assert_wire_shape

from drover.store.fts_text import FTS_CONTENT
from drover.store.migrations import connect

SMALL = {"sessions": 20, "events": 2000, "big_session": 500, "seed": 7}


def _timelines(**sizes: int) -> list[list[tuple[str | None, dict]]]:
    return [g.timeline for g in iter_sessions(**sizes)]


def test_objects_and_a_sample_of_events_are_wire_valid() -> None:
    fleet = Fleet(7)
    for obj in [*fleet.agents.values(), *fleet.environments]:
        assert_wire_shape(obj)
    checked = Counter()
    for generated in iter_sessions(sessions=60, events=8000, big_session=1000, seed=3):
        assert_wire_shape(generated.session)
        for thread in generated.threads:
            assert_wire_shape(thread)
        for i, (_lane, event) in enumerate(generated.timeline):
            # Every 5th event, plus the first of each type (rare types get checked too).
            if i % 5 == 0 or event["type"] not in checked:
                assert_wire_shape(event)
                checked[event["type"]] += 1
    assert len(checked) >= 20, f"too few event types generated: {sorted(checked)}"


def test_counts_are_exact_and_the_big_session_comes_first() -> None:
    sizes = session_sizes(10_000, 1_000_000, 100_000, 7)
    assert len(sizes) == 10_000 and sum(sizes) == 1_000_000 and sizes[0] == 100_000
    assert min(sizes) >= 7
    timelines = _timelines(**SMALL)
    assert len(timelines) == 20
    assert [len(t) for t in timelines] == session_sizes(20, 2000, 500, 7)
    ids = [event["id"] for t in timelines for _lane, event in t]
    assert len(ids) == len(set(ids)) == 2000


def test_same_seed_same_mirror_other_seed_another() -> None:
    first = json.dumps(_timelines(**SMALL))
    assert json.dumps(_timelines(**SMALL)) == first
    assert json.dumps(_timelines(**{**SMALL, "seed": 8})) != first


def test_turns_carry_the_features_the_benchmarks_search_and_replay() -> None:
    types: Counter[str] = Counter()
    stops: Counter[str] = Counter()
    tools: set[str] = set()
    answers: set[str] = set()
    retries: set[str] = set()
    for timeline in _timelines(sessions=200, events=20_000, big_session=2000, seed=7):
        for _lane, event in timeline:
            types[event["type"]] += 1
            if event["type"] == "session.status_idle":
                stops[event["stop_reason"]["type"]] += 1
            elif event["type"] in ("agent.tool_use", "agent.mcp_tool_use"):
                tools.add(event["name"] if event["type"] == "agent.tool_use" else "mcp")
            elif event["type"] == "user.tool_confirmation":
                answers.add(event["result"])
            elif event["type"] == "session.error":
                retries.add(event["error"]["retry_status"]["type"])
    assert types["session.usage"] == types["session.status_idle"]
    assert {"user.interrupt", "session.thread_created", "agent.thread_message_sent",
            "agent.thread_message_received", "agent.thinking"} <= set(types)  # fmt: skip
    assert {"requires_action", "budget_reached", "retries_exhausted", "end_turn"} <= set(stops)
    assert {"bash", "read", "edit", "write", "grep", "glob", "web_fetch", "web_search",
            "mcp"} <= tools  # fmt: skip
    assert answers == {"allow", "deny"} and retries == {"retrying", "exhausted"}


def test_lane_runs_keep_time_order_and_split_by_thread() -> None:
    timeline = [(None, {"id": "a"}), (None, {"id": "b"}), ("t", {"id": "c"}), (None, {"id": "d"})]
    runs = [(lane, [e["id"] for e in run]) for lane, run in lane_runs(timeline)]
    assert runs == [(None, ["a", "b"]), ("t", ["c"]), (None, ["d"])]


def test_build_ingests_everything_through_the_store(tmp_path: Path) -> None:
    path = tmp_path / "mirror.db"
    manifest = build_mirror(path, progress=False, **SMALL)
    generated = list(iter_sessions(**SMALL))
    conn = connect(path).conn  # events_fts reads its text through drover_event_text
    try:
        assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == 2000
        assert conn.execute("SELECT count(*) FROM events_fts").fetchone()[0] == 2000
        assert conn.execute("SELECT count(*) FROM sessions").fetchone()[0] == 20
        big = conn.execute(
            "SELECT event_count, agent_name FROM sessions WHERE id = ?", (manifest.big_session_id,)
        ).fetchone()
        assert big == (500, "Release Coordinator")
        stored = {row[0] for row in conn.execute("SELECT id FROM events")}
        assert stored == {e["id"] for g in generated for _lane, e in g.timeline}
        # Child-thread events are stored on their thread; the costs reached the ledger.
        assert conn.execute("SELECT count(*) FROM events WHERE thread_id IS NOT NULL").fetchone()[0]
        assert conn.execute("SELECT count(*) FROM daily_cost").fetchone()[0] >= 20
    finally:
        conn.close()
    assert json.loads(Path(f"{path}.json").read_text())["big_session_id"] == manifest.big_session_id
    with pytest.raises(FileExistsError):
        build_mirror(path, progress=False, **SMALL)


def test_cached_mirror_builds_once(tmp_path: Path) -> None:
    first, manifest = cached_mirror(cache_dir=tmp_path, **SMALL)
    stamp = first.stat().st_mtime_ns
    again, same = cached_mirror(cache_dir=tmp_path, **SMALL)
    assert (again, same) == (first, manifest)
    assert again.stat().st_mtime_ns == stamp
    assert not list(tmp_path.glob("*.partial*")) and not list(tmp_path.glob("*-wal"))


def test_impossible_sizes_are_refused() -> None:
    with pytest.raises(ValueError, match="cannot spread"):
        session_sizes(100, 500, 0, 7)
    with pytest.raises(ValueError, match="big-session"):
        session_sizes(10, 1000, 3, 7)


def test_the_script_reports_bad_arguments_without_a_traceback(tmp_path: Path, capsys) -> None:
    taken = tmp_path / "taken.db"
    taken.write_bytes(b"")
    assert main([str(taken), "--sessions", "2", "--events", "20", "--big-session", "0"]) == 2
    assert "already exists" in capsys.readouterr().err
    assert main([str(tmp_path / "new.db"), "--sessions", "5", "--events", "20"]) == 2
    assert "cannot spread" in capsys.readouterr().err
    assert not (tmp_path / "new.db").exists()


def _index_contents(path: Path) -> tuple[list[tuple], list[tuple]]:
    """(every indexed term instance: term, event seq, column, offset; the events' text)."""
    conn = connect(path).conn  # events_fts reads its text through drover_event_text
    try:
        # rank 1: the index is also checked against the events it was built from.
        conn.execute("INSERT INTO events_fts(events_fts, rank) VALUES ('integrity-check', 1)")
        conn.execute("CREATE VIRTUAL TABLE temp.terms USING fts5vocab(main, events_fts, instance)")
        terms = conn.execute("SELECT * FROM temp.terms ORDER BY 1, 2, 3, 4").fetchall()
        events = conn.execute(
            f"SELECT e.seq, e.id, c.text FROM events e JOIN {FTS_CONTENT} c ON c.seq = e.seq "
            "ORDER BY e.seq"
        ).fetchall()
        return terms, events
    finally:
        conn.close()


def test_bulk_load_builds_the_same_search_index_as_the_triggers(tmp_path: Path) -> None:
    bulk, triggered = tmp_path / "bulk.db", tmp_path / "triggered.db"
    build_mirror(bulk, progress=False, **SMALL)
    build_mirror(triggered, progress=False, bulk_fts=False, **SMALL)
    bulk_terms, bulk_events = _index_contents(bulk)
    terms, events = _index_contents(triggered)
    assert len(terms) > len(events) == 2000  # (an event without text has no terms)
    assert bulk_events == events
    assert bulk_terms == terms
    # The bulk-built mirror indexes the next event as any mirror does (its triggers are back).
    conn = connect(bulk).conn
    try:
        triggers = {
            r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        }
        assert {"events_fts_ai", "events_fts_ad", "events_fts_au"} <= triggers
    finally:
        conn.close()
