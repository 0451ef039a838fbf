"""What the cost screen shows, read in one go on a read thread (no Textual here).

`read_cost_view` runs the ledger queries (`drover.store.ledger`) for one window and one page of
sessions, and evaluates the user's budgets from the config file; the screen only renders the
`CostView` it returns. Never more than a page of sessions is read, whatever the mirror holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from drover.store.api import MirrorReads
from drover.store.ledger import BudgetState, LedgerRow, Window

WINDOWS = ("all time", "this month", "last 30 days", "last 7 days", "today")
"""The windows `w` cycles through, in order."""
GROUPS = ("agent", "environment", "model", "deployment")
"""The groupings read in full (they are few rows: one per agent, environment, model or
deployment)."""


@dataclass(frozen=True)
class CostWindow:
    """A span of UTC days (both ends inclusive; None = open)."""

    name: str
    since: str | None = None
    until: str | None = None

    @classmethod
    def named(cls, name: str, today: date) -> CostWindow:
        """One of `WINDOWS`, ending `today`."""
        if name == "this month":
            return cls(name, today.replace(day=1).isoformat(), today.isoformat())
        if name.startswith("last "):
            days = int(name.split()[1])
            return cls(name, (today - timedelta(days=days - 1)).isoformat(), today.isoformat())
        if name == "today":
            return cls(name, today.isoformat(), today.isoformat())
        return cls("all time")

    @property
    def label(self) -> str:
        """`all time`, or the name and its days."""
        if self.since is None and self.until is None:
            return self.name
        span = f"{self.since or 'start'} → {self.until or 'now'}"
        return span if self.name == "custom" else f"{self.name} ({span})"

    def query(self) -> Window:
        """The `since`/`until` arguments of the ledger queries."""
        return {"since": self.since, "until": self.until}


@dataclass(frozen=True)
class CostView:
    """Everything the cost screen shows for one window and one page of sessions."""

    window: CostWindow
    totals: LedgerRow
    days: list[LedgerRow]
    series: list[tuple[str, int]]
    groups: dict[str, list[LedgerRow]]
    sessions: list[LedgerRow]
    first: int
    """0-based index of the first session of the page, in most-expensive-first order."""
    budgets: list[BudgetState] = field(default_factory=list)
    budget_error: str | None = None
    """Why the user's budgets could not be read (a bad config file), if so."""


def read_cost_view(
    reader: MirrorReads,
    window: CostWindow,
    *,
    first: int,
    page_size: int,
    today: str,
    config_path: Path | None,
    profile: str,
) -> CostView:
    """Read one window of the ledger, a page of its sessions, and the budgets (read thread).

    Args:
        reader: the mirror's reader (its connection for this thread is used).
        window: the days to count.
        first: index of the first session row wanted (clamped to the last page).
        page_size: session rows per page.
        today: the current UTC day (`YYYY-MM-DD`), for the user's daily/monthly caps.
        config_path: the config file holding `[budgets]` (None: the default place).
        profile: the profile whose budgets apply.
    """
    from drover.config.errors import ConfigError
    from drover.config.settings import load_config

    caps, error = [], None
    try:
        caps = load_config(config_path).budgets_for(profile).caps()
    except ConfigError as exc:
        error = str(exc)
    query = window.query()
    totals = reader.cost_totals(**query)
    first = max(0, min(first, (max(totals.sessions, 1) - 1) // page_size * page_size))
    days = reader.cost_rows("day", **query)
    return CostView(
        window=window,
        totals=totals,
        days=days,
        series=daily_series(days),
        groups={by: reader.cost_rows(by, **query) for by in GROUPS},  # type: ignore[arg-type]
        sessions=reader.cost_rows("session", limit=page_size, offset=first, **query),
        first=first,
        budgets=reader.cost_budgets(caps, today=today),
        budget_error=error,
    )


def daily_series(days: list[LedgerRow]) -> list[tuple[str, int]]:
    """Spend per day from the first to the last of `days` (by-day rows), gaps filled with 0.

    For a sparkline, where a quiet day must show as a dip, not vanish.
    """
    if not days:
        return []
    spend = {row.key: row.list_cost_cents for row in days if row.key}
    first, last = date.fromisoformat(min(spend)), date.fromisoformat(max(spend))
    out = []
    while first <= last:
        day = first.isoformat()
        out.append((day, spend.get(day, 0)))
        first += timedelta(days=1)
    return out
