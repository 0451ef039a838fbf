"""Your own budgets crossing 80% or 100%, announced like a session needing you (pure logic).

The fleet header shows every user budget (`[budgets]`: daily, monthly, per agent) at 80% or
more; `BudgetAlerts` turns a budget's *rise* to a higher level into one announcement (bell,
desktop notification), once per level and period: a daily budget that reached 100% yesterday
announces again today if it does again, and a level that falls back (a new day, a raised cap)
and rises again announces again. The first read is a baseline: budgets already crossed when
drover starts are in the header, not announced.
"""

from __future__ import annotations

from collections.abc import Iterable

from drover.store.models import BudgetState
from drover.text.format import money
from drover.text.inert import inert_line
from drover.tui.attention.tracker import Transition

__all__ = ["BudgetAlerts"]

_RANK = {"ok": 0, "warning": 1, "reached": 2}


def _key(state: BudgetState, today: str) -> tuple[str, str | None, str]:
    period = today if state.scope == "daily" else today[:7]
    return state.scope, state.key, period


class BudgetAlerts:
    """Remembers each user budget's level; reports rises (see the module docstring)."""

    def __init__(self) -> None:
        self._levels: dict[tuple[str, str | None, str], int] = {}
        self.primed = False

    def update(self, states: Iterable[BudgetState], today: str) -> list[Transition]:
        """The budgets (not sessions') that rose a level since the last read."""
        out = []
        for state in states:
            if state.scope == "session":
                continue
            key = _key(state, today)
            level = _RANK.get(state.level, 0)
            before = self._levels.get(key, 0)
            self._levels[key] = level
            if self.primed and level > before:
                who = f" for {inert_line(state.label or state.key or '')}" if state.key else ""
                what = f"{state.scope} budget{who}"
                verb = "reached" if state.level == "reached" else f"at {state.percent:.0f}%"
                reason = f"{verb}: {money(state.spent_cents)} of {money(state.cap_cents)}"
                out.append(Transition("", "budget", what, reason))
        self.primed = True
        return out
