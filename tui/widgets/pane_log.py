"""`PaneLog`: a capped, line-API log of `(text, kind)` lines that follows its tail.

Like Textual's `Log` (one `write_lines` per batch, lines rendered on demand, so thousands of
lines cost nothing until they are on screen) but each line carries a kind that colours it
through a component class (`pane-log--agent`, `pane-log--error` …), lines are cropped to the
width instead of scrolling sideways, and no worker is started per write. It keeps the newest
`max_lines`; older history stays in SQLite.

Tail following uses Textual's anchor: the view stays at the bottom until the user scrolls up,
and from then on writes never move what they are reading, even when the cap drops lines from
the top (the view is shifted by the number dropped). Scrolling back to the end re-anchors.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

KINDS = ("user", "agent", "tool", "dim", "error", "running", "idle", "needs-you", "terminated")
"""Line kinds a `PaneLog` styles (see `drover.tui.viewmodel.pane_lines`)."""


class PaneLog(ScrollView, can_focus=True):
    """The event lines of one live pane.

    Args:
        max_lines: the newest lines kept.
        id: the widget id.
    """

    DEFAULT_CSS = """
    PaneLog { height: 1fr; overflow-x: hidden; overflow-y: scroll; scrollbar-size-vertical: 1; }
    PaneLog > .pane-log--user { color: $accent; }
    PaneLog > .pane-log--agent { color: $foreground; }
    PaneLog > .pane-log--tool { color: $secondary; }
    PaneLog > .pane-log--dim { color: $text-muted; }
    PaneLog > .pane-log--error { color: $session-error; }
    PaneLog > .pane-log--running { color: $session-running; }
    PaneLog > .pane-log--idle { color: $session-idle; }
    PaneLog > .pane-log--needs-you { color: $session-needs-you; }
    PaneLog > .pane-log--terminated { color: $session-terminated; }
    """

    COMPONENT_CLASSES = {f"pane-log--{kind}" for kind in KINDS}  # noqa: RUF012

    BINDINGS = [Binding("G", "follow", "Follow tail", show=False, id="pane.follow")]  # noqa: RUF012

    def __init__(self, max_lines: int = 3_000, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._lines: deque[tuple[str, str]] = deque(maxlen=max_lines)
        self._styles: dict[str, Style] = {}

    @property
    def max_lines(self) -> int:
        """The newest lines kept (setting it drops the oldest beyond the new cap)."""
        return self._lines.maxlen or 0

    @max_lines.setter
    def max_lines(self, value: int) -> None:
        self._lines = deque(self._lines, maxlen=value)
        self._set_height(len(self._lines))

    def on_mount(self) -> None:
        self.anchor()

    @property
    def lines(self) -> list[tuple[str, str]]:
        """A copy of the lines held, oldest first."""
        return list(self._lines)

    @property
    def line_count(self) -> int:
        """Lines held (at most `max_lines`)."""
        return len(self._lines)

    @property
    def following(self) -> bool:
        """True while the view follows the tail (not scrolled away by the user)."""
        return self._anchored and not self._anchor_released

    def write_lines(self, lines: Sequence[tuple[str, str]]) -> None:
        """Append a batch of lines with one refresh (the view moves only while following)."""
        if not lines:
            return
        dropped = max(0, len(self._lines) + len(lines) - self.max_lines)
        self._lines.extend(lines)
        self._set_height(len(self._lines))
        if self.following:
            self.scroll_end(animate=False, immediate=True, x_axis=False)
        elif dropped:
            # Keep the lines being read where they are on screen (the anchor stays released).
            self.scroll_to(y=max(0, self.scroll_y - dropped), animate=False, immediate=True)
        self.refresh()

    def clear(self) -> None:
        """Drop every line and follow the tail again."""
        self._lines.clear()
        self._set_height(0)
        self.anchor()
        self.refresh()

    def _set_height(self, height: int) -> None:
        # `virtual_size` is a layout reactive: assigning it re-lays out the whole screen, on
        # every batch of every pane. Nothing's size depends on it here (height 1fr, scrollbar
        # always shown), so set it quietly and update only the scrollbar and the scroll range.
        size = Size(0, height)
        self.set_reactive(PaneLog.virtual_size, size)
        self._scroll_update(size)

    def action_follow(self) -> None:
        """Jump to the newest line and follow again."""
        self.anchor()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()  # theme or class change: recompute the per-kind styles

    def _style(self, kind: str) -> Style:
        style = self._styles.get(kind)
        if style is None:
            # Not partial: the full style blends translucent colours ($text-muted) over the
            # pane's background, which a partial style cannot.
            try:
                style = self.get_component_rich_style(f"pane-log--{kind}")
            except KeyError:
                style = self.rich_style
            self._styles[kind] = style
        return style

    def render_line(self, y: int) -> Strip:
        index = self.scroll_offset.y + y
        width = self.scrollable_content_region.width
        if index >= len(self._lines):
            return Strip.blank(width, self.rich_style)
        text, kind = self._lines[index]
        style = self._style(kind)
        return Strip([Segment(text, style)]).crop_extend(0, width, style)
