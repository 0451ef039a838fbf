"""`EventFeed`: how `EventList`'s window of events is filled, kept apart from moving and drawing.

The owner hands in pages of the mirror (`show` replaces the window, `append` and `prepend`
extend it) with the rows outside them that they refer to (`related`: a tool use's result, a
result's use, a workflow run's `created` event; fetched by index on the read pool). Both feed
one `EventLinks`, so a block is built knowing its partner. When a result arrives after its
call is already on screen (a live session), the call's block is rebuilt in place: the list
scans its own window for it, never the session.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from drover.store.models import EventRow
from drover.text.tools import TOOL_RESULTS, TOOL_USES, answered_id
from drover.tui.viewmodel.event_blocks import EventBlock, EventLinks, block_for

MAX_BLOCKS = 1_500
"""Events kept in the window; the rest stays in the mirror and pages back in."""


class EventFeed:
    """Mixed into `EventList` (which owns the view state and `_place_cursor`/`_changed`)."""

    blocks: list[EventBlock]
    cursor: int
    first_seq: int | None
    last_seq: int
    has_older: bool
    has_newer: bool
    links: EventLinks
    _top: int
    _top_line: int
    _asked: set[bool]

    if TYPE_CHECKING:  # supplied by the host class; stubs here would shadow them in the MRO

        def _place_cursor(self, *, centre: bool) -> None: ...  # ScrollByEvent
        def _changed(self) -> None: ...  # EventList
        def _forget(self, seqs: Iterable[int]) -> None: ...  # EventList (the painter's cache)

    def show(
        self,
        rows: Sequence[EventRow],
        *,
        related: Sequence[EventRow] = (),
        cursor_seq: int | None = None,
        has_older: bool,
        has_newer: bool,
    ) -> None:
        """Replace the window with `rows` and put the cursor on `cursor_seq`.

        Args:
            rows: contiguous events of the view in seq order.
            related: events outside `rows` that they refer to (see the module docstring).
            cursor_seq: the event to show (the nearest shown event at or after it); None puts
                the cursor on the newest event.
            has_older: whether events exist before `rows`.
            has_newer: whether events exist after `rows`.
        """
        self.links.clear()
        self.links.add(related)
        self.links.add(rows)
        self._forget(block.row.seq for block in self.blocks)
        self.blocks = self._blocks(rows)
        self.first_seq = rows[0].seq if rows else None
        self.last_seq = rows[-1].seq if rows else 0
        self.has_older, self.has_newer = has_older, has_newer
        self._asked.clear()
        if cursor_seq is None:
            self.cursor = len(self.blocks) - 1
        else:
            self.cursor = self._index_at(cursor_seq)
        # The view starts at the cursor: placing it from the window's first event measured
        # (rendered) a screenful of events above it that the tail view never shows.
        self._top, self._top_line = max(0, self.cursor), 0
        self._place_cursor(centre=cursor_seq is not None)

    def append(
        self, rows: Sequence[EventRow], *, related: Sequence[EventRow] = (), has_newer: bool = False
    ) -> None:
        """Add newer events after the window (the view moves only while following)."""
        self._asked.discard(False)
        rows = [r for r in rows if r.seq > self.last_seq]
        self.has_newer = has_newer
        answered = self.links.add(related) | self.links.add(rows)
        if answered:  # a call on screen got its result: its line shows the outcome now
            self._rebuild(lambda block: block.row.id in answered)
        if not rows:
            self._changed()
            return
        follow = self.cursor == len(self.blocks) - 1
        if self.first_seq is None:
            self.first_seq = rows[0].seq
        self.last_seq = rows[-1].seq
        self.blocks.extend(self._blocks(rows))
        if follow and not has_newer:
            self.cursor = len(self.blocks) - 1
        overflow = len(self.blocks) - MAX_BLOCKS
        if overflow > 0 and self.cursor - overflow >= 0:
            self._drop_front(overflow)
        if self.following:
            self._place_cursor(centre=False)
        else:  # the user is reading further up: the view stays exactly where it is
            self._changed()

    def prepend(
        self, rows: Sequence[EventRow], *, related: Sequence[EventRow] = (), has_older: bool
    ) -> None:
        """Add older events before the window, keeping the view where it was."""
        self._asked.discard(True)
        rows = [r for r in rows if self.first_seq is None or r.seq < self.first_seq]
        self.has_older = has_older
        self.links.add(related)
        self.links.add(rows)
        if rows:
            # Results already shown whose call just came into view now name it.
            uses = {row.id for row in rows if row.type in TOOL_USES}
            if uses:
                self._rebuild(
                    lambda b: b.row.type in TOOL_RESULTS and answered_id(b.row.event) in uses
                )
            added = self._blocks(rows)
            self.first_seq = rows[0].seq
            self.blocks[:0] = added
            self.cursor += len(added)
            self._top += len(added)
            overflow = len(self.blocks) - MAX_BLOCKS
            if overflow > 0 and self.cursor < len(self.blocks) - overflow:
                del self.blocks[-overflow:]
                self.last_seq = self.blocks[-1].row.seq
                self.has_newer = True
        self._changed()

    @property
    def following(self) -> bool:
        """True while the cursor is on the session's newest event (new events move it on)."""
        return not self.has_newer and (not self.blocks or self.cursor == len(self.blocks) - 1)

    def _blocks(self, rows: Sequence[EventRow]) -> list[EventBlock]:
        blocks = (block_for(row, self.links) for row in rows)
        return [b for b in blocks if b is not None]

    def _rebuild(self, wanted: Callable[[EventBlock], bool]) -> None:
        """Rebuild the window's blocks for which `wanted(block)` holds."""
        for index in range(len(self.blocks) - 1, -1, -1):
            block = self.blocks[index]
            if wanted(block):
                fresh = block_for(block.row, self.links)
                if fresh is not None:
                    self.blocks[index] = fresh
                    self._forget([block.row.seq])

    def _drop_front(self, count: int) -> None:
        del self.blocks[:count]
        self.cursor -= count
        self._top = max(0, self._top - count)
        self.first_seq = self.blocks[0].row.seq
        self.has_older = True

    def _index_at(self, seq: int) -> int:
        for index, block in enumerate(self.blocks):
            if block.row.seq >= seq:
                return index
        return len(self.blocks) - 1
