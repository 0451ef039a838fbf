"""`CostScreen`: the cost ledger (`:cost`, `$` on the fleet list).

Header totals (list cost, tokens by kind, runtime, requests, sessions), a sparkline of spend
per UTC day, budget warnings (80% of a cap, highlighted; 100% reached), tables by session
(most expensive first, a page at a time), agent, environment, UTC day, model and deployment
(the deployment whose run made the session), and a legend
defining each figure. Every read runs on the app's read pool
(`drover.tui.viewmodel.cost_data`); mirror changes refresh it at most every
`REFRESH_SECONDS`. `enter` on a session opens it.
"""

from __future__ import annotations

from collections.abc import Set
from datetime import UTC, date
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.timer import Timer
from textual.widgets import DataTable, Sparkline, Static, TabbedContent, TabPane

from drover.store.ledger import LedgerRow
from drover.text import cost as text
from drover.text.format import money, tokens
from drover.text.inert import inert_line
from drover.tui.screens.base import DroverScreen
from drover.tui.viewmodel.cost_data import WINDOWS, CostView, CostWindow, read_cost_view
from drover.tui.widgets.drover_table import DroverTable
from drover.tui.widgets.key_bar import KeyBar

if TYPE_CHECKING:
    from drover.tui.app import DroverApp

REFRESH_SECONDS = 5.0
"""Most one refresh per this many seconds while the mirror keeps changing."""
PAGE_SIZE = 50
"""Session rows per page (never the whole fleet in a DataTable)."""

_TABS = (
    ("session", "Sessions", "s"),
    ("agent", "Agents", "a"),
    ("environment", "Environments", "e"),
    ("day", "Days", "d"),
    ("model", "Models", "m"),
    ("deployment", "Deployments", "p"),
)
_FIGURES = ("COST", "INPUT", "CACHE READ", "CACHE WRITE", "OUTPUT", "RUNTIME", "REQUESTS")
_LEVEL_COLOURS = {"warning": "warning", "reached": "error"}  # theme variables


def _figures(row: LedgerRow) -> list[Text]:
    """Right-aligned figure cells (rich `Text`: measured by the DataTable, never markup)."""
    cells = [money(row.list_cost_cents), *text.token_cells(row), text.runtime(row)]
    return [Text(cell, justify="right") for cell in [*cells, f"{row.requests:,}"]]


def show_cost(app: DroverApp, argument: str = "") -> None:
    """`:cost [SINCE [UNTIL]]`: push the cost screen (days as `YYYY-MM-DD`, UTC)."""
    days = argument.split()
    try:
        parsed = [date.fromisoformat(day).isoformat() for day in days[:2]]
    except ValueError:
        app.notify(f"Bad day in :cost {argument} — use YYYY-MM-DD", severity="error")
        return
    window = CostWindow("custom", *parsed) if parsed else None
    if isinstance(app.screen, CostScreen):
        app.screen.set_window(window)
    else:
        app.push_screen(CostScreen(window))


def _clip(value: str, width: int) -> str:
    return value if len(value) <= width else value[: width - 1] + "…"


class CostScreen(DroverScreen):
    """The cost ledger of the open mirror.

    Args:
        window: the days to count (None: all time; `w` cycles through `WINDOWS`).
    """

    CSS_PATH = "cost.tcss"
    BINDINGS = [  # noqa: RUF012
        Binding("escape,backspace", "back", "Back", id="cost.back"),
        Binding("w", "cycle_window", "Window", id="cost.cycle_window"),
        *(
            Binding(key, f"show_tab('{name}')", label, id=f"cost.tab_{name}")
            for name, label, key in _TABS
        ),
        Binding(
            "right_square_bracket", "page(1)", "Next page", key_display="]", id="cost.next_page"
        ),
        Binding(
            "left_square_bracket", "page(-1)", "Prev page", key_display="[", id="cost.previous_page"
        ),
        Binding("r", "reload", "Reload", show=False, id="cost.reload"),
    ]

    def __init__(self, window: CostWindow | None = None) -> None:
        super().__init__()
        self.window = window or CostWindow("all time")
        """The days counted."""
        self.first = 0
        """Index of the first session row shown (pages of `PAGE_SIZE`)."""
        self.view: CostView | None = None
        """What is on screen (None until the first read finished)."""
        self._refresh_timer: Timer | None = None
        self._stale = False

    def compose(self) -> ComposeResult:
        yield Static(Content("cost ledger"), id="cost-title")
        yield Static(id="cost-totals")
        with Horizontal(id="cost-trend"):
            yield Sparkline([], id="cost-spark")
            yield Static(id="cost-range")
        yield Vertical(id="cost-budgets")
        with TabbedContent(id="cost-tabs"):
            for name, label, _key in _TABS:
                with TabPane(label, id=f"tab-{name}"):
                    table: DataTable[Text] = DroverTable(cursor_type="row", id=f"cost-{name}")
                    table.add_columns(*self._columns(name))
                    yield table
        yield Static(self._legend(), id="cost-legend")
        yield KeyBar()

    @staticmethod
    def _columns(name: str) -> list[str]:
        head = {"session": ["SESSION", "AGENT"], "day": ["DAY", "SESSIONS"]}.get(
            name, [name.upper(), "SESSIONS"]
        )
        return [*head, *_FIGURES, *(["BUDGET", "ID"] if name == "session" else [])]

    @staticmethod
    def _legend() -> Content:
        """The definitions as one flowing paragraph (it wraps to the screen's width)."""
        parts: list[str | tuple[str, str]] = []
        for term, meaning in text.LEGEND:
            parts += [("  ·  " if parts else ""), (term, "bold"), f": {meaning}"]
        return Content.assemble(*parts)

    def on_mount(self) -> None:
        self.drover.mirror_changed.subscribe(self, self._on_mirror_changed)
        self.reload()
        self.query_one("#cost-session", DataTable).focus()

    def on_screen_resume(self) -> None:
        if self._stale:
            self.reload()

    # -- reading ----------------------------------------------------------------------------

    def reload(self) -> None:
        """Re-read the ledger for the current window and page."""
        self._stale = False
        self._load()

    @work(exclusive=True, group="cost", exit_on_error=False)
    async def _load(self) -> None:
        reader = self.drover.reader
        if reader is None:
            return
        view = await self.drover.reads.run(
            read_cost_view,
            reader,
            self.window,
            first=self.first,
            page_size=PAGE_SIZE,
            today=self.drover.now().astimezone(UTC).date().isoformat(),
            config_path=self.drover.config_path,
            profile=self.drover.profile,
        )
        self.first = view.first
        self.view = view
        self._show(view)

    def _on_mirror_changed(self, changed: Set[str]) -> None:
        """Coalesced change notice: refresh once the quiet period is over (or on return)."""
        if not self.is_current:
            self._stale = True
        elif self._refresh_timer is None:
            self._refresh_timer = self.set_timer(REFRESH_SECONDS, self._refresh_due)

    def _refresh_due(self) -> None:
        self._refresh_timer = None
        self.reload()

    # -- rendering --------------------------------------------------------------------------

    def _show(self, view: CostView) -> None:
        t = view.totals
        self.query_one("#cost-title", Static).update(
            Content(f"cost ledger · {self.drover.profile} · {view.window.label}")
        )
        self.query_one("#cost-totals", Static).update(
            Content(
                f"spend {money(t.list_cost_cents)}  ·  input {tokens(t.input_tokens)}  ·  "
                f"cache read {tokens(t.cache_read_tokens)}  ·  cache write "
                f"{tokens(t.cache_write_tokens)}  ·  output {tokens(t.output_tokens)}  ·  "
                f"runtime {text.runtime(t)}  ·  {t.requests:,} requests  ·  "
                f"{t.sessions:,} sessions"
            )
        )
        self._show_trend(view)
        self._show_budgets(view)
        budgets = {b.key: b for b in view.budgets if b.scope == "session"}
        session_rows = []
        colours = self.app.theme_variables
        for row in view.sessions:
            state = budgets.get(row.key)
            budget = Text("-", justify="right")
            if row.budget_cents:
                share = f"{100 * row.list_cost_cents / row.budget_cents:.0f}% of "
                budget = Text(share + money(row.budget_cents), justify="right")
                if state is not None and state.level in _LEVEL_COLOURS:
                    budget.stylize(f"bold {colours.get(_LEVEL_COLOURS[state.level], 'red')}")
            label = _clip(inert_line(row.label or "") or text.key(row), 36)
            agent = Text(_clip(inert_line(row.agent_name or ""), 24))
            cells = [Text(label), agent, *_figures(row), budget, Text(text.key(row))]
            session_rows.append((row.key, cells))
        self._fill("session", session_rows)
        for name in ("agent", "environment", "model"):
            self._fill(name, [(r.key, self._group_cells(r)) for r in view.groups[name]])
        self._fill(
            "deployment",
            [(r.key, self._group_cells(r, "(no deployment)")) for r in view.groups["deployment"]],
        )
        self._fill("day", [(r.key, self._group_cells(r)) for r in reversed(view.days)])
        shown = len(view.sessions)
        last = view.first + shown
        label = f"Sessions {view.first + 1}–{last} of {t.sessions:,}" if shown else "Sessions"
        self.query_one(TabbedContent).get_tab("tab-session").label = Content(label)

    @staticmethod
    def _group_cells(row: LedgerRow, none: str = "") -> list[Text]:
        name = _clip(text.name(row) or (none if row.key is None and none else text.key(row)), 36)
        return [Text(name), Text(f"{row.sessions:,}", justify="right"), *_figures(row)]

    def _show_trend(self, view: CostView) -> None:
        spark = self.query_one("#cost-spark", Sparkline)
        spark.data = [cents / 100 for _, cents in view.series]
        if view.series:
            peak_day, peak = max(view.series, key=lambda item: item[1])
            first, last = view.series[0][0], view.series[-1][0]
            summary = f"daily spend {first} → {last} · peak {money(peak)} on {peak_day}"
        else:
            summary = "no spend recorded in this window"
        self.query_one("#cost-range", Static).update(Content(summary))

    def _show_budgets(self, view: CostView) -> None:
        box = self.query_one("#cost-budgets", Vertical)
        box.remove_children()
        lines = [Static(Content(text.budget_text(b)), classes=f"-{b.level}") for b in view.budgets]
        if view.budget_error:
            lines.append(
                Static(Content(f"budgets not read: {view.budget_error}"), classes="-reached")
            )
        box.mount_all(lines)
        box.display = bool(lines)

    def _fill(self, name: str, rows: list[tuple[str | None, list[Text]]]) -> None:
        table = self.query_one(f"#cost-{name}", DataTable)
        cursor = table.cursor_row
        table.clear()
        for index, (key, cells) in enumerate(rows):
            # Keys must be unique; an unknown group (None) can only occur once per table.
            table.add_row(*cells, key=key if key is not None else f"\0unknown{index}")
        if rows:
            table.move_cursor(row=min(cursor, len(rows) - 1))

    # -- actions ----------------------------------------------------------------------------

    @on(DataTable.RowSelected, "#cost-session")
    def _open_session(self, event: DataTable.RowSelected) -> None:
        session_id = event.row_key.value
        if session_id and not session_id.startswith("\0"):
            self.drover.open_session(session_id)

    def action_back(self) -> None:
        """Return to the screen below."""
        self.dismiss()

    def action_reload(self) -> None:
        """Re-read now."""
        self.reload()

    def action_show_tab(self, name: str) -> None:
        """Show one table (sessions, agents, environments, days, models)."""
        self.query_one(TabbedContent).active = f"tab-{name}"
        self.query_one(f"#cost-{name}", DataTable).focus()

    def action_page(self, step: int) -> None:
        """Show the next (1) or previous (-1) page of sessions."""
        first = max(0, self.first + step * PAGE_SIZE)
        if self.view is not None and first >= self.view.totals.sessions:
            return
        self.first = first
        self.action_show_tab("session")
        self.reload()

    def set_window(self, window: CostWindow | None) -> None:
        """Count other days (None: all time) and start again from the first page."""
        self.window = window or CostWindow("all time")
        self.first = 0
        self.reload()

    def action_cycle_window(self) -> None:
        """All time → this month → last 30 days → last 7 days → today → all time."""
        names = list(WINDOWS)
        current = names.index(self.window.name) if self.window.name in names else -1
        today = self.drover.now().astimezone(UTC).date()
        self.set_window(CostWindow.named(names[(current + 1) % len(names)], today))
