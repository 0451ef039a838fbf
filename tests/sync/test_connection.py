"""Connection-state board: latest state per session, coalesced notifications."""

from __future__ import annotations

import asyncio

from drover.sync.connection import ConnectionBoard


async def test_changes_in_one_tick_reach_observers_as_one_batch():
    board = ConnectionBoard(flush_interval=0)
    batches: list[dict] = []
    board.subscribe(batches.append)
    for i in range(500):
        board.set(f"s{i}", "reconnecting", attempt=1, last_error="dropped")
    board.set("s0", "live")
    assert batches == []  # nothing delivered synchronously
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert len(batches) == 1
    assert len(batches[0]) == 500
    assert batches[0]["s0"].state == "live", "only the latest state is delivered"


async def test_identical_state_does_not_notify_again():
    clock = iter(range(100, 200))
    board = ConnectionBoard(flush_interval=0, clock=lambda: next(clock))
    batches: list[dict] = []
    board.subscribe(batches.append)
    board.set("s", "live")
    board.flush()
    board.set("s", "live")
    board.flush()
    assert len(batches) == 1


def test_outage_keeps_its_start_time_across_attempts():
    times = iter([10.0, 20.0, 30.0, 40.0])
    board = ConnectionBoard(clock=lambda: next(times))
    board.set("s", "live")
    first = board.set("s", "reconnecting", attempt=1, last_error="drop")
    second = board.set("s", "stale", attempt=2, last_error="stall", keep_since=True)
    assert second.since == first.since == 20.0
    assert (second.state, second.attempt, second.last_error) == ("stale", 2, "stall")
    live = board.set("s", "live")
    assert live.since == 30.0 and live.attempt == 0


def test_unsubscribe_and_a_failing_observer_do_not_break_publishing():
    board = ConnectionBoard()
    seen: list[dict] = []

    def broken(_batch):
        raise RuntimeError("ui bug")

    board.subscribe(broken)
    unsubscribe = board.subscribe(seen.append)
    board.set("s", "stopped", reason="terminated")  # no loop: delivered synchronously
    assert seen and seen[0]["s"].reason == "terminated"
    unsubscribe()
    board.set("s", "live")
    assert len(seen) == 1
    assert board.snapshot()["s"].state == "live"
