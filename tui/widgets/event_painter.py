"""`EventPainter`: turns `EventBlock`s into terminal lines for `EventList`, with a cache.

Each event is rendered once per (width, expanded state, colour) and kept in an LRU, so moving
the cursor or scrolling re-uses lines instead of re-rendering Markdown and JSON bodies.
"""

from __future__ import annotations

from collections import OrderedDict

from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip

from drover.tui.viewmodel.event_blocks import EventBlock

GUTTER = 2
"""Columns left of each event: the cursor mark (`▌`) or blank."""
STRIP_CACHE = 600
"""Rendered events kept (a few screens' worth)."""


class EventPainter:
    """Renders blocks to strips and remembers them.

    Args:
        console: the app's console (rendering options and colour system).
    """

    def __init__(self, console: Console) -> None:
        self.console = console
        self._strips: OrderedDict[tuple[int, int, bool, Style], list[Strip]] = OrderedDict()

    def lines(self, block: EventBlock, width: int, collapsed: bool, colour: Style) -> list[Strip]:
        """The lines of `block` at `width` columns (without the gutter)."""
        # Only the colour: the widget paints its own background, and the cursor's background
        # must show through (segment styles win over a style applied under them).
        style = Style.from_color(colour.color)
        key = (block.row.seq, width, collapsed, style)
        strips = self._strips.get(key)
        if strips is not None:
            self._strips.move_to_end(key)
            return strips
        options = self.console.options.update_width(width)
        rendered = self.console.render_lines(_renderable(block, collapsed), options, style=style)
        strips = [Strip(line, width) for line in rendered] or [Strip.blank(width)]
        self._strips[key] = strips
        if len(self._strips) > STRIP_CACHE:
            self._strips.popitem(last=False)
        return strips

    @staticmethod
    def with_gutter(strip: Strip, width: int, cursor: tuple[Style, Style] | None) -> Strip:
        """Prefix the gutter; `cursor` = (gutter style, background style) on the current event."""
        if cursor is None:
            gutter = Strip.blank(GUTTER)
        else:
            gutter = Strip([Segment("▌ ", cursor[0])], GUTTER)
            strip = strip.apply_style(cursor[1])
        return Strip.join([gutter, strip]).adjust_cell_length(width)


def _renderable(block: EventBlock, collapsed: bool) -> RenderableType:
    # Text(...) never parses markup: agent data stays literal.
    if block.body is None:
        return Text(block.head, end="")
    if block.pinned_head:
        return Group(Text(block.head, style="bold"), Padding(block.body, (0, 0, 0, 2)))
    if collapsed:
        return Text("▶ " + block.head, style="bold", end="")
    return Group(Text("▼ " + block.head, style="bold"), Padding(block.body, (0, 0, 0, 2)))
