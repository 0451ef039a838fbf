"""``ReplayClock``: a manual clock for playing a fleet session in the past, later handed over to
the live clock."""

from __future__ import annotations

from datetime import datetime

from drover.sim.wire.ids import Clock, ManualClock


class ReplayClock(ManualClock):
    """A manual clock for playing a session in the past, later handed over to a live clock."""

    def __init__(self, start: datetime, live: Clock) -> None:
        super().__init__(start)
        self._live: Clock | None = None
        self._target = live

    def release(self) -> None:
        """From now on, tell the live clock's time (monotonic time stays continuous)."""
        self._offset = self._mono - self._target.monotonic()
        self._live = self._target

    def now(self):
        return self._live.now() if self._live else super().now()

    def monotonic(self) -> float:
        return self._live.monotonic() + self._offset if self._live else super().monotonic()

    def advance(self, seconds: float) -> None:
        if self._live is None:
            super().advance(seconds)
