"""`FleetSummary`: the header line — the profile and its state, fleet totals, budgets crossed,
the active filter and sort."""

from __future__ import annotations

from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

from drover.store.fleet import FleetQuery
from drover.store.models import BudgetState, HeaderCounts
from drover.text import format as fmt


class FleetSummary(Static):
    """Totals (running, needs you, errored, spend today) and the list's query state."""

    DEFAULT_CSS = """
    FleetSummary { height: 1; background: $panel; padding: 0 1; }
    """

    counts: reactive[HeaderCounts | None] = reactive(None)
    """Latest header figures (None until the first load)."""
    query: reactive[FleetQuery] = reactive(FleetQuery())
    """The fleet query being shown."""
    shown: reactive[int] = reactive(0)
    """How many sessions the list shows after filtering."""
    order_held: reactive[bool] = reactive(False)
    """True when updates arrived that a re-sort would move (the order is being held)."""
    marked: reactive[int] = reactive(0)
    """Rows marked for a bulk act."""
    note: reactive[str] = reactive("")
    """The app's header note: the profile, offline / read-only and why (`App.sub_title`)."""
    budgets: reactive[tuple[BudgetState, ...]] = reactive(())
    """The user's budgets at 80% or more (daily, monthly; overall or per agent)."""
    rules: reactive[tuple[int, bool]] = reactive((0, False))
    """The profile's rules in force, and whether they are paused (`!`)."""
    deployment: reactive[str] = reactive("")
    """The deployment whose sessions the list is narrowed to (its name), or ''."""

    def render(self) -> Content:
        c = self.counts
        lead: list[str | tuple[str, str]] = []
        if self.note:
            lead = [(self.note, "bold $accent"), " │ "]
        if c is None:
            return Content.assemble(*lead, "loading mirror…")
        if c.sessions == 0:
            return Content.assemble(*lead, ("no sessions mirrored yet", "$text-muted"))
        if self.query.launch_id:  # what the list is narrowed to comes first: it is why
            lead = [*lead, (f"launch {self.query.launch_id}", "$accent bold"), " │ "]
        parts: list[str | tuple[str, str]] = [
            *lead,
            (f"{self.shown}/{c.sessions} sessions", "bold"),
            (" + archived" if self.query.archived else "", "$accent"),
            "  ",
            (f"● {c.running} running", "$session-running"),
            "  ",
            (f"▲ {c.needs_you} need you", "$session-needs-you bold" if c.needs_you else ""),
            "  ",
            (f"✖ {c.errored} errored", "$session-error" if c.errored else ""),
            "  ",
            f"{fmt.money(c.spend_today_cents)} today",
            *self._budget_parts(),
            *self._rule_parts(),
            "  │ sort: ",
            (self.query.sort, "$accent"),
        ]
        if self.query.pattern:
            prefix = "/!" if self.query.invert else "/"
            parts += ["  filter: ", (prefix + self.query.pattern, "$accent")]
        if self.query.deployment:
            parts += ["  deployment: ", (self.deployment or self.query.deployment, "$accent")]
        if self.marked:
            parts += ["  ", (f"✓ {self.marked} marked · esc clears", "$accent bold")]
        if self.order_held:
            parts += ["  ", ("order held · r re-sorts", "$text-muted italic")]
        return Content.assemble(*parts)

    def _rule_parts(self) -> list[str | tuple[str, str]]:
        count, paused = self.rules
        if paused:
            return ["  ", (f"⚖ {count} rules paused · ! resumes", "$warning bold")]
        if count:
            return ["  ", (f"⚖ {count} rule{'s' if count != 1 else ''}", "$accent")]
        return []

    def _budget_parts(self) -> list[str | tuple[str, str]]:
        parts: list[str | tuple[str, str]] = []
        for state in self.budgets:
            reached = state.level == "reached"
            scope = f"{state.label} " if state.label else ""
            text = f"$ {scope}{state.scope} budget {state.percent:.0f}%"
            parts += ["  ", (text, "$error bold" if reached else "$warning")]
        return parts
