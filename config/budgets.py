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

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = ["BudgetCaps", "Budgets"]


class BudgetCaps(BaseModel):
    """Spend caps in US dollars (list cost, runtime included); None = no cap."""

    model_config = ConfigDict(extra="forbid")

    daily_usd: float | None = Field(default=None, ge=0.01, allow_inf_nan=False)
    """Most to spend per UTC day."""
    monthly_usd: float | None = Field(default=None, ge=0.01, allow_inf_nan=False)
    """Most to spend per calendar month (UTC), month to date."""


class Budgets(BudgetCaps):
    """The overall caps plus caps for single agents."""

    agents: dict[str, BudgetCaps] = Field(default_factory=dict)
    """Caps for one agent's sessions, keyed by the agent's name or id."""

    @field_validator("agents")
    @classmethod
    def _named(cls, value: dict[str, BudgetCaps]) -> dict[str, BudgetCaps]:
        if any(not name.strip() for name in value):
            raise ValueError("an agent budget needs the agent's name or id as its key")
        return value

    def caps(self) -> list[tuple[str, str | None, int]]:
        """Every cap as `(period, agent or None, cents)`: what `drover.store.ledger` takes."""
        out: list[tuple[str, str | None, int]] = []
        scopes: list[tuple[str | None, BudgetCaps]] = [(None, self), *self.agents.items()]
        for agent, caps in scopes:
            for period, usd in (("daily", caps.daily_usd), ("monthly", caps.monthly_usd)):
                if usd is not None:
                    out.append((period, agent, round(usd * 100)))
        return out
