"""An event id already stored for another session is a collision: kept aside, counted on the
session that is missing the event, warned about once, and never merged into the other
session's row."""

from __future__ import annotations

import logging
from typing import Any

from drover.store.mirror import Mirror

A, B = "sesn_first", "sesn_second"


def _events(prefix: str, texts: list[str], *, queued: bool = False) -> list[dict[str, Any]]:
    return [
        {
            "type": "agent.message",
            "id": f"sevt_{i}",
            "content": [{"type": "text", "text": f"{prefix} {text}"}],
            "processed_at": None if queued else f"2026-05-12T09:00:0{i}Z",
        }
        for i, text in enumerate(texts)
    ]


def _ingest(mirror: Mirror, sid: str, events: list[dict[str, Any]], **kw: Any) -> Any:
    return mirror.writer.submit("ingest", sid, events, **kw).result()


def test_a_colliding_id_is_recorded_for_the_session_missing_it(
    mirror: Mirror, kit: Any, caplog: Any
) -> None:
    _ingest(mirror, A, _events("first", ["one", "two", "three"]))
    before = kit.sql("SELECT * FROM events ORDER BY seq")
    caplog.set_level(logging.WARNING, logger="drover.store")

    result = _ingest(mirror, B, [*_events("second", ["uno", "dos"]), _unique("sevt_b9")])

    assert result.collided_ids == ["sevt_0", "sevt_1"]
    assert result.new_ids == ["sevt_b9"] and not result.duplicate_ids
    assert (
        kit.sql("SELECT * FROM events ORDER BY seq")[: len(before)] == before
    )  # the first session's rows are untouched
    row = mirror.reader.session(B)
    assert row is not None and row.id_collisions == 2
    assert mirror.reader.session(A).id_collisions == 0
    found = mirror.reader.id_collisions(B)
    assert [(c.event_id, c.stored_session_id, c.type) for c in found] == [
        ("sevt_0", A, "agent.message"),
        ("sevt_1", A, "agent.message"),
    ]
    assert mirror.reader.id_collisions() == found
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and B in warnings[0].getMessage()
    assert "sevt_0" in warnings[0].getMessage() and A in warnings[0].getMessage()


def test_a_repeat_delivery_of_a_collision_is_not_counted_or_warned_again(
    mirror: Mirror, caplog
) -> None:
    _ingest(mirror, A, _events("first", ["one", "two"]))
    _ingest(mirror, B, _events("second", ["uno", "dos"]))
    caplog.set_level(logging.WARNING, logger="drover.store")
    caplog.clear()
    again = _ingest(mirror, B, _events("second", ["uno", "dos"]), thread_id="sthr_child")
    assert again.collided_ids == ["sevt_0", "sevt_1"]
    assert mirror.reader.session(B).id_collisions == 2
    assert not [r for r in caplog.records if r.levelno == logging.WARNING]


def test_a_colliding_processed_copy_does_not_complete_the_other_sessions_queued_event(
    mirror: Mirror,
) -> None:
    _ingest(mirror, A, _events("first", ["queued"], queued=True))
    result = _ingest(mirror, B, _events("second", ["processed"]), thread_id="sthr_b")
    assert result.collided_ids == ["sevt_0"] and not result.completed_ids
    stored = mirror.reader.event_by_id("sevt_0")
    assert stored is not None and stored.session_id == A
    assert stored.processed_at is None and stored.thread_id is None


def test_a_collision_alone_creates_the_session_row_it_is_counted_on(mirror: Mirror) -> None:
    _ingest(mirror, A, _events("first", ["one"]))
    _ingest(mirror, B, _events("second", ["uno"]))
    row = mirror.reader.session(B)
    assert row is not None and row.id_collisions == 1 and row.event_count == 0


def _unique(eid: str) -> dict[str, Any]:
    return {"type": "session.status_running", "id": eid, "processed_at": "2026-05-12T09:01:00Z"}
