"""`Timeline`: replay's scrubber — a bar over the run's time with markers and a playhead.

Line 1 is the playhead (`▼` over the current event's time). Line 2 is the bar: each cell is a
slice of the run's time showing its most important marker (see `drover.store.replay`): `✖`
error, `?` approval, `■` interrupt, `⑂` thread activity, `◆` workflow run (start, phase, end),
`≋` context compacted, `$` cost step, `•` tool call, `─` nothing. Line 3 has the start, current
and end times and the playback state. A click on the bar seeks to that time.
"""

from __future__ import annotations

from datetime import datetime

from textual import events
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from drover.store.replay import Marker

GLYPHS = {
    "error": ("✖", "$session-error"),
    "approval": ("?", "$session-needs-you"),
    "interrupt": ("■", "$session-needs-you"),
    "thread": ("⑂", "$accent"),
    "workflow": ("◆", "$session-running"),
    "compaction": ("≋", "$text-muted"),
    "outcome": ("◎", "$session-running"),
    "rule": ("⚖", "$accent"),
    "cost": ("$", "$text-muted"),
    "tool": ("•", "$foreground"),
}
LEGEND = "✖ error  ? approval  ■ interrupt  ⑂ thread  ◆ workflow  ≋ compacted  $ cost  • tool"
NARROW_LEGEND = LEGEND.replace("  ", " ")
"""The legend for an 80-column terminal (76 characters)."""
EXTRA_LEGEND = {"outcome": "◎ outcome", "rule": "⚖ by rule"}
"""Legend words for the kinds a lane rarely has, shown (first) only when it has them."""


def legend(kinds: set[str], width: int) -> str:
    """The legend line for a bar showing `kinds`, the widest that fits `width`."""
    extra = [words for kind, words in EXTRA_LEGEND.items() if kind in kinds]
    for base, gap in ((LEGEND, "  "), (NARROW_LEGEND, " ")):
        line = gap.join([*extra, base])
        if len(line) <= width:
            return line
    return " ".join([*extra, NARROW_LEGEND])


class Timeline(Widget):
    """The scrubber bar of a replay."""

    DEFAULT_CSS = """
    Timeline { height: 4; background: $surface; padding: 0 1; }
    """

    start: reactive[datetime | None] = reactive(None)
    end: reactive[datetime | None] = reactive(None)
    position: reactive[datetime | None] = reactive(None)
    markers: reactive[tuple[Marker, ...]] = reactive(())
    status: reactive[str] = reactive("")
    """Playback state and counts, shown on the last line (`⏸ paused · 1×`)."""

    class Seek(Message):
        """The user clicked the bar: go to this time."""

        def __init__(self, when: datetime) -> None:
            self.when = when
            super().__init__()

    @property
    def cells(self) -> int:
        """How many time slices the bar has (one per column)."""
        return max(1, self.size.width)

    def cell_of(self, when: datetime | None) -> int | None:
        """The bar column of a time (None without a span)."""
        if when is None or self.start is None or self.end is None:
            return None
        total = (self.end - self.start).total_seconds()
        if total <= 0:
            return 0
        share = (when - self.start).total_seconds() / total
        return max(0, min(self.cells - 1, int(share * self.cells)))

    def time_of(self, cell: int) -> datetime | None:
        """The start time of a bar column."""
        if self.start is None or self.end is None:
            return None
        return self.start + (self.end - self.start) * (cell / self.cells)

    def render(self) -> Content:
        width = self.cells
        if self.start is None:
            return Content.assemble(("no timed events in this lane", "$text-muted"))
        head = self.cell_of(self.position)
        playhead = " " * (head or 0) + "▼" if head is not None else ""
        by_cell = {m.cell: m for m in self.markers}
        bar: list[str | tuple[str, str]] = []
        for cell in range(width):
            marker = by_cell.get(cell)
            glyph, style = GLYPHS[marker.kind] if marker else ("─", "$text-muted")
            if cell == head:
                style = f"{style} reverse"
            bar.append((glyph, style))
        left, right = _clock(self.start), _clock(self.end)
        middle = f"{_clock(self.position)} · {self.status}" if self.position else self.status
        gap = max(1, width - len(left) - len(right) - len(middle))
        labels = f"{left}{' ' * (gap // 2)}{middle}{' ' * (gap - gap // 2)}{right}"
        return Content.assemble(
            (playhead, "$accent"), "\n", *bar, "\n", (labels, "$text-muted"), "\n",
            (legend({m.kind for m in self.markers}, width), "$text-muted italic"),
        )  # fmt: skip

    def on_click(self, event: events.Click) -> None:
        if event.y == 1:
            when = self.time_of(event.x - self.gutter.left)
            if when is not None:
                self.post_message(self.Seek(when))


def _clock(when: datetime | None) -> str:
    """`2026-05-12 14:05:09` (UTC), or '-'."""
    if when is None:
        return "-"
    return when.strftime("%Y-%m-%d %H:%M:%S")
