"""`linked_events` finds a page's other halves by index probes, never by walking a session."""

from __future__ import annotations

from drover.store.mirror import Mirror


def _at(hour: int, i: int) -> str:
    return f"2026-05-12T{hour}:{i // 60:02d}:{i % 60:02d}Z"


def _use(i: int) -> dict:
    return {"type": "agent.tool_use", "id": f"sevt_use{i}", "name": "bash",
            "input": {"command": f"echo {i}"}, "processed_at": _at(10, i)}  # fmt: skip


def _result(i: int) -> dict:
    return {"type": "agent.tool_result", "id": f"sevt_res{i}", "tool_use_id": f"sevt_use{i}",
            "content": [{"type": "text", "text": "ok"}], "is_error": False,
            "processed_at": _at(11, i)}  # fmt: skip


def test_results_outside_the_page_are_found_through_the_ref_index(tmp_path):
    with Mirror.open(tmp_path / "mirror.db") as mirror:
        events = [_use(i) for i in range(300)] + [_result(i) for i in range(300)]
        mirror.writer.submit("ingest", "sesn_a", events).result()
        reader = mirror.reader
        page = reader.transcript("sesn_a", after_seq=0, limit=50)  # uses 0..49, no results
        found = reader.linked_events("sesn_a", page)
        assert sorted(row.id for row in found) == sorted(f"sevt_res{i}" for i in range(50))
        conn = reader._conn()  # mirrors are never ANALYZEd: the planner goes by its defaults
        ran: list[str] = []
        conn.set_trace_callback(ran.append)
        assert len(reader.linked_events("sesn_a", page)) == 50
        conn.set_trace_callback(None)
        [query] = [sql for sql in ran if "ref_id IN" in sql]
        plan = " ".join(str(step[-1]) for step in conn.execute("EXPLAIN QUERY PLAN " + query))
        assert "USING INDEX events_ref" in plan, plan
