"""`FleetTable`: the virtualised session list (line API; only visible rows are rendered).

The table holds the display *order* (a list of session ids) and a cache of the rows it has
been given; it never queries anything. When the viewport moves it posts `WindowChanged` so the
screen can fetch exactly the visible rows in a worker. Rows not fetched yet draw as a dim
placeholder. Status badges are coloured through component classes named like the state
(`-running`, `-needs-you`, …) whose colours come from the theme's `$session-*` variables.

Marks (`space`) select rows for bulk acts: a marked row shows `✓` before its title and the
`fleet-table--marked` style. Marks only cover sessions in the current order (a re-filter drops
the others, so a bulk act never touches a row you can no longer see); `*` marks every row in
the order, i.e. all that match the filter. Muted sessions (no attention alerts) show `⊘`
before the title; the owner pushes the muted set down.

The mouse: a click highlights a row, a double click opens it, the wheel scrolls.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from drover.store.models import SessionRow
from drover.sync.connection import ConnectionState
from drover.text import format as fmt
from drover.themes import SESSION_STATES
from drover.tui.viewmodel.fleet_cells import fleet_cells
from drover.tui.widgets.fleet_layout import GAP, fit, layout

_STRIP_CACHE = 2_000  # rendered rows kept; far more than a screen, far less than a big fleet
_MARGIN = 10  # rows fetched beyond the viewport, so small scrolls draw without placeholders
_OUTCOME_STYLES = {"met": "-running", "not_met": "-error"}  # evaluating: muted


class FleetTable(ScrollView, can_focus=True):
    """A cursor-driven list of sessions, one line each."""

    DEFAULT_CSS = """
    FleetTable { height: 1fr; scrollbar-gutter: stable; }
    FleetTable > .fleet-table--cursor { background: $primary 35%; }
    FleetTable:focus > .fleet-table--cursor { background: $primary 60%; }
    FleetTable > .fleet-table--placeholder { color: $text-muted; }
    FleetTable > .fleet-table--reason { color: $session-needs-you; }
    FleetTable > .fleet-table--marked { background: $accent 25%; text-style: bold; }
    FleetTable > .-running { color: $session-running; text-style: bold; }
    FleetTable > .-idle { color: $session-idle; }
    FleetTable > .-needs-you { color: $session-needs-you; text-style: bold; }
    FleetTable > .-error { color: $session-error; text-style: bold; }
    FleetTable > .-terminated { color: $session-terminated; }
    """

    COMPONENT_CLASSES = {  # noqa: RUF012
        "fleet-table--cursor",
        "fleet-table--placeholder",
        "fleet-table--reason",
        "fleet-table--marked",
        *(f"-{state}" for state in SESSION_STATES),
    }

    BINDINGS = [  # noqa: RUF012
        Binding("up,k", "cursor(-1)", "Up", show=False, id="list.up"),
        Binding("down,j", "cursor(1)", "Down", show=False, id="list.down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="list.page_up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="list.page_down"),
        Binding("home,g", "jump(0)", "Top", show=False, id="list.top"),
        Binding("end,G", "jump(-1)", "Bottom", show=False, id="list.bottom"),
        Binding("enter", "select", "Open", show=False, id="list.open"),
        Binding("space", "toggle_mark", "Mark", id="fleet.mark"),
        Binding(
            "asterisk", "mark_all", "Mark all", key_display="*", show=False, id="fleet.mark_all"
        ),
    ]

    cursor: reactive[int] = reactive(0)
    """Index of the highlighted row in the current order."""

    class WindowChanged(Message):
        """The visible window moved; the owner should supply rows for `ids`."""

        def __init__(self, ids: list[str]) -> None:
            self.ids = ids
            super().__init__()

    class Highlighted(Message):
        """The cursor moved to another session."""

        def __init__(self, session_id: str | None, index: int) -> None:
            self.session_id = session_id
            self.index = index
            super().__init__()

    class MarksChanged(Message):
        """Rows were marked or unmarked; `count` rows are marked now."""

        def __init__(self, count: int) -> None:
            self.count = count
            super().__init__()

    class Selected(Message):
        """The user opened a session (enter)."""

        def __init__(self, session_id: str) -> None:
            self.session_id = session_id
            super().__init__()

    def __init__(self, *, name: str | None = None, id: str | None = None) -> None:
        super().__init__(name=name, id=id)
        self._ids: list[str] = []
        self._rows: dict[str, SessionRow] = {}
        self._connections: Mapping[str, ConnectionState] = {}
        self._strips: dict[str, tuple[tuple[object, ...], Strip]] = {}
        self._marked: dict[str, None] = {}  # insertion-ordered set
        self._muted: frozenset[str] = frozenset()
        self.can_act = True
        """False when nothing can be answered from here (read-only): reasons describe, not ask."""
        self.now: datetime = datetime.now(UTC)
        """The time ages are measured against (set by the owner from the injected clock)."""

    # -- data in (called by the owner) ---------------------------------------------------------

    @property
    def ids(self) -> Sequence[str]:
        """The current display order."""
        return self._ids

    @property
    def current_id(self) -> str | None:
        """The highlighted session id."""
        return self._ids[self.cursor] if 0 <= self.cursor < len(self._ids) else None

    def current_row(self) -> SessionRow | None:
        """The highlighted session's cached row, if fetched."""
        sid = self.current_id
        return None if sid is None else self._rows.get(sid)

    @property
    def marked(self) -> list[str]:
        """Marked session ids, in display order."""
        return [sid for sid in self._ids if sid in self._marked]

    def toggle_mark(self, session_id: str) -> None:
        """Mark or unmark one session."""
        if self._marked.pop(session_id, 0) == 0:
            self._marked[session_id] = None
        self._marks_changed()

    def mark_all(self) -> None:
        """Mark every row of the current order (everything the filter lets through)."""
        self._marked = dict.fromkeys(self._ids)
        self._marks_changed()

    def clear_marks(self) -> None:
        """Unmark every row."""
        if self._marked:
            self._marked.clear()
            self._marks_changed()

    def set_muted(self, muted: frozenset[str]) -> None:
        """Show which sessions are muted."""
        self._muted = muted
        self.refresh()

    def _marks_changed(self) -> None:
        self.refresh()
        self.post_message(self.MarksChanged(len(self._marked)))

    def set_order(self, ids: list[str], keep: str | None = None) -> None:
        """Replace the display order, keeping the cursor on session `keep` when present.

        Rows outside the new order are dropped from the cache so it stays window-sized.
        """
        self._ids = ids
        wanted = set(ids)
        self._rows = {k: v for k, v in self._rows.items() if k in wanted}
        if any(sid not in wanted for sid in self._marked):
            self._marked = {sid: None for sid in self._marked if sid in wanted}
            self.post_message(self.MarksChanged(len(self._marked)))
        self._strips.clear()
        index = ids.index(keep) if keep in wanted else min(self.cursor, len(ids) - 1)
        self.virtual_size = Size(self.size.width, len(ids))
        self.set_reactive(FleetTable.cursor, max(0, index))
        self._scroll_cursor_into_view()
        self.refresh()
        self._post_window()

    def set_rows(self, rows: Mapping[str, SessionRow]) -> None:
        """Add or refresh cached rows (the cache is pruned to the window when it grows big)."""
        self._rows.update(rows)
        if len(self._rows) > _STRIP_CACHE:
            # Scrolled through a big fleet: keep only what is near the viewport.
            keep = set(self.window_ids())
            self._rows = {k: v for k, v in self._rows.items() if k in keep}
        self.refresh()

    def set_connections(self, states: Mapping[str, ConnectionState]) -> None:
        """Show sync's latest connection state per session."""
        self._connections = states
        self.refresh()

    def window_ids(self) -> list[str]:
        """Ids in the viewport plus a margin either side (what the owner should fetch)."""
        top = int(self.scroll_offset.y)
        start = max(0, top - _MARGIN)
        return self._ids[start : top + self.size.height + _MARGIN]

    # -- rendering -----------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        """Render one visible line: the row at scroll offset + y."""
        index = int(self.scroll_offset.y) + y
        width = self.scrollable_content_region.width
        base = self.rich_style
        if index >= len(self._ids):
            return Strip.blank(width, base)
        sid = self._ids[index]
        row = self._rows.get(sid)
        marked, muted = sid in self._marked, sid in self._muted
        flags = ("✓ " if marked else "") + ("⊘ " if muted else "")
        cursor = index == self.cursor
        # Cached under what is drawn (the cell texts and their styles), not the row: a
        # refetched row that looks the same, or a clock tick that changes no age, reuses its
        # strip, and the key never compares a whole SessionRow (its raw JSON included).
        cells: dict[str, str] | None = None
        key: tuple[object, ...] = (sid, width, cursor, marked, flags)
        if row is not None:
            conn = self._connections.get(sid)
            cells = fleet_cells(row, self.now, conn, flags=flags, can_act=self.can_act)
            verdict = str((row.outcome or {}).get("verdict"))
            key = (*key, tuple(cells.values()), fmt.visual_state(row), verdict)
        cached = self._strips.get(sid)
        if cached is not None and cached[0] == key:
            return cached[1]
        over = Style()  # drawn over every cell: the mark, then the cursor
        if marked:
            over += self.get_component_rich_style("fleet-table--marked")
        if cursor:
            over += self.get_component_rich_style("fleet-table--cursor")
        segments = self._row_segments(row, cells, sid, width, base, over, flags)
        strip = Strip(Segment.simplify(segments), width).extend_cell_length(width, base)
        if len(self._strips) > _STRIP_CACHE:
            self._strips.clear()
        self._strips[sid] = (key, strip)
        return strip

    def notify_style_update(self) -> None:
        """Theme or CSS changed: every cached strip is stale."""
        super().notify_style_update()
        self._strips.clear()

    def _row_segments(
        self,
        row: SessionRow | None,
        cells: dict[str, str] | None,
        sid: str,
        width: int,
        base: Style,
        over: Style,
        flags: str = "",
    ) -> list[Segment]:
        """One row as segments, each cell's text as it is (never parsed as markup).

        Segments, not a Rich `Text` rendered per line: after a re-sort every visible row is
        drawn afresh, and building and rendering a `Text` per row was most of `s`'s frame
        (issue 13). The cell texts are inert already (`fleet_cells` passes every string from
        the mirror through `drover.text.inert`).

        Args:
            row: the session (None: not fetched yet, drawn as a placeholder).
            cells: its cell texts (`fleet_cells`; None with no row).
            sid: its id.
            width: the line width.
            base: the widget's base style.
            over: the mark and cursor styles, drawn over every cell.
            flags: mark/mute glyphs shown before the title.
        """
        if row is None or cells is None:
            placeholder = self.get_component_rich_style("fleet-table--placeholder")
            return [Segment(fit(f"  {flags}{sid} …", width), base + placeholder + over)]
        styles: dict[str, Style] = {
            "status": self.get_component_rich_style(f"-{fmt.visual_state(row)}"),
            "reason": self.get_component_rich_style("fleet-table--reason"),
            "waiting": self.get_component_rich_style("fleet-table--reason"),
            "outcome": self.get_component_rich_style(
                _OUTCOME_STYLES.get(
                    str((row.outcome or {}).get("verdict")), "fleet-table--placeholder"
                )
            ),
        }
        plain = base + over
        segments: list[Segment] = []
        for index, (column, size) in enumerate(layout(width)):
            if index:
                segments.append(Segment(" " * GAP, plain))
            style = styles.get(column.key)
            cell = fit(cells[column.key], size, column.right)
            segments.append(Segment(cell, plain if style is None else base + style + over))
        return segments

    # -- cursor and scrolling ------------------------------------------------------------------

    def watch_cursor(self, old: int, new: int) -> None:
        self._scroll_cursor_into_view()
        self.refresh()
        self.post_message(self.Highlighted(self.current_id, new))

    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, len(self._ids) - 1))

    def _scroll_cursor_into_view(self) -> None:
        top, height = int(self.scroll_offset.y), max(1, self.size.height)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False, immediate=True)

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if int(old) != int(new):
            self._post_window()

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, len(self._ids))
        self._post_window()

    def _post_window(self) -> None:
        missing = [sid for sid in self.window_ids() if sid not in self._rows]
        if missing or not self._rows:
            self.post_message(self.WindowChanged(self.window_ids()))

    def action_cursor(self, delta: int) -> None:
        """Move the cursor by `delta` rows."""
        self.cursor += delta

    def action_page(self, direction: int) -> None:
        """Move the cursor by a screenful."""
        self.cursor += direction * max(1, self.size.height - 1)

    def action_jump(self, index: int) -> None:
        """Jump to the first (0) or last (-1) row."""
        self.cursor = index if index >= 0 else len(self._ids) - 1

    def action_toggle_mark(self) -> None:
        """Mark/unmark the highlighted row and move down (k9s: space marks, keeps going)."""
        if self.current_id is not None:
            self.toggle_mark(self.current_id)
            self.cursor += 1

    def action_mark_all(self) -> None:
        """Mark every row shown (all of them, or all that match the filter); again unmarks."""
        if self._ids and len(self._marked) == len(self._ids):
            self.clear_marks()
        else:
            self.mark_all()

    def _on_click(self, event: events.Click) -> None:
        """A click highlights the row under the pointer; a double click opens it."""
        offset = event.get_content_offset(self)
        if offset is None:
            return
        index = int(self.scroll_offset.y) + offset.y
        if not 0 <= index < len(self._ids):
            return
        event.stop()
        self.focus()
        self.cursor = index
        if event.chain >= 2:
            self.action_select()

    def action_select(self) -> None:
        """Open the highlighted session."""
        if self.current_id is not None:
            self.post_message(self.Selected(self.current_id))
