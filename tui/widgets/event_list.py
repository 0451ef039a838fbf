"""`EventList`: one virtual widget drawing a session's events, for the live view and replay.

It holds a contiguous window of the mirror (`first_seq`..`last_seq`, at most `MAX_BLOCKS`
shown events) and draws only the lines on screen (`EventPainter` caches rendered events), so
opening or seeking in a 100k-event session costs one page read and one screenful of rendering.
There is no widget per event: mounting ~100 of them per page made the old transcript slow (P4).

A cursor marks the current event (up/down step, enter expands, `r` raw JSON, `v` the whole
text) and the view scrolls to keep it on screen (`ScrollByEvent`). The owner feeds pages: the
list posts `NeedMore` near a window edge that is not the session's edge, and `EdgeRequested`
for home/end outside the window. With the cursor on the newest event of a window that ends at
the session's tail, the list follows the tail.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Self

from rich.segment import Segment
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from drover.store.models import EventRow
from drover.tui.viewmodel.event_blocks import EventBlock, EventLinks
from drover.tui.widgets.event_feed import MAX_BLOCKS, EventFeed
from drover.tui.widgets.event_painter import GUTTER, EventPainter
from drover.tui.widgets.event_scroll import ScrollByEvent

__all__ = ["EDGE", "MAX_BLOCKS", "EventList"]

EDGE = 12
"""Ask for the next page when the cursor or the view comes this close to a window edge."""
_KINDS = ("user", "agent", "dim", "error", "running", "idle", "needs-you", "terminated")


class EventList(EventFeed, ScrollByEvent, Widget, can_focus=True):
    """A window of one session's events with a cursor."""

    _frame: list[tuple[int, int]] | None = None  # each screen line's (block, line), per paint
    _frame_size: Size | None = None

    COMPONENT_CLASSES = {  # noqa: RUF012
        *(f"event-list--{kind}" for kind in _KINDS),
        "event-list--cursor",
        "event-list--gutter",
        "event-list--edge",
        "event-list--code",
        "event-list--aside",
    }

    DEFAULT_CSS = """
    EventList { height: 1fr; padding: 0 1 0 0; }
    EventList > .event-list--user { color: $accent; }
    EventList > .event-list--agent { color: $foreground; }
    EventList > .event-list--dim { color: $text-muted; }
    EventList > .event-list--error { color: $session-error; }
    EventList > .event-list--running { color: $session-running; }
    EventList > .event-list--idle { color: $session-idle; }
    EventList > .event-list--needs-you { color: $session-needs-you; }
    EventList > .event-list--terminated { color: $session-terminated; }
    EventList > .event-list--cursor { background: $boost; }
    EventList > .event-list--gutter { color: $accent; }
    EventList > .event-list--edge { color: $text-muted; text-style: italic; }
    EventList > .event-list--code { color: $accent; background: $boost; }
    EventList > .event-list--aside { color: $text-muted; }
    """

    BINDINGS = [  # noqa: RUF012
        Binding("up,k", "step(-1)", "Previous event", show=False),
        Binding("down,j", "step(1)", "Next event", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "edge(False)", "First event", show=False),
        Binding("end", "edge(True)", "Last event", show=False),
        Binding("enter", "toggle", "Expand/collapse", show=False),
        Binding("r", "view(True)", "Raw JSON"),
        Binding("v", "view(False)", "View whole"),
    ]

    class NeedMore(Message):
        """The cursor nears a window edge with more events beyond it in the mirror."""

        def __init__(self, older: bool) -> None:
            self.older = older
            super().__init__()

    class EdgeRequested(Message):
        """Home/end asked for the session's first/last event, which is outside the window."""

        def __init__(self, newest: bool) -> None:
            self.newest = newest
            super().__init__()

    class CursorMoved(Message):
        """The current event changed."""

        def __init__(self, row: EventRow) -> None:
            self.row = row
            super().__init__()

    class ViewRequested(Message):
        """Show an event whole: its raw JSON (`raw`) or its full text content."""

        def __init__(self, event_id: str, raw: bool) -> None:
            self.event_id = event_id
            self.raw = raw
            super().__init__()

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.reset()

    def reset(self) -> None:
        """Empty the window and forget everything about the session shown (the session screen
        is reused for the next session: seqs, expanded events and cached lines are per
        session)."""
        self.blocks: list[EventBlock] = []
        self.cursor = -1
        """Index in `blocks` of the current event (-1 when empty)."""
        self.first_seq: int | None = None
        """Seq of the oldest event in the window, shown or not (None while empty)."""
        self.last_seq = 0
        """Seq of the newest event in the window."""
        self.has_older = False
        """Whether the mirror holds events of this view before the window."""
        self.has_newer = False
        """Whether the mirror holds events of this view after the window."""
        self._top = 0  # first block on screen …
        self._top_line = 0  # … and its first line on screen
        self._expanded: dict[int, bool] = {}  # seq -> collapsed override
        self._painter: EventPainter | None = None
        self._asked: set[bool] = set()  # NeedMore directions asked and not yet answered
        self._reported_seq: int | None = None
        self.empty_text = "no events yet"
        self.links = EventLinks()
        """Tool uses, results and workflow runs the window knows (pairs calls and results)."""
        self._frame = None
        if self.is_mounted:
            self.refresh()

    # -- feeding ---------------------------------------------------------------------------

    @property
    def current(self) -> EventRow | None:
        """The event under the cursor."""
        return self.blocks[self.cursor].row if self.blocks else None

    # -- moving ----------------------------------------------------------------------------

    def go_to(self, seq: int) -> bool:
        """Put the cursor on the event at (or just after) `seq` if it is in the window."""
        if not self.blocks or self.first_seq is None or not self.first_seq <= seq <= self.last_seq:
            return False
        self.cursor = self._index_at(seq)
        self._place_cursor(centre=True)
        return True

    def action_step(self, delta: int) -> None:
        """Move the cursor by `delta` events."""
        if self.blocks:
            self.cursor = max(0, min(len(self.blocks) - 1, self.cursor + delta))
            self._place_cursor(centre=False)

    def action_page(self, direction: int) -> None:
        """Move the view and the cursor by a screenful."""
        if not self.blocks:
            return
        self._scroll(direction * max(1, self.size.height - 2))
        on_screen = self._on_screen()
        if on_screen:
            self.cursor = on_screen[-1] if direction > 0 else on_screen[0]
        self._changed()

    def action_edge(self, newest: bool) -> None:
        """Go to the first or last event of the session."""
        if (self.has_newer if newest else self.has_older) or not self.blocks:
            self.post_message(self.EdgeRequested(newest))
            return
        self.cursor = len(self.blocks) - 1 if newest else 0
        self._place_cursor(centre=False)

    def action_toggle(self) -> None:
        """Show or hide the body of the current event."""
        if not self.blocks:
            return
        block = self.blocks[self.cursor]
        if block.body is not None and not block.pinned_head:
            seq = block.row.seq
            self._expanded[seq] = not self._collapsed(block)
            self._place_cursor(centre=False)

    def action_view(self, raw: bool) -> None:
        """Ask the screen to show the current event whole (raw JSON or full text)."""
        if self.blocks:
            self.post_message(self.ViewRequested(self.blocks[self.cursor].row.id, raw))

    def _on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        event.stop()
        self._scroll(3)
        self._clamp_cursor()

    def _on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        event.stop()
        self._scroll(-3)
        self._clamp_cursor()

    def on_click(self, event: events.Click) -> None:
        frame = self._frame_lines()
        if 0 <= event.y < len(frame):
            index = frame[event.y][0]
            if index == self.cursor:
                self.action_toggle()
            else:
                self.cursor = index
                self._place_cursor(centre=False)

    # -- layout ----------------------------------------------------------------------------

    def _collapsed(self, block: EventBlock) -> bool:
        return self._expanded.get(block.row.seq, block.collapsed)

    def _height(self, index: int) -> int:
        return len(self._lines(index))

    def _clamp_cursor(self) -> None:
        on_screen = self._on_screen()
        if on_screen and self.cursor not in on_screen:
            self.cursor = on_screen[0] if self.cursor < on_screen[0] else on_screen[-1]
        self._changed()

    def _changed(self) -> None:
        self.refresh()
        if not self.blocks:
            return
        if self._top < EDGE and self.has_older and True not in self._asked:
            self._asked.add(True)
            self.post_message(self.NeedMore(older=True))
        near_end = max(self.cursor, self._top) > len(self.blocks) - EDGE
        if near_end and self.has_newer and False not in self._asked:
            self._asked.add(False)
            self.post_message(self.NeedMore(older=False))
        row = self.blocks[self.cursor].row
        if row.seq != self._reported_seq:
            self._reported_seq = row.seq
            self.post_message(self.CursorMoved(row))

    # -- drawing ---------------------------------------------------------------------------

    @property
    def painter(self) -> EventPainter:
        """Renders and caches event lines (made on first use: it needs the app's console)."""
        if self._painter is None:
            self._painter = EventPainter(self.app.console)
        return self._painter

    def _forget(self, seqs: Iterable[int]) -> None:
        if self._painter is not None:
            self._painter.forget(seqs)

    def _lines(self, index: int) -> list[Strip]:
        """The rendered lines of block `index` at the current width."""
        block = self.blocks[index]
        style = self.get_component_rich_style
        colours = (
            style(f"event-list--{block.kind or 'agent'}"),
            style("event-list--code"),
            style("event-list--aside"),
        )
        width = max(1, self.size.width - GUTTER)
        return self.painter.lines(block, width, self._collapsed(block), colours)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if not self.blocks:
            if y == 0:
                edge = self.get_component_rich_style("event-list--edge")
                strip = Strip([Segment(self.empty_text, edge)]).adjust_cell_length(width)
                return strip.apply_style(self.rich_style)
            return Strip.blank(width, self.rich_style)
        if self._frame is None or self._frame_size != self.size:
            # Once per paint, not once per line: walking the view from its top event for every
            # line cost a session's first screen tens of milliseconds (issue 13).
            self._frame, self._frame_size = self._frame_lines(), self.size
        if y < len(self._frame):
            index, line = self._frame[y]
            return self._draw(index, line, width)
        return Strip.blank(width, self.rich_style)

    def refresh(
        self, *regions: Region, repaint: bool = True, layout: bool = False, recompose: bool = False
    ) -> Self:
        # Anything that changes what the view shows asks for a repaint: walk it again then.
        self._frame = None
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    def _draw(self, index: int, line: int, width: int) -> Strip:
        cursor = None
        if index == self.cursor:
            cursor = (
                self.get_component_rich_style("event-list--gutter"),
                self.get_component_rich_style("event-list--cursor"),
            )
        strip = self.painter.with_gutter(self._lines(index)[line], width, cursor)
        # Line-API widgets paint their own base style (background, default colour).
        return strip.apply_style(self.rich_style)

    def on_resize(self) -> None:
        if self.blocks:
            self._place_cursor(centre=False)
