"""The heap is frozen out of full collections after start-up and once the fleet is up."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from drover.sync.connection import ConnectionState
from drover.tui.heap import (
    NURSERY,
    START_NURSERY,
    HeapPolicy,
    pause_for_start,
    resume_after_start,
)


@pytest.fixture
def freezer() -> Iterator[HeapPolicy]:
    heap = HeapPolicy()
    yield heap
    heap.release()


def _states(**by_session: str) -> dict[str, ConnectionState]:
    return {sid: ConnectionState(sid, state, 0.0) for sid, state in by_session.items()}  # type: ignore[arg-type]


def test_freezes_after_start_and_again_once_no_follower_is_connecting(freezer):
    freezer.connections(_states(a="live"))  # no engine yet: nothing to wait for
    assert freezer.freezes == 0
    freezer.engine_started()
    assert freezer.freezes == 1 and gc.get_freeze_count() > 0
    freezer.connections(_states(a="live", b="connecting", c="reconnecting"))
    assert freezer.freezes == 1, "a follower still back-fills: its objects are not there yet"
    kept = object.__new__(type("LateObject", (), {}))  # made after the first freeze
    before = gc.get_freeze_count()
    freezer.connections(_states(a="live", b="live", c="reconnecting"))
    assert freezer.freezes == 2 and gc.get_freeze_count() > before
    assert not any(o is kept for o in gc.get_objects()), "frozen objects are out of the passes"
    freezer.connections(_states(a="connecting", b="live", c="live"))
    freezer.connections(_states(a="live", b="live", c="live"))
    assert freezer.freezes == 2, "once per engine start"


def test_the_nursery_grows_while_an_engine_runs_and_release_undoes_everything(freezer):
    before = gc.get_threshold()
    freezer.engine_started()
    freezer.engine_started()  # a second profile opened: the saved thresholds stay the first
    assert gc.get_threshold() == (NURSERY, *before[1:]) and gc.get_freeze_count() > 0
    freezer.release()
    assert gc.get_freeze_count() == 0 and gc.get_threshold() == before


def test_no_collection_while_the_app_starts_and_as_usual_once_it_paints(freezer):
    before = gc.get_threshold()
    pause_for_start()
    pause_for_start()  # twice (a second start path): the thresholds kept are still the first
    assert gc.get_threshold() == (START_NURSERY, *before[1:])
    collected = gc.get_count()[0]
    kept = type("StartUp", (), {})
    start_up = [kept() for _ in range(5_000)]
    assert gc.get_count()[0] >= collected + 5_000, "no young pass ran during start-up"
    freezer.first_paint()
    assert gc.get_threshold() == before and gc.get_freeze_count() > 0
    assert freezer.freezes == 1
    assert not any(o is start_up[0] for o in gc.get_objects()), "start-up's objects are frozen"
    resume_after_start()  # at exit, after a paint: nothing more to put back
    assert gc.get_threshold() == before


def test_a_start_that_never_paints_gets_its_thresholds_back_at_exit(freezer):
    before = gc.get_threshold()
    pause_for_start()
    freezer.release()
    assert gc.get_threshold() == before
