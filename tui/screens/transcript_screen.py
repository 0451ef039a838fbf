"""`TranscriptScreen`: what the live session view and replay share.

Both show one session's events in an `EventList` fed from the mirror by keyset pages, with
lanes for multi-agent sessions (`ThreadBar`: the primary stream by default, `t` switches to
each child thread's own stream in turn; see `drover.tui.widgets.thread_bar` for why lanes are
switched rather than shown side by side). Subclasses compose the screen and decide where the
first window opens (the tail for the live view, a chosen event for replay).

Each page comes with the few rows outside it that it refers to (`MirrorReader.linked_events`:
a call's result, a result's call, a workflow run's plan), read by index on the read pool, so a
tool call shows its duration and outcome wherever the window starts. The escape hatches live
here too (`TranscriptEscapes`): copy an id, an event or the transcript in `$PAGER`.
"""

from __future__ import annotations

from typing import Any

from textual import on, work

from drover.store.api import MirrorReads
from drover.store.models import EventRow, SessionRow, ThreadRow
from drover.tui.screens.base import DroverScreen
from drover.tui.screens.transcript_escapes import TranscriptEscapes
from drover.tui.screens.viewer import ViewerScreen
from drover.tui.widgets.event_list import EventList
from drover.tui.widgets.session_header import SessionHeader
from drover.tui.widgets.thread_bar import ThreadBar, child_threads, lanes

PAGE = 100
"""Events per keyset page (reading is cheap; only what is on screen gets rendered)."""


Page = tuple[list[EventRow], list[EventRow]]
"""A page of rows, and the rows outside it that they refer to."""


class TranscriptScreen(TranscriptEscapes, DroverScreen):
    """A session's events, paged from the mirror.

    Args:
        session_id: the session to show.
    """

    BINDINGS = [*TranscriptEscapes.ESCAPE_BINDINGS]  # noqa: RUF012  (subclasses add theirs)

    def __init__(self, session_id: str) -> None:
        super().__init__()
        self.session_id = session_id
        self._row: SessionRow | None = None
        self.lane: str | None = None
        """The thread whose stream the list shows (None = the primary)."""

    @property
    def events(self) -> EventList:
        """The event list."""
        return self.query_one(EventList)

    def _reader(self) -> MirrorReads | None:
        return self.drover.reader

    def _page(self, **bounds: Any) -> list[EventRow]:
        """One keyset page of the lane shown (runs on the read pool)."""
        reader = self._reader()
        if reader is None:
            return []
        return reader.transcript(self.session_id, thread=self.lane, **bounds)

    def _linked(self, rows: list[EventRow]) -> list[EventRow]:
        """The rows outside `rows` they refer to (runs on the read pool; index probes only)."""
        reader = self._reader()
        return reader.linked_events(self.session_id, rows) if reader is not None and rows else []

    def page_linked(self, **bounds: Any) -> Page:
        """One keyset page and its linked rows (runs on the read pool)."""
        rows = self._page(**bounds)
        return rows, self._linked(rows)

    def _window(self, at_seq: int | None) -> tuple[Page, bool, bool]:
        """The rows around `at_seq` (None = the tail), and whether more exist each side."""
        if at_seq is None:
            rows = self._page(limit=PAGE)
            return (rows, self._linked(rows)), len(rows) >= PAGE, False
        before = self._page(before_seq=at_seq, limit=PAGE // 2)
        after = self._page(after_seq=at_seq - 1, limit=PAGE)
        rows = before + after
        return (rows, self._linked(rows)), len(before) >= PAGE // 2, len(after) >= PAGE

    def _threads(self) -> list[ThreadRow]:
        reader = self._reader()
        return reader.threads(self.session_id) if reader is not None else []

    async def open_at(self, at_seq: int | None) -> None:
        """Show the window around `at_seq` (None = the newest events) with the cursor on it."""
        (rows, related), older, newer = await self.drover.reads.run(self._window, at_seq)
        self.events.show(rows, related=related, cursor_seq=at_seq, has_older=older, has_newer=newer)

    async def _load_header(self) -> None:
        reader = self._reader()
        if reader is not None:
            row = await self.drover.reads.run(reader.session, self.session_id)
            self._show_row(row)
            if row is not None and row.id_collisions:
                found = await self.drover.reads.run(reader.id_collisions, self.session_id)
                others = tuple(sorted({c.stored_session_id for c in found}))
                self.query_one(SessionHeader).collided_with = others

    def _show_row(self, row: SessionRow | None) -> None:
        self._row = row
        self.query_one(SessionHeader).row = row

    async def _load_threads(self) -> None:
        threads = await self.drover.reads.run(self._threads)
        self.query_one(ThreadBar).threads = child_threads(threads)

    @on(EventList.NeedMore)
    def _need_more(self, message: EventList.NeedMore) -> None:
        if message.older:
            self._load_older()
        else:
            self._load_next()

    @work(exclusive=True, group="transcript-older", exit_on_error=False)
    async def _load_older(self) -> None:
        first = self.events.first_seq
        if first is None:
            return
        rows, related = await self.drover.reads.run(self.page_linked, before_seq=first, limit=PAGE)
        self.events.prepend(rows, related=related, has_older=len(rows) >= PAGE)

    @work(exclusive=True, group="transcript-newer", exit_on_error=False)
    async def _load_next(self) -> None:
        rows, related = await self.drover.reads.run(
            self.page_linked, after_seq=self.events.last_seq, limit=PAGE
        )
        self.events.append(rows, related=related, has_newer=len(rows) >= PAGE)

    @on(EventList.EdgeRequested)
    def _edge(self, message: EventList.EdgeRequested) -> None:
        self._open_edge(message.newest)

    @work(exclusive=True, group="transcript-jump", exit_on_error=False)
    async def _open_edge(self, newest: bool) -> None:
        await self.open_at(None if newest else 1)

    @on(EventList.ViewRequested)
    def _view(self, message: EventList.ViewRequested) -> None:
        self.app.push_screen(ViewerScreen(message.event_id, raw=message.raw))

    def action_next_lane(self) -> None:
        """Show the next thread's stream (the primary, then each child thread, round again)."""
        keys = lanes(self.query_one(ThreadBar).threads)
        if len(keys) < 2:
            self.notify("This session has one thread.")
            return
        index = keys.index(self.lane) if self.lane in keys else 0
        self.show_lane(keys[(index + 1) % len(keys)])

    def show_lane(self, lane: str | None) -> None:
        """Switch the list to `lane` (a thread id, or None for the primary)."""
        self.lane = lane
        self.query_one(ThreadBar).selected = lane
        self.lane_changed()

    def lane_changed(self) -> None:
        """Reload for the new lane (subclasses choose where the new window opens)."""
