"""Replay queries: lane spans, timeline markers by cell, seeking by time, notable-event jumps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from drover.store.lanes import ALL_THREADS, PRIMARY
from drover.store.mirror import Mirror

SID = "sesn_replay"
CHILD = "sthr_child"
T0 = datetime(2026, 5, 12, 9, 0, tzinfo=UTC)


def _at(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")


def _event(i: int, etype: str, seconds: float, **extra) -> dict:
    return {"type": etype, "id": f"sevt_{i:05d}", "processed_at": _at(seconds), **extra}


@pytest.fixture
def replay_mirror(mirror: Mirror) -> Mirror:
    """600 primary events over 10 minutes (one per second) with known notable events, plus a
    child thread of 3 events and, interleaved, another session's events."""
    notable = {100: "session.error", 250: "user.tool_confirmation", 400: "user.interrupt",
               500: "session.thread_created"}  # fmt: skip
    primary = []
    for i in range(600):
        etype = notable.get(i) or ("agent.tool_use" if i % 10 == 5 else "agent.message")
        primary.append(_event(i, etype, i))
    other = [_event(10_000 + i, "agent.message", i) for i in range(600)]
    child = [_event(20_000 + i, "agent.message", 120 + i) for i in range(3)]
    for start in range(0, 600, 100):  # interleaved with another session, as a fleet ingests
        mirror.writer.submit("ingest", SID, primary[start : start + 100]).result()
        mirror.writer.submit("ingest", "sesn_other", other[start : start + 100]).result()
    mirror.writer.submit("ingest", SID, child, thread_id=CHILD).result()
    return mirror


def test_lane_span_bounds_each_lane(replay_mirror: Mirror) -> None:
    reader = replay_mirror.reader
    primary = reader.lane_span(SID, PRIMARY)
    assert primary.first_at == T0 and primary.last_at == T0 + timedelta(seconds=599)
    assert (primary.first_seq, primary.last_seq) == (_seq(reader, "sevt_00000"),
                                                     _seq(reader, "sevt_00599"))  # fmt: skip
    child = reader.lane_span(SID, CHILD)
    assert (child.first_seq, child.last_seq) == (_seq(reader, "sevt_20000"),
                                                 _seq(reader, "sevt_20002"))  # fmt: skip
    assert child.last_at == T0 + timedelta(seconds=122)
    assert reader.lane_span(SID, ALL_THREADS).last_seq == child.last_seq
    assert reader.lane_span("sesn_none", PRIMARY) is None


def test_markers_put_each_kind_in_its_cell_most_important_first(replay_mirror: Mirror) -> None:
    reader = replay_mirror.reader
    span = reader.lane_span(SID, PRIMARY)
    marks = reader.markers(SID, PRIMARY, start=span.first_at, end=span.last_at, cells=60)
    by_cell = {m.cell: m for m in marks}
    # 600 s over 60 cells: ~10 s per cell; each cell has one tool call, some a notable event.
    assert len(marks) == 60

    def cell(second: int) -> int:  # 599 s from first to last event, over 60 cells
        return int(second / 599 * 60)

    assert by_cell[cell(100)].kind == "error"
    assert by_cell[cell(100)].seq == _seq(reader, "sevt_00100")
    assert by_cell[cell(250)].kind == "approval" and by_cell[cell(400)].kind == "interrupt"
    assert by_cell[cell(500)].kind == "thread" and by_cell[0].kind == "tool"
    assert sum(m.count for m in marks if m.kind == "tool") == 60 - 4
    # Another session's events never leak into this timeline.
    assert all(m.seq in _seqs(reader) for m in marks)


def test_seek_by_time_lands_on_the_first_event_at_or_after_it(replay_mirror: Mirror) -> None:
    reader = replay_mirror.reader
    for second in (0, 1, 59.5, 300, 599):
        seq = reader.seq_at_time(SID, PRIMARY, T0 + timedelta(seconds=second))
        expected = f"sevt_{int(-(-second // 1)):05d}"
        assert reader.event_by_id(expected).seq == seq, second
    assert reader.seq_at_time(SID, PRIMARY, T0 - timedelta(hours=1)) == _seq(reader, "sevt_00000")
    assert reader.seq_at_time(SID, PRIMARY, T0 + timedelta(hours=1)) is None
    child_seq = reader.seq_at_time(SID, CHILD, T0 + timedelta(seconds=121))
    assert child_seq == _seq(reader, "sevt_20001")


def test_notable_jumps_go_to_the_nearest_error_approval_interrupt_or_thread(
    replay_mirror: Mirror,
) -> None:
    reader = replay_mirror.reader
    start = _seq(reader, "sevt_00000")
    hops, seq = [], start
    while (seq := reader.next_marker(SID, PRIMARY, seq, forward=True)) is not None:
        hops.append(reader.transcript(SID, after_seq=seq - 1, limit=1)[0].id)
    assert hops == ["sevt_00100", "sevt_00250", "sevt_00400", "sevt_00500"]
    back = reader.next_marker(SID, PRIMARY, _seq(reader, "sevt_00300"), forward=False)
    assert back == _seq(reader, "sevt_00250")
    assert reader.next_marker(SID, PRIMARY, start, forward=False) is None


def _seq(reader, event_id: str) -> int:
    return reader.event_by_id(event_id).seq


def _seqs(reader) -> set[int]:
    return {row.seq for row in reader.iter_events(SID)}
