"""`GridScreen` (`:grid`): 1/2/4/6/9 live panes, each following one session.

Data flow (PERFORMANCE.md): the App coalesces the store's change notices into `mirror_changed`
a few times a second; the grid marks the visible panes whose session changed and runs ONE read
on the read pool for all of them (`drover.tui.grid_source.pull`: each pane's keyset page after
its last seq), then each pane writes its new lines in one batch. Hidden panes (beyond the
layout, or zoomed away) read nothing: they are marked stale and reload their tail when shown.
While a read runs, further notices only mark panes; the running read loops once more.

The focused pane's session gets sync's live previews (`App.focus_previews`), shown under it.
`y`/`n`/`m`/`i`/`o` act on the focused pane's session exactly as on a fleet row
(`SessionActions`). `w` fills the panes with the sessions that need you, longest waiting first,
and keeps them filled as you answer (`:grid needs`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Set
from dataclasses import replace as with_fields
from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container
from textual.events import DescendantFocus
from textual.reactive import reactive

from drover.store.api import MirrorReads
from drover.store.fleet import FleetQuery
from drover.store.models import SessionRow
from drover.sync.connection import ConnectionState
from drover.tui.screens.actions import SessionActions
from drover.tui.screens.base import DroverScreen
from drover.tui.screens.session_picker import SessionPicker
from drover.tui.viewmodel import grid_source
from drover.tui.widgets.key_bar import KeyBar
from drover.tui.widgets.live_pane import LivePane

if TYPE_CHECKING:
    from drover.tui.app import DroverApp

LAYOUTS = (1, 2, 4, 6, 9)
"""Pane counts the grid offers (columns × rows: 1×1, 2×1, 2×2, 3×2, 3×3, as in grid.tcss)."""
COLUMNS = {1: 1, 2: 2, 4: 2, 6: 3, 9: 3}
"""Columns of each layout."""


NEEDS_EMPTY = "nothing else needs you · w stops following who needs you"
"""What an empty pane says while the grid follows the sessions that need you."""

FRAME = 1 / 60
"""Textual's frame interval: the grid hands rows of panes their new lines a frame apart."""


def nearest_layout(count: int) -> int:
    """The layout closest to `count` panes (a tie goes to the bigger one)."""
    return min(LAYOUTS, key=lambda n: (abs(n - count), -n))


def show_grid(app: DroverApp, argument: str = "") -> None:
    """`:grid [N] [needs]`: switch to the grid, showing the layout nearest `N` panes when
    given, filled with the sessions that need you with `needs`."""
    words = argument.split()
    needs = "needs" in words
    numbers = [w for w in words if w != "needs"]
    if len(numbers) > 1 or (numbers and not numbers[0].isdigit()):
        app.notify(f"Usage: :grid [1-9] [needs] (got {argument!r})", severity="warning")
        return
    app.go("grid")
    grid = next((s for s in app.screen_stack if isinstance(s, GridScreen)), None)
    if grid is None:
        return
    if numbers:
        grid.pane_count = nearest_layout(int(numbers[0]))
    if needs and not grid.needs_mode:
        grid.action_needs_fill()


class GridScreen(SessionActions, DroverScreen):
    """Tiled live panes; `y`/`n`/`m`/`i`/`o` act on the focused pane's session, as in the list.

    Args:
        layout: the initial pane count (one of `LAYOUTS`; others snap to the nearest).
    """

    CSS_PATH = "grid.tcss"

    BINDINGS = [  # noqa: RUF012
        Binding("1", "layout(1)", "Layout 1…9", key_display="1…9", id="grid.layout_1"),
        *(Binding(str(n), f"layout({n})", show=False, id=f"grid.layout_{n}") for n in range(2, 10)),
        Binding("plus,equals_sign", "cycle(1)", "More panes", key_display="+", id="grid.more"),
        Binding("minus", "cycle(-1)", "Fewer panes", key_display="-", id="grid.fewer"),
        Binding("z", "zoom", "Zoom", id="grid.zoom"),
        Binding("escape", "unzoom", "Unzoom", show=False, id="grid.unzoom"),
        Binding("enter", "open", "Open", id="grid.open"),
        Binding("p", "pick", "Pick session", id="grid.pick"),
        Binding("a", "auto_fill", "Busiest", id="grid.auto_fill"),
        Binding("w", "needs_fill", "Needs you", id="grid.needs_you"),
        # As in the list, on the focused pane; off the footer (full already): each pane's
        # border names the keys its session's state asks for, and `?` lists them all.
        *(with_fields(binding, show=False) for binding in SessionActions.ACTION_BINDINGS),
    ]
    MUTATING_ACTIONS = SessionActions.MUTATING_ACTIONS

    pane_count: reactive[int] = reactive(4, init=False)
    """Panes shown (one of `LAYOUTS`)."""
    zoomed: reactive[int | None] = reactive(None, init=False)
    """The slot shown full screen, or None."""
    needs_mode: reactive[bool] = reactive(False, init=False)
    """The panes follow the sessions that need you, in needs-you order (`w`; `a` ends it)."""

    def __init__(self, layout: int = 4) -> None:
        super().__init__()
        self.set_reactive(GridScreen.pane_count, nearest_layout(layout))
        self.focused_slot = 0
        """The pane with keyboard focus (it receives previews; enter/z/p act on it)."""
        self._dirty: set[int] = set()
        self._pulling = False
        self._tick_row = 0
        self._reader: MirrorReads | None = None
        self.panes = [LivePane(slot) for slot in range(max(LAYOUTS))]
        """Every pane, shown or not, in slot order (kept: a DOM query per refresh is not free)."""

    def compose(self) -> ComposeResult:
        with Container(id="grid"):
            yield from self.panes
        yield KeyBar()

    def visible_panes(self) -> list[LivePane]:
        """The panes on screen now."""
        return [p for p in self.panes if self._shown(p.slot)]

    def _shown(self, slot: int) -> bool:
        return slot == self.zoomed if self.zoomed is not None else slot < self.pane_count

    def on_mount(self) -> None:
        self.drover.mirror_changed.subscribe(self, self._on_mirror_changed)
        self.drover.connections_changed.subscribe(self, self._on_connections)
        self.drover.preview_changed.subscribe(self, self._on_preview)
        self.set_interval(1 / 3, self._tick)  # one row per call (3×3: each row once a second)
        self._arrange()
        self.panes[0].pane_log.focus()

    # -- layout and zoom ---------------------------------------------------------------------------

    def watch_pane_count(self) -> None:
        self.zoomed = None
        if self.is_mounted:
            self._arrange()

    def watch_zoomed(self) -> None:
        if self.is_mounted:
            self._arrange()

    def _arrange(self) -> None:
        """Show the panes of the layout (or the zoomed one) and load what they lack."""
        grid = self.query_one("#grid")
        for n in LAYOUTS:
            grid.set_class(n == self.pane_count, f"-n{n}")
        grid.set_class(self.zoomed is not None, "-zoomed")
        for pane in self.panes:
            shown = self._shown(pane.slot)
            pane.set_class(not shown, "-off")
            if shown and pane.stale:
                pane.reload()
        if self.focused_slot not in (p.slot for p in self.visible_panes()):
            self.visible_panes()[0].pane_log.focus()
        if self.drover.reader is not None and self._reader is not self.drover.reader:
            self._reader = self.drover.reader  # first time, or the profile changed
            for pane in self.panes:
                pane.assign(None)
        if any(p.session_id is None for p in self.visible_panes()):
            if self.needs_mode:
                self._needs_fill(replace=False)
            else:
                self._auto_fill(replace=False)
        self._request_pull()

    def action_layout(self, count: int) -> None:
        """Show the layout nearest to `count` panes."""
        self.pane_count = nearest_layout(count)

    def action_cycle(self, step: int) -> None:
        """Next bigger (step 1) or smaller (step -1) layout, wrapping around."""
        index = LAYOUTS.index(self.pane_count)
        self.pane_count = LAYOUTS[(index + step) % len(LAYOUTS)]

    def action_zoom(self) -> None:
        """Show the focused pane full screen, or go back to the grid."""
        self.zoomed = None if self.zoomed is not None else self.focused_slot

    def action_unzoom(self) -> None:
        """Back to the grid from a zoomed pane."""
        self.zoomed = None

    # -- focus and previews ------------------------------------------------------------------------

    def on_descendant_focus(self, event: DescendantFocus) -> None:
        pane = next((a for a in event.widget.ancestors if isinstance(a, LivePane)), None)
        if pane is not None and pane.slot != self.focused_slot:
            self.focused_slot = pane.slot
            self._focus_previews()

    def _focus_previews(self) -> None:
        """Previews for the focused pane's session only (sync streams deltas for one)."""
        focused = self.panes[self.focused_slot].session_id
        for pane in self.panes:
            mine = pane.slot == self.focused_slot and pane.session_id is not None
            pane.preview = self.drover.previews.get(pane.session_id) if mine else None
        self.drover.focus_previews(focused)

    def _on_preview(self, changed: frozenset[str]) -> None:
        pane = self.panes[self.focused_slot]
        if pane.session_id in changed:
            pane.preview = self.drover.previews.get(pane.session_id)

    def on_screen_resume(self) -> None:
        self._arrange()
        self._focus_previews()

    def on_screen_suspend(self) -> None:
        # A screen pushed over the grid (session, picker, help) keeps the grid's preview
        # focus for when it returns; leaving the grid's mode drops it.
        if self not in self.app.screen_stack:
            self.drover.focus_previews(None)

    # -- data --------------------------------------------------------------------------------------

    def _on_mirror_changed(self, changed: Set[str]) -> None:
        current = self.is_current
        if current and self.needs_mode:
            self._needs_fill(replace=False)
        for pane in self.panes:
            if pane.session_id in changed:
                if current and self._shown(pane.slot):
                    self._dirty.add(pane.slot)
                else:
                    pane.stale = True
        if current:
            self._request_pull()

    def _on_connections(self, states: dict[str, ConnectionState]) -> None:
        for pane in self.panes:
            if pane.session_id in states:
                pane.connection = states[pane.session_id]

    def _tick(self) -> None:
        """Refresh one row of tickers (rows take turns: one frame never repaints them all)."""
        if not self.is_current:
            return
        columns = self._columns()
        panes = self.visible_panes()
        row = self._tick_row % -(-len(panes) // columns)
        self._tick_row += 1
        now = self.drover.now()
        for pane in panes[row * columns : (row + 1) * columns]:
            pane.tick(now)

    def _columns(self) -> int:
        return 1 if self.zoomed is not None else COLUMNS[self.pane_count]

    def _request_pull(self) -> None:
        # Set here, not in the worker: workers start later, and every request made before
        # then would start another read loop over the same panes.
        if not self._pulling:
            self._pulling = True
            self._pull()

    @work(group="grid-pull", exit_on_error=False)
    async def _pull(self) -> None:
        """Read for every visible pane that changed or lacks its tail, until none does."""
        try:
            while self.drover.reader is not None:
                wants = [
                    want
                    for pane in self.visible_panes()
                    if (pane.slot in self._dirty or pane.last_seq is None)
                    and (want := pane.want()) is not None
                ]
                self._dirty.clear()
                if not wants:
                    return
                reader = self.drover.reader
                updates = await self.drover.reads.run(grid_source.pull, reader, wants)
                await self._show(updates)
        finally:
            self._pulling = False

    async def _show(self, updates: list[grid_source.PaneUpdate]) -> None:
        """Hand panes their updates, one row of panes per frame.

        A frame repaints every line of the rows it touches, across the whole width, so panes
        side by side cost one repaint; nine panes in one frame would block the loop for as
        long as three rows one frame apart, where timers and keys get a turn in between.
        """
        columns = self._columns()
        rows: dict[int, list[grid_source.PaneUpdate]] = {}
        for update in updates:
            rows.setdefault(update.want.slot // columns, []).append(update)
        for index, row in enumerate(rows.values()):
            if index:
                await asyncio.sleep(FRAME)
            for update in row:
                if self.panes[update.want.slot].apply(update, self.drover.now()):
                    ids = {e.id for e in update.events}
                    self.drover.feed.preview_done(update.want.session_id, ids)

    @work(exclusive=True, group="grid-fill", exit_on_error=False)
    async def _auto_fill(self, replace: bool) -> None:
        """Give panes the busiest sessions: the empty visible ones, or (replace) all visible."""
        reader = self.drover.reader
        if reader is None:
            return
        ids = await self.drover.reads.run(
            grid_source.busiest, reader, self.drover.now(), max(LAYOUTS)
        )
        panes = [p for p in self.visible_panes() if replace or p.session_id is None]
        kept = {p.session_id for p in self.visible_panes() if p not in panes}
        for pane, session_id in zip(panes, [s for s in ids if s not in kept], strict=False):
            self._assign(pane, session_id)
        self._request_pull()

    def _assign(self, pane: LivePane, session_id: str | None) -> None:
        pane.assign(session_id)
        if session_id is not None:
            pane.connection = self.drover.connections.get(session_id)
        if pane.slot == self.focused_slot:
            self._focus_previews()

    def assign(self, slot: int, session_id: str | None) -> None:
        """Make pane `slot` follow `session_id` (None empties it)."""
        self._assign(self.panes[slot], session_id)
        self._request_pull()

    @work(exclusive=True, group="grid-fill", exit_on_error=False)
    async def _needs_fill(self, replace: bool) -> None:
        """Give panes the sessions that need you, longest waiting first.

        With `replace`, every visible pane, in order. Otherwise (as the fleet changes) a pane
        keeps its session while it still needs you, and one whose session no longer does
        takes the next that does and is not shown (it keeps its session when none is left,
        so you see what your answer set going).
        """
        reader = self.drover.reader
        if reader is None:
            return
        ids = await self.drover.reads.run(reader.fleet_ids, FleetQuery(needs_only=True))
        panes = self.visible_panes()
        if replace:
            for pane, session_id in zip(panes, [*ids, *[None] * len(panes)], strict=False):
                self._assign(pane, session_id)
                pane.note_empty(NEEDS_EMPTY)
        else:
            waiting = set(ids)
            shown = {p.session_id for p in panes}
            spare = iter([sid for sid in ids if sid not in shown])
            for pane in panes:
                if pane.session_id in waiting:
                    continue
                session_id = next(spare, None)
                if session_id is None:
                    break
                self._assign(pane, session_id)
        self._request_pull()

    # -- actions on the focused pane ---------------------------------------------------------------

    def target_row(self) -> SessionRow | None:
        """The focused pane's session (what `m` and `o` answer)."""
        return self.panes[self.focused_slot].row

    def target_ids(self) -> list[str]:
        """The focused pane's session (what `y`, `n` and `i` act on)."""
        session_id = self.panes[self.focused_slot].session_id
        return [session_id] if session_id else []

    def action_auto_fill(self) -> None:
        """Fill every visible pane with the busiest sessions now (and stop following needs)."""
        self.needs_mode = False
        self._auto_fill(replace=True)

    def action_needs_fill(self) -> None:
        """Fill the panes with the sessions that need you, and keep them filled (`w` again,
        or `a`, stops)."""
        self.needs_mode = not self.needs_mode
        if self.needs_mode:
            self._needs_fill(replace=True)
        else:
            self.notify("The grid no longer follows the sessions that need you.")

    def action_pick(self) -> None:
        """Choose the focused pane's session from a filterable list."""
        slot = self.focused_slot

        def chosen(session_id: str | None) -> None:
            if session_id:
                self.assign(slot, session_id)

        self.app.push_screen(SessionPicker(), chosen)

    def action_open(self) -> None:
        """Open the focused pane's session full screen (its whole transcript)."""
        session_id = self.panes[self.focused_slot].session_id
        if session_id is not None:
            self.drover.open_session(session_id)
