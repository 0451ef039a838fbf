"""How fast scripted agent time passes: real time, scaled, as fast as possible, or not at all."""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from dataclasses import dataclass, field

from drover.sim.wire.ids import Clock, ManualClock

#: Model time between two consecutive events of a turn, in scripted seconds. Keeps
#: ``processed_at`` values of a pre-built (instant) session as spread out as real ones.
EVENT_GAP = 0.03

_FACTOR = re.compile(r"^(\d+(?:\.\d+)?)x$")
_EPS = re.compile(r"^(\d+(?:\.\d+)?)eps$")


@dataclass(eq=False)
class Pace:
    """A playback speed for scenarios.

    Modes:
        * ``realtime``: scripted seconds are slept as written.
        * ``<factor>x`` (``factor`` > 0): scripted seconds are divided by ``factor``.
        * ``fast``: no sleeping, but the engine yields to the loop between events so many
          sessions' streams interleave.
        * ``instant``: no sleeping and no yielding; used to pre-build finished sessions.
        * ``<N>eps``: events are spaced so the whole sim emits about ``N`` events per second
          (one pace object is shared by all sessions that use it).

    Whatever the mode, a :class:`ManualClock` is advanced by the scripted seconds, so
    timestamps look like those of a real session even when nothing sleeps.

    Attributes:
        mode: ``realtime``, ``factor``, ``fast``, ``instant`` or ``eps``.
        value: The factor (``factor``) or events per second (``eps``); 1 otherwise.
    """

    mode: str = "realtime"
    value: float = 1.0
    _next_slot: float = field(default=0.0, repr=False)

    @classmethod
    def parse(cls, text: str | Pace) -> Pace:
        """Parse ``realtime``, ``fast``, ``instant``, ``10x`` or ``200eps``.

        Raises:
            ValueError: ``text`` is none of these.
        """
        if isinstance(text, Pace):
            return text
        spec = text.strip().lower()
        if spec in ("realtime", "fast", "instant"):
            return cls(spec)
        if (m := _FACTOR.match(spec)) and float(m.group(1)) > 0:
            return cls("factor", float(m.group(1)))
        if (m := _EPS.match(spec)) and float(m.group(1)) > 0:
            return cls("eps", float(m.group(1)))
        raise ValueError(
            f"bad pace {text!r}: use realtime, fast, instant, <factor>x (e.g. 10x) or <N>eps"
        )

    def __str__(self) -> str:
        if self.mode == "factor":
            return f"{self.value:g}x"
        if self.mode == "eps":
            return f"{self.value:g}eps"
        return self.mode

    @property
    def sleeps(self) -> bool:
        """Whether scripted seconds are slept at all."""
        return self.mode in ("realtime", "factor")

    async def wait(
        self, seconds: float, clock: Clock, interrupt: asyncio.Event | None = None
    ) -> None:
        """Let ``seconds`` of scripted time pass.

        Args:
            seconds: Scripted seconds.
            clock: The session's clock; advanced by ``seconds`` if it is a ManualClock.
            interrupt: Cut a real sleep short as soon as this is set.
        """
        if seconds <= 0:
            return
        if isinstance(clock, ManualClock):
            clock.advance(seconds)
        if not self.sleeps:
            return
        delay = seconds / self.value
        if interrupt is None:
            await asyncio.sleep(delay)
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(interrupt.wait(), timeout=delay)

    async def after_event(self, clock: Clock) -> None:
        """Pace between two emitted events (yield, rate-limit, or nothing)."""
        if isinstance(clock, ManualClock):
            clock.advance(EVENT_GAP)
        if self.mode == "instant":
            return
        if self.mode == "eps":
            # One shared schedule: each event takes the next free slot 1/N s after the last.
            now = time.monotonic()
            slot = max(now, self._next_slot)
            self._next_slot = slot + 1.0 / self.value
            await asyncio.sleep(slot - now)
            return
        await asyncio.sleep(0)
