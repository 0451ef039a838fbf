"""User budgets: caps on list-cost spend per UTC day and per calendar month (UTC), overall and
per agent. They are drover's warnings only (80% and 100%, in the cost ledger); the server
enforces nothing but each session's own `budget`.

In ``config.toml``::

    [budgets]
    daily_usd = 20
    monthly_usd = 300

    [budgets.agents."Perf Investigator"]   # an agent's name or id
    daily_usd = 5

    [profiles.work.budgets]                # replaces [budgets] for that profile
    monthly_usd = 1000
"""

from __future__ import annotations

from dataclasses import dataclass, field

from drover.config.schema import Record, limits

__all__ = ["BudgetCaps", "Budgets"]


@dataclass(kw_only=True)
class BudgetCaps(Record):
    """Spend caps in US dollars (list cost, runtime included); None = no cap."""

    daily_usd: float | None = field(default=None, metadata=limits(ge=0.01))
    """Most to spend per UTC day."""
    monthly_usd: float | None = field(default=None, metadata=limits(ge=0.01))
    """Most to spend per calendar month (UTC), month to date."""


def _named(value: dict[str, BudgetCaps]) -> dict[str, BudgetCaps]:
    if any(not name.strip() for name in value):
        raise ValueError("an agent budget needs the agent's name or id as its key")
    return value


@dataclass(kw_only=True)
class Budgets(BudgetCaps):
    """The overall caps plus caps for single agents."""

    agents: dict[str, BudgetCaps] = field(default_factory=dict, metadata=limits(then=_named))
    """Caps for one agent's sessions, keyed by the agent's name or id."""

    def caps(self) -> list[tuple[str, str | None, int]]:
        """Every cap as `(period, agent or None, cents)`: what `drover.store.ledger` takes."""
        out: list[tuple[str, str | None, int]] = []
        scopes: list[tuple[str | None, BudgetCaps]] = [(None, self), *self.agents.items()]
        for agent, caps in scopes:
            for period, usd in (("daily", caps.daily_usd), ("monthly", caps.monthly_usd)):
                if usd is not None:
                    out.append((period, agent, round(usd * 100)))
        return out
