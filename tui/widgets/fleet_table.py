"""`FleetTable`: the virtualised session list (line API; only visible rows are rendered).

The table holds the display *order* as far as it has been read (a prefix of the session ids:
the fleet's order is read a page at a time, `MirrorReader.fleet_page`), how many rows the
order has in all (the scrollbar's length), and a cache of the rows it has been given; it never
queries anything. When the viewport moves it posts `WindowChanged` so the screen can fetch
exactly the visible rows in a worker, and `OrderNeeded` when it shows or jumps to rows past the
order read so far. Rows not fetched yet draw as a dim placeholder.

Drawing is cheap: a row's strip is cached under what it draws (its cells' text, its badge,
width, cursor and mark), built from segments without Rich's text layout, and redrawn only
when one of those changes. Status badges are coloured through component classes named like the state
(`-running`, `-needs-you`, …) whose colours come from the theme's `$session-*` variables.

Marks (`space`) select rows for bulk acts: a marked row shows `✓` before its title and the
`fleet-table--marked` style. Marks only cover sessions in the current order (a re-filter drops
the others, so a bulk act never touches a row you can no longer see; the owner works out which
stay); `*` marks every row in the order, i.e. all that match the filter (once the owner has
read the whole order). Muted sessions (no attention alerts) show `⊘`
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
from drover.tui.widgets.fleet_layout import COLUMNS, GAP, fit, layout

_STRIP_CACHE = 2_000  # rendered rows kept; far more than a screen, far less than a big fleet
_MARGIN = 10  # rows fetched beyond the viewport, so small scrolls draw without placeholders
_KEYS = tuple(column.key for column in COLUMNS)


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

    class OrderNeeded(Message):
        """Rows past the order read so far are wanted: the owner should read it up to
        `upto` rows (`extend_order`), then mark them all if `mark_all`."""

        def __init__(self, upto: int, mark_all: bool = False) -> None:
            self.upto = upto
            self.mark_all = mark_all
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
        self._total = 0
        self._rows: dict[str, SessionRow] = {}
        self._connections: Mapping[str, ConnectionState] = {}
        self._strips: dict[str, tuple[tuple[object, ...], Strip]] = {}
        # sid -> (row, now, connection, flags, can_act) and the cells they give (by identity).
        self._cells: dict[str, tuple[tuple[object, ...], tuple[str, ...], str]] = {}
        self._styles: dict[str, Style] = {}
        self._marked: dict[str, None] = {}  # insertion-ordered set
        self._muted: frozenset[str] = frozenset()
        self.can_act = True
        """False when nothing can be answered from here (read-only): reasons describe, not ask."""
        self.now: datetime = datetime.now(UTC)
        """The time ages are measured against (set by the owner from the injected clock)."""

    # -- data in (called by the owner) ---------------------------------------------------------

    @property
    def ids(self) -> Sequence[str]:
        """The current display order, as far as it has been read (see `total`)."""
        return self._ids

    @property
    def total(self) -> int:
        """Rows in the current order (read or not yet)."""
        return self._total

    @property
    def complete(self) -> bool:
        """The whole order has been read."""
        return len(self._ids) >= self._total

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
        """Marked session ids, in display order (any past the order read so far after)."""
        shown = [sid for sid in self._ids if sid in self._marked]
        if len(shown) == len(self._marked):
            return shown
        seen = set(shown)
        return shown + [sid for sid in self._marked if sid not in seen]

    def toggle_mark(self, session_id: str) -> None:
        """Mark or unmark one session."""
        if self._marked.pop(session_id, 0) == 0:
            self._marked[session_id] = None
        self._marks_changed()

    def mark_all(self) -> None:
        """Mark every row of the current order (everything the filter lets through); with
        the order not all read yet, ask the owner for the rest first."""
        if not self.complete:
            self.post_message(self.OrderNeeded(self._total, mark_all=True))
            return
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

    def set_order(
        self,
        ids: list[str],
        keep: str | None = None,
        *,
        total: int | None = None,
        marks: Sequence[str] | None = None,
    ) -> None:
        """Replace the display order, keeping the cursor on session `keep` when present.

        Args:
            ids: the order's first ids (all of it, or the pages read so far).
            keep: the session to keep the cursor on (else the cursor keeps its index).
            total: rows in the whole order (None: `ids` is all of it).
            marks: the marks that stay (None: those among `ids`, or all of them when `ids`
                is only the start of the order; the owner re-checks them on a new filter).

        Rows outside the new order are dropped from the cache so it stays window-sized.
        """
        self._ids = ids
        self._total = max(len(ids), total if total is not None else len(ids))
        wanted = set(ids)
        self._rows = {k: v for k, v in self._rows.items() if k in wanted}
        if marks is not None:
            kept = dict.fromkeys(m for m in marks if m in self._marked)
        elif self.complete:
            kept = {sid: None for sid in self._marked if sid in wanted}
        else:
            kept = self._marked
        if kept.keys() != self._marked.keys():
            self._marked = kept
            self.post_message(self.MarksChanged(len(self._marked)))
        self._strips.clear()
        index = ids.index(keep) if keep in wanted else min(self.cursor, self._total - 1)
        self.virtual_size = Size(self.size.width, self._total)
        self.set_reactive(FleetTable.cursor, max(0, index))
        self._scroll_cursor_into_view()
        self.refresh()
        self._post_window()

    def extend_order(self, ids: Sequence[str], total: int | None = None) -> None:
        """Append the next page of the order (read after the last id held)."""
        known = set(self._ids)
        self._ids.extend(sid for sid in ids if sid not in known)
        if total is not None:
            self._total = total
        self._total = max(self._total, len(self._ids))
        self.virtual_size = Size(self.size.width, self._total)
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
        return self._ids[start : self._window_end()]

    def _window_end(self) -> int:
        return int(self.scroll_offset.y) + self.size.height + _MARGIN

    # -- rendering -----------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        """Render one visible line: the row at scroll offset + y."""
        index = int(self.scroll_offset.y) + y
        width = self.scrollable_content_region.width
        base = self.rich_style
        if index >= self._total:
            return Strip.blank(width, base)
        if index >= len(self._ids):  # the order is not read this far yet
            return self._line(fit("  …", width), "fleet-table--placeholder", width)
        sid = self._ids[index]
        row = self._rows.get(sid)
        marked, muted = sid in self._marked, sid in self._muted
        flags = ("✓ " if marked else "") + ("⊘ " if muted else "")
        cells, state = self._row_cells(sid, row, flags)
        # Keyed on what is drawn: a refetched row that looks the same, a clock tick that
        # changes no age, or another row's change all reuse the strip.
        key = (cells, state, width, index == self.cursor, marked)
        cached = self._strips.get(sid)
        if cached is not None and cached[0] == key:
            return cached[1]
        strip = self._row_strip(cells, state, width, marked, index == self.cursor)
        if len(self._strips) > _STRIP_CACHE:
            self._strips.clear()
        self._strips[sid] = (key, strip)
        return strip

    def notify_style_update(self) -> None:
        """Theme or CSS changed: every cached strip is stale."""
        super().notify_style_update()
        self._strips.clear()
        self._styles.clear()

    def _style(self, name: str) -> Style:
        style = self._styles.get(name)
        if style is None:
            style = self._styles[name] = self.get_component_rich_style(name)
        return style

    def _row_cells(
        self, sid: str, row: SessionRow | None, flags: str
    ) -> tuple[tuple[str, ...], str]:
        """The row's cell texts (one per column of `COLUMNS`, or the placeholder) and badge
        state, recomputed only when the row object, clock, connection or flags change."""
        conn = self._connections.get(sid)
        inputs = (row, self.now, conn, flags, self.can_act)
        memo = self._cells.get(sid)
        if memo is not None and all(a is b for a, b in zip(memo[0], inputs, strict=True)):
            return memo[1], memo[2]
        if row is None:
            cells: tuple[str, ...] = (f"  {flags}{sid} …",)
            state = ""
        else:
            by_key = fleet_cells(row, self.now, conn, flags=flags, can_act=self.can_act)
            cells = tuple(by_key[column.key] for column in COLUMNS)
            state = fmt.visual_state(row)
        if len(self._cells) > _STRIP_CACHE:
            self._cells.clear()
        self._cells[sid] = (inputs, cells, state)
        return cells, state

    def _line(self, text: str, component: str, width: int) -> Strip:
        style = self.rich_style + self._style(component)
        return Strip([Segment(text, style)], width)

    def _row_strip(
        self, cells: tuple[str, ...], state: str, width: int, marked: bool, cursor: bool
    ) -> Strip:
        """One row as segments: each cell fitted to its column (agent text stays inert)."""
        if not state:  # not fetched yet
            return self._line(fit(cells[0], width), "fleet-table--placeholder", width)
        overlay = Style()
        if marked:
            overlay += self._style("fleet-table--marked")
        if cursor:
            overlay += self._style("fleet-table--cursor")
        base = self.rich_style
        plain = base + overlay
        by_key = dict(zip(_KEYS, cells, strict=True))
        styled = {
            "status": self._style(f"-{state}"),
            "reason": self._style("fleet-table--reason"),
            "waiting": self._style("fleet-table--reason"),
        }
        segments: list[Segment] = []
        for index, (column, size) in enumerate(layout(width)):
            if index:
                segments.append(Segment(" " * GAP, plain))
            extra = styled.get(column.key)
            style = plain if extra is None else base + extra + overlay
            segments.append(Segment(fit(by_key[column.key], size, column.right), style))
        used = sum(size for _, size in layout(width)) + GAP * max(0, len(layout(width)) - 1)
        if used < width:
            segments.append(Segment(" " * (width - used), plain))
        return Strip(segments, width).crop(0, width)

    # -- cursor and scrolling ------------------------------------------------------------------

    def watch_cursor(self, old: int, new: int) -> None:
        self._scroll_cursor_into_view()
        self.refresh()
        self.post_message(self.Highlighted(self.current_id, new))

    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, self._total - 1))

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
        self.virtual_size = Size(self.size.width, self._total)
        self._post_window()

    def _post_window(self) -> None:
        end = min(self._window_end(), self._total)
        if end > len(self._ids) or self.cursor >= len(self._ids) > 0:
            self.post_message(self.OrderNeeded(max(end, self.cursor + 1)))
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
        self.cursor = index if index >= 0 else self._total - 1
        if not self.complete:
            self._post_window()

    def action_toggle_mark(self) -> None:
        """Mark/unmark the highlighted row and move down (k9s: space marks, keeps going)."""
        if self.current_id is not None:
            self.toggle_mark(self.current_id)
            self.cursor += 1

    def action_mark_all(self) -> None:
        """Mark every row shown (all of them, or all that match the filter); again unmarks."""
        if self._ids and self.complete and len(self._marked) == len(self._ids):
            self.clear_marks()
        else:
            self.mark_all()

    def _on_click(self, event: events.Click) -> None:
        """A click highlights the row under the pointer; a double click opens it."""
        offset = event.get_content_offset(self)
        if offset is None:
            return
        index = int(self.scroll_offset.y) + offset.y
        if not 0 <= index < self._total:
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
