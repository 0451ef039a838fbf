"""Ingest: idempotency, queued→processed completion, cross-posts, unknown types, atomicity."""

from __future__ import annotations

import asyncio
import sqlite3
import threading

import pytest

from drover.store.ingest import InvalidEventError
from drover.store.mirror import Mirror


def test_every_scenario_is_stored_once_without_previews(kit, scenarios):
    for name in scenarios:
        sid = kit.scenario(name)
        expected = {e["id"] for e in kit.persisted(name)}
        assert kit.mirror.reader.event_ids(sid) == expected
    indexed, content = kit.fts_rows()
    assert indexed == content
    kit.fts_integrity()


def test_reingest_changes_nothing(kit, scenarios):
    for name in scenarios:
        kit.scenario(name)
    cols = [c for c in kit.columns("sessions") if c != "local_updated_at"]
    strip = f"SELECT {', '.join(cols)} FROM sessions ORDER BY id"
    sessions_before = kit.sql(strip)
    events_before = kit.sql("SELECT * FROM events ORDER BY seq")

    results = []
    for name in scenarios:
        results += kit.deliver(f"sesn_{name}", kit.scenarios[name])

    assert all(not r.new_ids and not r.completed_ids for r in results)
    assert sum(len(r.duplicate_ids) for r in results) > 0
    assert kit.sql("SELECT * FROM events ORDER BY seq") == events_before
    assert kit.sql(strip) == sessions_before
    indexed, content = kit.fts_rows()
    assert indexed == content
    kit.fts_integrity()


def test_queued_user_event_is_completed_without_ghost_fts_rows(kit):
    queued = {
        "type": "user.message",
        "id": "sevt_queued1",
        "content": [{"type": "text", "text": "zebracorn migration please"}],
        "processed_at": None,
    }
    processed = {**queued, "processed_at": "2026-05-12T09:00:01.5Z"}
    first = kit.deliver("sesn_q", [(None, queued)])[0]
    assert first.new_ids == ["sevt_queued1"]
    queued_row = kit.mirror.reader.event_by_id("sevt_queued1")
    assert queued_row.processed_at is None

    second = kit.deliver("sesn_q", [(None, processed)])[0]
    assert second.completed_ids == ["sevt_queued1"] and not second.new_ids
    row = kit.mirror.reader.event_by_id("sevt_queued1")
    assert row.processed_at == processed["processed_at"]
    assert row.event == processed
    assert row.seq == queued_row.seq  # completed in place: its transcript position is kept

    again = kit.deliver("sesn_q", [(None, queued), (None, processed)])
    assert all(r.duplicate_ids == ["sevt_queued1"] for r in again)  # never un-completed
    assert kit.mirror.reader.event_by_id("sevt_queued1").processed_at is not None

    hits = kit.mirror.reader.search("zebracorn")
    assert [h.event_id for h in hits] == ["sevt_queued1"]
    indexed, content = kit.fts_rows()
    assert indexed == content == 1
    kit.fts_integrity()


def test_queued_and_processed_copies_in_one_batch(mirror):
    queued = {"type": "user.interrupt", "id": "sevt_i", "processed_at": None}
    processed = {**queued, "processed_at": "2026-05-12T13:00:02.670Z"}
    result = mirror.writer.submit("ingest", "sesn_b", [queued, processed]).result()
    assert result.new_ids == ["sevt_i"] and result.completed_ids == ["sevt_i"]
    assert mirror.reader.event_by_id("sevt_i").processed_at == processed["processed_at"]


@pytest.mark.parametrize("thread_first", [True, False])
def test_cross_post_is_stored_once_and_thread_copy_names_the_thread(kit, thread_first):
    tool_use = {
        "type": "agent.tool_use",
        "id": "sevt_x",
        "name": "bash",
        "input": {"command": "pytest -q"},
        "evaluated_permission": "ask",
        "processed_at": "2026-05-12T12:00:03.595Z",
    }
    session_copy = {**tool_use, "session_thread_id": "sthr_child"}
    deliveries = [("sthr_child", tool_use), (None, session_copy)]
    if not thread_first:
        deliveries.reverse()
    kit.deliver("sesn_x", deliveries)

    row = kit.mirror.reader.event_by_id("sevt_x")
    assert row.thread_id == "sthr_child"
    assert row.on_primary
    assert kit.mirror.reader.event_ids("sesn_x") == {"sevt_x"}
    primary = kit.mirror.reader.transcript("sesn_x")
    child = kit.mirror.reader.transcript("sesn_x", thread="sthr_child")
    assert [e.id for e in primary] == [e.id for e in child] == ["sevt_x"]
    assert kit.fts_rows() == (1, 1)


def test_thread_only_event_is_not_in_the_primary_view(kit):
    event = {"type": "agent.message", "id": "sevt_t", "content": [], "processed_at": None}
    kit.deliver("sesn_t", [("sthr_1", event)])
    assert kit.mirror.reader.transcript("sesn_t") == []
    assert [e.id for e in kit.mirror.reader.transcript("sesn_t", thread="*")] == ["sevt_t"]


def test_unknown_types_and_fields_are_kept_whole(kit):
    odd = {
        "type": "agent.hologram",
        "id": "sevt_new",
        "processed_at": "2026-05-12T09:00:00Z",
        "payload": {"nested": [1, {"deep": "ünïcode \u2028 \x1b[31mred"}]},
        "content": [{"type": "text", "text": "quasar lattice"}],
    }
    known_with_extra = {
        "type": "agent.message",
        "id": "sevt_known",
        "content": [{"type": "text", "text": "hi"}],
        "future_field": {"x": 1},
        "processed_at": "2026-05-12T09:00:01Z",
    }
    kit.deliver("sesn_u", [(None, odd), (None, known_with_extra)])
    before = kit.mirror.reader.session("sesn_u")
    assert kit.mirror.reader.event_by_id("sevt_new").event == odd
    assert kit.mirror.reader.event_by_id("sevt_known").event == known_with_extra
    assert [h.event_id for h in kit.mirror.reader.search("quasar")] == ["sevt_new"]
    assert before.status is None and before.needs_you is None and before.pending_actions == []


def test_empty_ids_get_distinct_stable_local_ids(kit):
    a = {"type": "user.interrupt", "id": "", "processed_at": "2026-05-12T13:00:00Z"}
    b = {"type": "user.interrupt", "id": "", "processed_at": "2026-05-12T13:00:05Z"}
    kit.deliver("sesn_e", [(None, a), (None, b), (None, a)])
    ids = kit.mirror.reader.event_ids("sesn_e")
    assert len(ids) == 2 and all(i.startswith("local_") for i in ids)


def test_failed_ingest_leaves_neither_rows_nor_cursor(mirror):
    good = {
        "type": "agent.message",
        "id": "sevt_g1",
        "content": [],
        "processed_at": "2026-05-12T09:00:00Z",
    }
    mirror.writer.submit("ingest", "sesn_a", [good]).result()
    cursor_before = mirror.reader.cursor("sesn_a")

    batch = [
        {
            "type": "agent.message",
            "id": "sevt_g2",
            "content": [],
            "processed_at": "2026-05-12T09:00:01Z",
        },
        "not an event",
        {
            "type": "agent.message",
            "id": "sevt_g3",
            "content": [],
            "processed_at": "2026-05-12T09:00:02Z",
        },
    ]
    with pytest.raises(InvalidEventError):
        mirror.writer.submit("ingest", "sesn_a", batch).result()
    assert mirror.reader.event_ids("sesn_a") == {"sevt_g1"}
    assert mirror.reader.cursor("sesn_a") == cursor_before
    assert cursor_before.last_processed_at == "2026-05-12T09:00:00Z"


def test_failure_after_rows_were_written_rolls_back_only_that_operation(tmp_path, monkeypatch):
    """A failure after the INSERTs ran (in the cursor step) undoes that op, not its batch."""
    from drover.store import ingest

    calls = {"n": 0}
    real = ingest._advance_cursor

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise sqlite3.OperationalError("simulated failure after the inserts")
        return real(*args, **kwargs)

    monkeypatch.setattr(ingest, "_advance_cursor", flaky)

    def ev(i):
        return {
            "type": "agent.message",
            "id": f"sevt_{i}",
            "processed_at": f"2026-05-12T09:00:0{i}Z",
        }

    # A lingering writer so the three operations share one transaction.
    mirror = Mirror.open(tmp_path / "m.db", max_latency=0.5)
    try:
        futures = [mirror.writer.submit("ingest", "sesn_m", [ev(i)]) for i in (1, 2, 3)]
        outcomes = [f.exception(timeout=10) for f in futures]
        assert [o is None for o in outcomes] == [True, False, True]
        assert mirror.reader.event_ids("sesn_m") == {"sevt_1", "sevt_3"}
        assert mirror.reader.cursor("sesn_m").last_processed_at == "2026-05-12T09:00:03Z"
        assert mirror.reader.session("sesn_m").event_count == 2
    finally:
        mirror.close()


def test_cursor_moves_forward_only_and_can_be_held(mirror):
    w = mirror.writer
    late = {
        "type": "span.model_request_start",
        "id": "sevt_late",
        "processed_at": "2026-05-12T10:00:00.5Z",
    }
    early = {
        "type": "span.model_request_start",
        "id": "sevt_early",
        "processed_at": "2026-05-12T10:00:00Z",
    }
    w.submit("ingest", "sesn_c", [late]).result()
    w.submit("ingest", "sesn_c", [early]).result()
    assert mirror.reader.cursor("sesn_c").last_processed_at == late["processed_at"]
    held = {
        "type": "span.model_request_start",
        "id": "sevt_held",
        "processed_at": "2026-05-12T11:00:00Z",
    }
    w.submit("ingest", "sesn_c", [held], cursor=None).result()
    assert mirror.reader.cursor("sesn_c").last_processed_at == late["processed_at"]
    thread_ev = {"type": "agent.thinking", "id": "sevt_th", "processed_at": "2026-05-12T12:00:00Z"}
    res = w.submit("ingest", "sesn_c", [thread_ev], thread_id="sthr_1").result()
    assert res.cursor == thread_ev["processed_at"]
    assert mirror.reader.cursor("sesn_c", "sthr_1").last_seq == res.high_water_seq
    assert mirror.reader.cursor("sesn_c").last_processed_at == late["processed_at"]


async def test_async_ingest_and_change_notices(tmp_path):
    loop = asyncio.get_running_loop()
    notices: list[tuple[str, int]] = []
    got = asyncio.Event()

    def on_change(session_id: str, seq: int) -> None:
        assert threading.current_thread().name == "drover-mirror-writer"
        loop.call_soon_threadsafe(lambda: (notices.append((session_id, seq)), got.set()))

    mirror = Mirror.open(tmp_path / "m.db", on_change=on_change)
    try:
        ev = {"type": "agent.message", "id": "sevt_n", "content": [], "processed_at": None}
        result = await mirror.writer.ingest("sesn_n", [ev])
        await asyncio.wait_for(got.wait(), 5)
        assert notices == [("sesn_n", result.high_water_seq)]
        # Visible to a reader as soon as the await returns (committed before resolving).
        assert mirror.reader.event_ids("sesn_n") == {"sevt_n"}
        got.clear()
        dup = await mirror.writer.ingest("sesn_n", [ev])
        assert dup.duplicate_ids == ["sevt_n"]
        await mirror.writer.ingest("sesn_other", [])  # nothing changed: no notice either
        mirror.writer.flush()
        await asyncio.sleep(0)
        assert len(notices) == 1
        assert mirror.reader.session("sesn_other") is None  # an empty batch creates nothing
    finally:
        mirror.close()
