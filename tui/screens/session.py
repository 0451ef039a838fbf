"""`SessionScreen`: one session's header and transcript, paged from the mirror by keyset.

Multi-agent sessions get lanes (`ThreadBar`): the primary stream by default, `t` switches the
transcript to each child thread's own stream in turn (see `drover.tui.widgets.thread_bar` for
why lanes are switched rather than shown side by side).
"""

from __future__ import annotations

import asyncio
from collections.abc import Set
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import Static

from drover.store.models import EventRow, OutboxRow, SessionRow, ThreadRow
from drover.sync.connection import ConnectionState
from drover.text.format import content_text
from drover.text.inert import inert
from drover.tui.screens.actions import SessionActions
from drover.tui.screens.base import DroverScreen
from drover.tui.screens.viewer import ViewerScreen
from drover.tui.widgets.key_bar import KeyBar
from drover.tui.widgets.session_header import SessionHeader
from drover.tui.widgets.thread_bar import ThreadBar, child_threads, lanes
from drover.tui.widgets.transcript import Transcript
from drover.tui.widgets.transcript_items import TranscriptItem

PAGE = 60
"""Events per keyset page."""
SENT_SHOWN = 3
"""How many of the latest sent actions the header lists."""


class SessionScreen(SessionActions, DroverScreen):
    """The transcript of `session_id`, following the tail.

    Args:
        session_id: the session to show.
    """

    CSS_PATH = "session.tcss"

    BINDINGS = [  # noqa: RUF012
        Binding("escape,backspace", "back", "Back"),
        Binding("left_square_bracket", "older", "Older", key_display="["),
        Binding("G", "follow", "Follow tail"),
        Binding("t", "next_lane", "Next lane"),
        *SessionActions.ACTION_BINDINGS,
    ]

    def __init__(self, session_id: str) -> None:
        super().__init__()
        self.session_id = session_id
        self._row: SessionRow | None = None
        self.lane: str | None = None
        """The thread whose stream the transcript shows (None = the primary)."""

    def compose(self) -> ComposeResult:
        yield SessionHeader()
        yield ThreadBar()
        yield Transcript()
        yield Static(id="preview")
        yield KeyBar()

    @property
    def transcript(self) -> Transcript:
        """The event pane."""
        return self.query_one(Transcript)

    def target_row(self) -> SessionRow | None:
        """This session."""
        return self._row

    def on_mount(self) -> None:
        self.drover.mirror_changed.subscribe(self, self._on_mirror_changed)
        self.drover.connections_changed.subscribe(self, self._on_connections)
        self.drover.preview_changed.subscribe(self, self._on_preview)
        self._show_preview(self.drover.previews.get(self.session_id))
        self.query_one(SessionHeader).connection = self.drover.connections.get(self.session_id)
        self.transcript.focus()
        self._load_tail()

    def on_unmount(self) -> None:
        self.drover.session_closed()

    def _page(self, **bounds: Any) -> list[EventRow]:
        """One keyset page of the lane shown (runs on the read pool)."""
        source = self.drover.source
        if source is None:
            return []
        if self.lane is None:
            return source.transcript(self.session_id, **bounds)
        # Child streams are a store-level view the FleetSource protocol does not carry.
        return source.reader.transcript(self.session_id, thread=self.lane, **bounds)  # type: ignore[attr-defined]

    def _sent(self) -> tuple[OutboxRow, ...]:
        """The latest actions sent to this session (the header shows where they stand)."""
        reader = getattr(self.drover.source, "reader", None)
        return tuple(reader.outbox(self.session_id)[-SENT_SHOWN:]) if reader is not None else ()

    def _threads(self) -> list[ThreadRow]:
        reader = getattr(self.drover.source, "reader", None)
        return reader.threads(self.session_id) if reader is not None else []

    @work(exclusive=True, group="session-load", exit_on_error=False)
    async def _load_tail(self) -> None:
        source = self.drover.source
        if source is None:
            return
        row, rows = await asyncio.gather(
            self.drover.reads.run(source.session, self.session_id),
            self.drover.reads.run(self._page, limit=PAGE),
        )
        self._show_row(row)
        await self.transcript.show_tail(rows, PAGE)
        # Threads and sent actions are not needed for the first frame: read them after it.
        self._show_threads(await self.drover.reads.run(self._threads))
        self.query_one(SessionHeader).sent = await self.drover.reads.run(self._sent)

    @work(exclusive=True, group="session-load", exit_on_error=False)
    async def _load_newer(self) -> None:
        source = self.drover.source
        if source is None:
            return
        row, threads, sent = await asyncio.gather(
            self.drover.reads.run(source.session, self.session_id),
            self.drover.reads.run(self._threads),
            self.drover.reads.run(self._sent),
        )
        self._show_row(row)
        self._show_threads(threads)
        self.query_one(SessionHeader).sent = sent
        while True:
            rows = await self.drover.reads.run(
                self._page, after_seq=self.transcript.last_seq, limit=PAGE
            )
            await self.transcript.append(rows)
            self.drover.feed.preview_done(self.session_id, {r.id for r in rows})
            if len(rows) < PAGE:
                break

    @work(exclusive=True, group="session-older", exit_on_error=False)
    async def _load_older(self) -> None:
        source, first = self.drover.source, self.transcript.first_seq
        if source is None or first is None:
            return
        rows = await self.drover.reads.run(self._page, before_seq=first, limit=PAGE)
        await self.transcript.prepend(rows, PAGE)

    def _show_row(self, row: SessionRow | None) -> None:
        self._row = row
        self.query_one(SessionHeader).row = row

    def _show_threads(self, threads: list[ThreadRow]) -> None:
        self.query_one(ThreadBar).threads = child_threads(threads)

    def _on_mirror_changed(self, changed: Set[str]) -> None:
        if self.session_id in changed:
            self._load_newer()

    def _on_connections(self, states: dict[str, ConnectionState]) -> None:
        if self.session_id in states:
            self.query_one(SessionHeader).connection = states[self.session_id]

    def _on_preview(self, changed: frozenset[str]) -> None:
        if self.session_id in changed:
            self._show_preview(self.drover.previews.get(self.session_id))

    def _show_preview(self, preview: tuple[str, str] | None) -> None:
        """Show the message the agent is writing right now (last lines, inert)."""
        widget = self.query_one("#preview", Static)
        widget.display = preview is not None
        if preview is not None:
            lines = inert(preview[1]).splitlines()[-3:] or ["…"]
            widget.update(Content("✎ " + "\n  ".join(lines)))

    @on(TranscriptItem.ViewRequested)
    def _view(self, event: TranscriptItem.ViewRequested) -> None:
        self.app.push_screen(ViewerScreen(event.event_id, raw=event.raw, text_of=content_text))

    def action_back(self) -> None:
        """Return to the list."""
        self.dismiss()

    def action_older(self) -> None:
        """Load the previous page of events above the oldest shown."""
        if self.transcript.has_older:
            self._load_older()
        else:
            self.notify("This is the start of the session.")

    def action_next_lane(self) -> None:
        """Show the next thread's stream (the primary, then each child thread, round again)."""
        keys = lanes(self.query_one(ThreadBar).threads)
        if len(keys) < 2:
            self.notify("This session has one thread.")
            return
        index = keys.index(self.lane) if self.lane in keys else 0
        self.show_lane(keys[(index + 1) % len(keys)])

    def show_lane(self, lane: str | None) -> None:
        """Switch the transcript to `lane` (a thread id, or None for the primary)."""
        self.lane = lane
        self.query_one(ThreadBar).selected = lane
        self._load_tail()

    def action_follow(self) -> None:
        """Jump to the newest event and follow the tail again."""
        self.transcript.anchor()
