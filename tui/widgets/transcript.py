"""`Transcript`: a scrolling pane of transcript items that follows the tail.

It holds a contiguous window `[first_seq, last_seq]` of the session's primary stream. Newer
events are appended as they are mirrored; `anchor()` keeps the view at the bottom until the
user scrolls up, after which appends never move the view. Older pages are prepended on demand
with the view pinned to the item that was on top. The pane keeps at most `MAX_ITEMS` widgets:
while following the tail the oldest are dropped (they stay in the mirror and page back in).
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from drover.store.models import EventRow
from drover.tui.widgets.transcript_items import TranscriptItem, make_item

MAX_ITEMS = 1_500


class Transcript(VerticalScroll):
    """The event list of one session."""

    DEFAULT_CSS = """
    Transcript { height: 1fr; }
    Transcript > #older { color: $text-muted; text-align: center; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.first_seq: int | None = None
        """Seq of the oldest event loaded (None until the first page)."""
        self.last_seq: int = 0
        """Seq of the newest event loaded."""
        self.has_older = False
        """Whether the mirror holds events before `first_seq`."""

    def compose(self):
        yield Static(Content(""), id="older")

    @property
    def following(self) -> bool:
        """True while the pane follows the tail (anchored and not scrolled away by the user)."""
        return self._anchored and not self._anchor_released

    def _set_older_marker(self) -> None:
        marker = self.query_one("#older", Static)
        text = "── older events: press [ to load ──" if self.has_older else "── start of session ──"
        marker.update(Content(text))

    async def show_tail(self, rows: Sequence[EventRow], page: int) -> None:
        """Show the first (newest) page and start following the tail."""
        await self.remove_children(TranscriptItem)
        self.first_seq = rows[0].seq if rows else None
        self.last_seq = rows[-1].seq if rows else 0
        self.has_older = len(rows) >= page
        widgets = self._items(rows)
        # Every item is at least one line tall, so the newest `height` items fill the view:
        # paint those first and mount the rest of the page (above them) after the first frame.
        # Styling each widget is what costs on open, not reading the rows.
        split = max(0, len(widgets) - max(self.app.size.height // 2, 1))
        if widgets[split:]:
            await self.mount_all(widgets[split:])
        self._set_older_marker()
        self.anchor()
        if split:
            self.call_after_refresh(self._mount_above, widgets[:split], widgets[split])

    async def append(self, rows: Sequence[EventRow]) -> None:
        """Add newer events at the bottom (the view moves only while following)."""
        rows = [r for r in rows if r.seq > self.last_seq]
        if not rows:
            return
        if self.first_seq is None:
            self.first_seq = rows[0].seq
        self.last_seq = rows[-1].seq
        await self._mount_rows(rows)
        items = list(self.query_children(TranscriptItem))
        if self.following and len(items) > MAX_ITEMS:
            drop = items[: len(items) - MAX_ITEMS]
            await self.remove_children(drop)
            self.first_seq = items[len(drop)].row.seq
            self.has_older = True
            self._set_older_marker()

    async def prepend(self, rows: Sequence[EventRow], page: int) -> None:
        """Add an older page at the top, keeping the item that was on top in view."""
        rows = [r for r in rows if self.first_seq is None or r.seq < self.first_seq]
        self.has_older = len(rows) >= page
        if rows:
            self.first_seq = rows[0].seq
            anchor_item = next(iter(self.query_children(TranscriptItem)), None)
            await self.mount_all(self._items(rows), after="#older")
            if anchor_item is not None:
                self.call_after_refresh(self.scroll_to_widget, anchor_item, top=True, animate=False)
        self._set_older_marker()

    async def _mount_above(self, widgets: list[TranscriptItem], first: TranscriptItem) -> None:
        if first.is_attached:  # a new tail may have replaced this page meanwhile
            await self.mount_all(widgets, before=first)

    @staticmethod
    def _items(rows: Sequence[EventRow]) -> list[TranscriptItem]:
        return [w for w in (make_item(r) for r in rows) if w is not None]

    async def _mount_rows(self, rows: Sequence[EventRow]) -> None:
        widgets = self._items(rows)
        if widgets:
            await self.mount_all(widgets)
