"""Keeping the collector's passes short and rare: long-lived objects frozen out, a larger nursery.

CPython's full (generation 2) collection walks every tracked object, on whichever thread
triggers it and holding the GIL: the UI loop stops for the whole pass. Objects that live as
long as the app (modules, styles, widgets, the engine; then the 500 followers' clients, streams,
tasks and queues) make each pass long: up to 400–640 ms with 500 followers on two busy cores
(`benchmarks/test_bench_keypress.py`). `gc.freeze()` moves every object alive now to a permanent
generation that no pass walks, so later passes cost what was allocated since.

Two moments: once the engine runs (start-up's objects), and once no follower is still
connecting for the first time after that (the fleet is up: its followers' objects exist).
Young garbage is collected first (cheap: the young generations only), so what a freeze keeps
forever is at most the old cyclic garbage of that moment, once per profile opened.

The youngest generation's threshold is raised from 700 to :data:`NURSERY` allocations. The UI
allocates fast (strips, segments, styles for every frame; decoded events): at 700, streaming
500 sessions ran ~60 young collections a second and a full pass every two seconds or so. A
larger nursery makes young passes rarer and each still short (it only walks objects made since
the last one), and full passes rarer in proportion.
`release()` at exit makes everything collectable again and restores the thresholds.

Before all that, start-up itself: from `drover tui`'s import of the app to the fleet's first
paint the process allocates ~100k objects that live as long as it does (modules, classes,
styles, widgets) and almost no garbage, yet CPython ran ~120 young, ~11 middle and one full
collection over them (30–60 ms of the start, more than a minimal Textual app's whole
collector time). :func:`pause_for_start` raises the nursery past what start-up allocates;
:meth:`HeapPolicy.first_paint` (or :func:`resume_after_start`, at exit) puts it back and
freezes what start-up made.
"""

from __future__ import annotations

import gc
from collections.abc import Mapping

from drover.sync.connection import ConnectionState

__all__ = ["NURSERY", "HeapPolicy"]

NURSERY = 10_000
"""Allocations (net of frees) between young collections while an engine runs (CPython: 700)."""
START_NURSERY = 200_000
"""The nursery while the app starts: about twice what start-up allocates, so no pass runs;
bounded, so a start that never paints still collects (each young pass walks at most this)."""

_paused: tuple[int, int, int] | None = None
"""The thresholds `pause_for_start` replaced (None: not paused)."""


def pause_for_start() -> None:
    """No collection while the app starts (the nursery is raised to START_NURSERY)."""
    global _paused
    if _paused is None:
        _paused = gc.get_threshold()
        gc.set_threshold(START_NURSERY, *_paused[1:])


def resume_after_start() -> None:
    """Put back the thresholds `pause_for_start` replaced (nothing when it did not)."""
    global _paused
    if _paused is not None:
        gc.set_threshold(*_paused)
        _paused = None


class HeapPolicy:
    """Freezes the heap after start-up and once the fleet's followers are up; a larger nursery."""

    def __init__(self) -> None:
        self._fleet_up = True  # nothing to wait for until an engine starts
        self._thresholds: tuple[int, int, int] | None = None
        self.freezes = 0

    def first_paint(self) -> None:
        """The fleet is on the terminal: collect as usual again, start-up's objects frozen."""
        resume_after_start()
        self._freeze()

    def engine_started(self) -> None:
        """The engine runs: freeze start-up, and wait for its followers to come up."""
        if self._thresholds is None:
            self._thresholds = gc.get_threshold()
            gc.set_threshold(NURSERY, *self._thresholds[1:])
        self._freeze()
        self._fleet_up = False

    def connections(self, states: Mapping[str, ConnectionState]) -> None:
        """The board's current states: freeze once when none is connecting any more."""
        if self._fleet_up or not states:
            return
        if any(state.state == "connecting" for state in states.values()):
            return
        self._fleet_up = True
        self._freeze()

    def _freeze(self) -> None:
        gc.collect(1)
        gc.freeze()
        self.freezes += 1

    def release(self) -> None:
        """Make everything frozen collectable again and restore the thresholds (at exit)."""
        resume_after_start()
        gc.unfreeze()
        if self._thresholds is not None:
            gc.set_threshold(*self._thresholds)
            self._thresholds = None
