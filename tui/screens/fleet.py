"""`FleetScreen`: every session on one list, needs-you first.

Ordering rule (so the list does not jump while you read): the order is recomputed only when
(a) you press `r`, (b) the filter or sort changes, or (c) updates arrive while the cursor is on
the first row (you are watching the top, not reading). Otherwise changed rows update in place,
new sessions wait for the next re-sort, and the header says the order is being held.

Acting from the list (see `SessionActions`): `y`/`n`/`i` act on the marked rows when any are
marked (`space` marks, `escape` clears marks first, then the filter), otherwise on the
highlighted one; `m` replies to the highlighted one. `M` mutes/unmutes the highlighted
session's attention alerts (in memory, until drover exits). `N` creates a session, `A`
archives and `D` deletes the target sessions (see `LifecycleActions`). `b` raises a budget, `O`
defines an outcome and `Y` makes a rule from a waiting call (see `SteerActions`). `e` exports
the highlighted session to a file (see `ExportAction`). The list can be narrowed to the
sessions of one deployment (`:sessions deployment:NAME`, or `s` on `:deployments`); `escape`
clears that after the marks and the filter.
`L` launches a fleet from a template; `a` shows archived sessions too (or hides them again);
a launch's sessions alone come from `:launches` (`f`), and `escape` shows them all again.
"""

from __future__ import annotations

import re
from collections.abc import Sequence, Set
from dataclasses import dataclass, replace

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import Static

from drover.store.api import MirrorReads
from drover.store.fleet import SORT_KEYS, FleetQuery
from drover.store.models import BudgetState, HeaderCounts, SessionRow
from drover.sync.connection import ConnectionState
from drover.tui.screens.actions import SessionActions
from drover.tui.screens.base import DroverScreen
from drover.tui.screens.export_dialog import ExportAction
from drover.tui.screens.lifecycle_actions import LifecycleActions
from drover.tui.screens.prompt import PromptScreen
from drover.tui.screens.steer_actions import SteerActions
from drover.tui.widgets.fleet_layout import GAP, column_at, fit, layout
from drover.tui.widgets.fleet_summary import FleetSummary
from drover.tui.widgets.fleet_table import FleetTable
from drover.tui.widgets.key_bar import KeyBar

FIRST_PAGE = 500
"""Ids of the default order read before the first paint: many screenfuls, a few ms to read
at any fleet size (the whole order follows on a worker, `FleetScreen._load_order`)."""


@dataclass(frozen=True, slots=True)
class FleetSnapshot:
    """The default order's first page and rows and the header counts, read before the first
    paint."""

    ids: list[str]
    rows: dict[str, SessionRow]
    counts: HeaderCounts


def read_snapshot(reader: MirrorReads, today: str, rows: int) -> FleetSnapshot:
    """Read the first page of the fleet's default order, its first `rows` rows and the
    counts (blocking: run it in the read pool)."""
    ids = reader.fleet_ids(FleetQuery(), limit=max(FIRST_PAGE, rows))
    first = reader.fleet_rows(ids[:rows])
    return FleetSnapshot(ids, first, reader.header_counts(today=today))


class FleetScreen(ExportAction, LifecycleActions, SteerActions, SessionActions, DroverScreen):
    """The sessions list (`:sessions`); with `needs_only`, the inbox (`:inbox`).

    Args:
        needs_only: show only sessions that need you.
    """

    CSS_PATH = "fleet.tcss"

    BINDINGS = [  # noqa: RUF012
        Binding("enter", "open", "Open", id="fleet.open"),
        Binding("R", "replay", "Replay", id="fleet.replay"),
        *ExportAction.EXPORT_BINDINGS,
        # Priority, like `:`: the keys typed right after `/` belong to the filter prompt.
        Binding("slash", "filter", "Filter", priority=True, id="fleet.filter"),
        Binding("escape", "clear", "Clear marks/filter", show=False, id="fleet.clear"),
        Binding("s", "cycle_sort", "Sort", id="fleet.cycle_sort"),
        Binding(
            "r", "resort", "Re-sort", show=False, id="fleet.resort"
        ),  # the header offers it when useful
        *SessionActions.ACTION_BINDINGS,
        *LifecycleActions.LIFECYCLE_BINDINGS,
        *SteerActions.STEER_BINDINGS,
        Binding("M", "mute", "Mute alerts", show=False, id="fleet.mute"),
        Binding("a", "toggle_archived", "Archived", show=False, id="fleet.archived"),
        Binding("dollar_sign", "cost", "Cost ledger", key_display="$", show=False, id="fleet.cost"),
    ]
    MUTATING_ACTIONS = (
        SessionActions.MUTATING_ACTIONS
        | LifecycleActions.LIFECYCLE_ACTIONS
        | SteerActions.STEER_ACTIONS
    )

    def __init__(self, needs_only: bool = False) -> None:
        super().__init__()
        self.query_state = FleetQuery(needs_only=needs_only)
        """The filter and sort in force."""

    def compose(self) -> ComposeResult:
        yield FleetSummary()
        yield Static(id="columns")
        yield FleetTable()
        yield KeyBar()

    @property
    def table(self) -> FleetTable:
        """The list widget."""
        return self.query_one(FleetTable)

    def on_mount(self) -> None:
        self.drover.mirror_changed.subscribe(self, self._on_mirror_changed)
        self.drover.connections_changed.subscribe(self, self._on_connections)
        self.table.set_connections(self.drover.connections)
        self.watch(self.app, "sub_title", self._note_changed)
        self._show_snapshot()
        self.table.focus()

    def _show_snapshot(self) -> None:
        """Show the rows the app read before this screen existed (the first paint has rows)."""
        snapshot = getattr(self.drover, "first_fleet", None)
        if not isinstance(snapshot, FleetSnapshot) or self.query_state != FleetQuery():
            return
        self.drover.first_fleet = None
        self.table.now = self.drover.now()
        self.table.set_order(snapshot.ids)
        self.table.set_rows(snapshot.rows)
        summary = self.query_one(FleetSummary)
        # The default order shows every visible session: the count is the header's.
        summary.counts, summary.shown = snapshot.counts, snapshot.counts.sessions

    def _note_changed(self, note: str) -> None:
        self.query_one(FleetSummary).note = note
        self.table.can_act = not self.drover.readonly
        self.table.refresh()

    def on_resize(self) -> None:
        width = self.table.scrollable_content_region.width or self.size.width
        header = (" " * GAP).join(fit(c.label, w, c.right) for c, w in layout(width))
        self.query_one("#columns", Static).update(Content(header))

    def on_screen_resume(self) -> None:
        # Mutes may have changed on the other list (`:sessions` / `:inbox`) meanwhile.
        self.table.set_muted(frozenset(self.drover.attention.tracker.muted))
        self.reload()

    def target_row(self) -> SessionRow | None:
        """The highlighted session."""
        return self.table.current_row()

    def target_ids(self) -> list[str]:
        """The marked sessions, or else the highlighted one."""
        current = self.table.current_id
        return self.table.marked or ([current] if current else [])

    def actions_queued(self, session_ids: Sequence[str]) -> None:
        """A bulk act went out: its marks have done their job."""
        self.table.clear_marks()

    # -- loading (all reads in workers) ----------------------------------------------------------

    def reload(self, keep_session: bool = True) -> None:
        """Recompute the order (filter + sort) and refetch the visible rows and totals.

        Args:
            keep_session: keep the cursor on the highlighted session (wherever it moves);
                False keeps the cursor's position instead (used when watching the top).
        """
        self._load_order(self.table.current_id if keep_session else None)

    @work(exclusive=True, group="fleet-order", exit_on_error=False)
    async def _load_order(self, keep: str | None) -> None:
        reader = self.drover.reader
        if reader is None:
            return
        query = self.query_state
        try:
            ids = await self.drover.reads.run(reader.fleet_ids, query)
        except re.error as exc:
            self.notify(f"Bad filter: {exc}", severity="error")
            return
        counts, budgets = await self._header_figures()
        rules = await self._rules_figure()
        self.table.now = self.drover.now()
        self.table.set_order(ids, keep=keep)
        rows = await self.drover.reads.run(reader.fleet_rows, self.table.window_ids())
        self.table.set_rows(rows)
        summary = self.query_one(FleetSummary)
        summary.counts, summary.query, summary.shown = counts, query, len(ids)
        summary.budgets, summary.rules = budgets, rules
        summary.order_held = False

    @work(exclusive=True, group="fleet-rows", exit_on_error=False)
    async def _load_rows(self, ids: list[str], counts: bool = False) -> None:
        reader = self.drover.reader
        if reader is None:
            return
        rows = await self.drover.reads.run(reader.fleet_rows, ids)
        self.table.now = self.drover.now()
        self.table.set_rows(rows)
        if counts:
            summary = self.query_one(FleetSummary)
            summary.counts, summary.budgets = await self._header_figures()

    async def _header_figures(self) -> tuple[HeaderCounts | None, tuple[BudgetState, ...]]:
        """The header's totals, and the user's budgets at 80% or more."""
        reader = self.drover.reader
        if reader is None:
            return None, ()
        today = self.drover.now().date().isoformat()
        counts = await self.drover.reads.run(reader.header_counts, today=today)
        caps = self.drover.budget_caps()
        states = await self.drover.reads.run(reader.cost_budgets, caps, today=today) if caps else []
        crossed = tuple(s for s in states if s.scope != "session" and s.level != "ok")
        return counts, crossed

    async def _rules_figure(self) -> tuple[int, bool]:
        """The profile's rules in force, and whether they are paused."""
        reader = self.drover.reader
        paused = await self.drover.reads.run(reader.rules_paused) if reader is not None else None
        return self.drover.rules_in_force(), paused is not None

    def refresh_rules(self) -> None:
        """The rules changed (saved, paused): show their count again."""
        self._load_rules()

    @work(exclusive=True, group="fleet-rules", exit_on_error=False)
    async def _load_rules(self) -> None:
        self.query_one(FleetSummary).rules = await self._rules_figure()

    def set_deployment(self, deployment_id: str | None, name: str = "") -> None:
        """Show only the sessions `deployment_id`'s runs created (None: every session)."""
        self.query_state = replace(self.query_state, deployment=deployment_id or None)
        self.query_one(FleetSummary).deployment = name
        self.reload()

    @on(events.Click, "#columns")
    def _header_clicked(self, event: events.Click) -> None:
        """A click on a column's name sorts by that column."""
        offset = event.get_content_offset(self.query_one("#columns"))
        width = self.table.scrollable_content_region.width or self.size.width
        column = column_at(width, offset.x) if offset is not None else None
        if column is not None and column.sort is not None:
            self.set_sort(column.sort)

    @on(FleetTable.WindowChanged)
    def _window_changed(self, event: FleetTable.WindowChanged) -> None:
        self._load_rows(event.ids)

    def _on_mirror_changed(self, changed: Set[str]) -> None:
        """Coalesced change notice: update in place, or re-sort when watching the top."""
        if not self.is_current:
            return
        if self.table.cursor == 0:
            self.reload(keep_session=False)
            return
        self._load_rows(self.table.window_ids(), counts=True)
        self.query_one(FleetSummary).order_held = True

    def _on_connections(self, states: dict[str, ConnectionState]) -> None:
        self.table.set_connections(self.drover.connections)

    @on(FleetTable.MarksChanged)
    def _marks_changed(self, event: FleetTable.MarksChanged) -> None:
        self.query_one(FleetSummary).marked = event.count

    # -- actions ----------------------------------------------------------------------------------

    @on(FleetTable.Selected)
    def action_open(self) -> None:
        """Open the highlighted session's transcript."""
        if self.table.current_id:
            self.drover.open_session(self.table.current_id)

    def action_replay(self) -> None:
        """Replay the highlighted session from its first event."""
        if self.table.current_id:
            self.drover.open_replay(self.table.current_id)

    def action_filter(self) -> None:
        """Prompt for a regex filter (`!regex` inverts it)."""
        current = ("!" if self.query_state.invert else "") + self.query_state.pattern
        prompt = PromptScreen(
            "/",
            current,
            "regex · !regex to invert · empty clears   (try: approve, error, budget)",
            history=self.drover.prompt_history.setdefault("/", []),
            completions=("approve", "error", "budget", "refusal", "retries", "!nightly"),
        )
        self.drover.open_prompt(prompt, self.set_filter)

    def set_filter(self, text: str | None) -> None:
        """Apply a filter typed after `/` (None leaves it unchanged)."""
        if text is None:
            return
        invert = text.startswith("!")
        pattern = text[1:] if invert else text
        try:
            re.compile(pattern)
        except re.error as exc:
            self.notify(f"Bad filter {pattern!r}: {exc}", severity="error")
            return
        self.query_state = replace(
            self.query_state, pattern=pattern, invert=invert and bool(pattern)
        )
        self.reload()

    def action_clear(self) -> None:
        """Clear the marks; with none, drop the filter, then the launch shown."""
        if self.table.marked:
            self.table.clear_marks()
        elif self.query_state.pattern:
            self.set_filter("")
        elif self.query_state.deployment:
            self.set_deployment(None)
        elif self.query_state.launch_id:
            self.query_state = replace(self.query_state, launch_id=None)
            self.reload()

    def action_toggle_archived(self) -> None:
        """Show archived sessions too, or hide them again (the default)."""
        self.query_state = replace(self.query_state, archived=not self.query_state.archived)
        self.reload()  # the header says "+ archived" while they are shown

    def action_mute(self) -> None:
        """Mute or unmute attention alerts for the highlighted session."""
        sid = self.table.current_id
        if sid is None:
            return
        muted = self.drover.attention.toggle_mute(sid)
        self.table.set_muted(frozenset(self.drover.attention.tracker.muted))
        self.notify(f"Alerts {'muted' if muted else 'on'} for {sid}")

    def action_cycle_sort(self) -> None:
        """Switch to the next sort key (needs-you stays first in every order)."""
        index = SORT_KEYS.index(self.query_state.sort)
        self.set_sort(SORT_KEYS[(index + 1) % len(SORT_KEYS)])

    def set_sort(self, key: str) -> None:
        """Sort by `key` (one of `SORT_KEYS`)."""
        if key not in SORT_KEYS:
            self.notify(
                f"Unknown sort {key!r}; use one of {', '.join(SORT_KEYS)}", severity="error"
            )
            return
        self.query_state = replace(self.query_state, sort=key)  # type: ignore[arg-type]
        self.reload()

    def action_resort(self) -> None:
        """Re-sort now, keeping the cursor on the same session."""
        self.reload()

    def action_cost(self) -> None:
        """Open the cost ledger (`:cost`)."""
        from drover.tui.screens.cost import show_cost

        show_cost(self.drover)
