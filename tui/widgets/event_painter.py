"""`EventPainter`: turns `EventBlock`s into terminal lines for `EventList`, with a cache.

Each event is rendered once per (width, expanded state, colours) and kept in an LRU, so moving
the cursor or scrolling re-uses lines instead of re-rendering Markdown and JSON bodies. A
block whose content changes (a call whose result arrived) is forgotten by seq.

Inline code in Markdown takes the theme's `event-list--code` style instead of Rich's built-in
`bold cyan on black`, which on the light theme is a black box around the code.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable

from rich.cells import cell_len
from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from rich.theme import Theme
from textual.strip import Strip

from drover.tui.viewmodel.event_blocks import EventBlock

GUTTER = 2
"""Columns left of each event: the cursor mark (`▌`) or blank."""
STRIP_CACHE = 600
"""Rendered events kept (a few screens' worth)."""
ASIDE_GAP = 2
"""Columns kept between a head and its right-aligned aside."""

Colours = tuple[Style, Style, Style]
"""(the block's colour, inline code, the aside)."""


class EventPainter:
    """Renders blocks to strips and remembers them.

    Args:
        console: the app's console (rendering options and colour system).
    """

    def __init__(self, console: Console) -> None:
        self.console = console
        self._strips: OrderedDict[tuple[int, int, bool, Style, Style, Style], list[Strip]] = (
            OrderedDict()
        )

    def lines(
        self, block: EventBlock, width: int, collapsed: bool, colours: Colours
    ) -> list[Strip]:
        """The lines of `block` at `width` columns (without the gutter)."""
        # Only the colour: the widget paints its own background, and the cursor's background
        # must show through (segment styles win over a style applied under them).
        style = Style.from_color(colours[0].color)
        code, aside = colours[1], Style.from_color(colours[2].color)
        key = (block.row.seq, width, collapsed, style, code, aside)
        strips = self._strips.get(key)
        if strips is not None:
            self._strips.move_to_end(key)
            return strips
        options = self.console.options.update_width(width)
        renderable = _renderable(block, collapsed, width, aside)
        with self.console.use_theme(Theme({"markdown.code": code}, inherit=True)):
            rendered = self.console.render_lines(renderable, options, style=style)
        strips = [Strip(line, width) for line in rendered] or [Strip.blank(width)]
        self._strips[key] = strips
        if len(self._strips) > STRIP_CACHE:
            self._strips.popitem(last=False)
        return strips

    def forget(self, seqs: Iterable[int]) -> None:
        """Drop the cached lines of these events (their blocks were rebuilt)."""
        gone = set(seqs)
        if gone:
            for key in [k for k in self._strips if k[0] in gone]:
                del self._strips[key]

    @staticmethod
    def with_gutter(strip: Strip, width: int, cursor: tuple[Style, Style] | None) -> Strip:
        """Prefix the gutter; `cursor` = (gutter style, background style) on the current event."""
        if cursor is None:
            gutter = Strip.blank(GUTTER)
        else:
            gutter = Strip([Segment("▌ ", cursor[0])], GUTTER)
            strip = strip.apply_style(cursor[1])
        return Strip.join([gutter, strip]).adjust_cell_length(width)


def _head(
    block: EventBlock, prefix: str, width: int, aside: Style, bold: bool, end: str = ""
) -> Text:
    """The head line: `prefix + head`, the aside right-aligned (the head is cut to fit)."""
    head = Text(prefix + block.head, style="bold" if bold else "", end=end, no_wrap=True)
    room = width - cell_len(block.aside) - ASIDE_GAP
    if not block.aside or room < 8:  # no aside, or too narrow for both: the head wins
        if block.body is not None:  # a one-line toggle; plain lines (statuses) still wrap
            head.truncate(width, overflow="ellipsis")
        else:
            head.no_wrap = False
        return head
    head.truncate(room, overflow="ellipsis")
    head.append(" " * (width - head.cell_len - cell_len(block.aside)))
    head.append(block.aside, style=aside)
    return head


def _renderable(block: EventBlock, collapsed: bool, width: int, aside: Style) -> RenderableType:
    # Text(...) never parses markup: agent data stays literal.
    if block.body is None:
        return _head(block, "", width, aside, bold=False)
    if block.pinned_head:
        return Group(Text(block.head, style="bold"), Padding(block.body, (0, 0, 0, 2)))
    if collapsed:
        return _head(block, "▶ ", width, aside, bold=True)
    head = _head(block, "▼ ", width, aside, bold=True, end="\n")
    return Group(head, Padding(block.body, (0, 0, 0, 2)))
