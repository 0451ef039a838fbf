"""`SessionScreen`: one session live: header, events following the tail, actions.

The event list, paging and lanes are shared with replay (`TranscriptScreen`); this screen adds
the live parts: the streamed preview of the message being written, the connection state, the
outbox state of what you sent, and the actions (allow/deny, message, interrupt; a budget, an
outcome, a rule: `SteerActions`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Set

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static

from drover.store.models import OutboxRow, SessionRow
from drover.sync.connection import ConnectionState
from drover.text.inert import inert
from drover.tui.screens.actions import SessionActions
from drover.tui.screens.export_dialog import ExportAction
from drover.tui.screens.steer_actions import SteerActions
from drover.tui.screens.transcript_screen import PAGE, TranscriptScreen
from drover.tui.widgets.event_list import EventList
from drover.tui.widgets.key_bar import KeyBar
from drover.tui.widgets.session_header import SessionHeader
from drover.tui.widgets.thread_bar import ThreadBar

SENT_SHOWN = 3
"""How many of the latest sent actions the header lists."""
INSTALLED_AS = "drover-session"
"""The name the reused session screen is installed under (`SessionScreen.open`)."""


class SessionScreen(ExportAction, SteerActions, SessionActions, TranscriptScreen):
    """The events of `session_id`, following the tail.

    Args:
        session_id: the session to show.
    """

    CSS_PATH = "session.tcss"
    _showing = False
    """Showing a session: on a screen stack (closed once popped off every stack)."""

    BINDINGS = [  # noqa: RUF012
        Binding("escape,backspace", "back", "Back", id="session.back"),
        Binding("G", "follow", "Follow tail", id="session.follow"),
        Binding("t", "next_lane", "Next lane", id="session.next_lane"),
        Binding("R", "replay", "Replay", id="session.replay"),
        *ExportAction.EXPORT_BINDINGS,
        *SessionActions.ACTION_BINDINGS,
        *SteerActions.STEER_BINDINGS,
    ]
    MUTATING_ACTIONS = SessionActions.MUTATING_ACTIONS | SteerActions.STEER_ACTIONS

    def compose(self) -> ComposeResult:
        yield SessionHeader()
        yield ThreadBar()
        yield EventList()
        yield Static(id="preview")
        yield KeyBar()

    def target_row(self) -> SessionRow | None:
        """This session."""
        return self._row

    @classmethod
    def open(cls, app: App[object], session_id: str) -> None:
        """Show `session_id` on the app's session screen.

        The screen is made and installed once, then reused: composing, mounting and styling a
        fresh screen was most of what `enter` on the fleet cost (~100 ms, issue 13). Reused, it
        is pushed once its first page is read (off the loop), so the first frame it draws
        already shows the session rather than an empty list. While the installed one is on a
        screen stack (a session opened from a session) a fresh one is pushed, as before, and
        removed when popped.
        """
        if not app.is_screen_installed(INSTALLED_AS):
            screen = cls(session_id)
            app.install_screen(screen, INSTALLED_AS)
            app.push_screen(screen)
            return
        installed = app.get_screen(INSTALLED_AS)
        if not isinstance(installed, cls) or _stacked(app, installed):
            app.push_screen(cls(session_id))
            return
        installed.show_session(session_id)

    def show_session(self, session_id: str) -> None:
        """Show `session_id` instead of the session shown before (the screen is off-stack),
        and push the screen once its first page is read."""
        self.workers.cancel_node(self)  # the last session's reads, if any are still running
        self.session_id = session_id
        self._row, self.lane = None, None
        header = self.query_one(SessionHeader)
        header.row, header.sent, header.collided_with = None, (), ()
        bar = self.query_one(ThreadBar)
        bar.threads, bar.selected = (), None
        self.events.reset()
        self._opened(push=True)

    def on_mount(self) -> None:
        self.drover.mirror_changed.subscribe(self, self._on_mirror_changed)
        self.drover.connections_changed.subscribe(self, self._on_connections)
        self.drover.preview_changed.subscribe(self, self._on_preview)
        self._opened()

    def _opened(self, push: bool = False) -> None:
        self._showing = True
        self._show_preview(self.drover.previews.get(self.session_id))
        self.query_one(SessionHeader).connection = self.drover.connections.get(self.session_id)
        self.events.focus()
        self._load_tail(push)

    def on_screen_suspend(self) -> None:
        # Suspended under another screen (a dialog, replay) it stays live; popped off every
        # stack (installed, it is not removed) it stops following until shown again.
        if self._showing and not _stacked(self.app, self):
            self._stop_showing()

    def on_unmount(self) -> None:
        if self._showing:
            self._stop_showing()

    def _stop_showing(self) -> None:
        self._showing = False
        self.workers.cancel_node(self)
        self.drover.session_closed()

    def _sent(self) -> tuple[OutboxRow, ...]:
        """The latest actions sent to this session (the header shows where they stand)."""
        reader = self._reader()
        return tuple(reader.outbox(self.session_id)[-SENT_SHOWN:]) if reader is not None else ()

    @work(exclusive=True, group="session-load", exit_on_error=False)
    async def _load_tail(self, push: bool = False) -> None:
        try:
            if self.drover.reader is not None:
                await asyncio.gather(self._load_header(), self.open_at(None))
        finally:  # shown even if the read failed (the error is reported) or was replaced
            if push and not _stacked(self.app, self):
                self.app.push_screen(self)
        if self.drover.reader is None:
            return
        # Threads and sent actions are not needed for the first frame: read them after it.
        await self._load_threads()
        self.query_one(SessionHeader).sent = await self.drover.reads.run(self._sent)

    @work(exclusive=True, group="session-load", exit_on_error=False)
    async def _load_newer(self) -> None:
        if self.drover.reader is None:
            return
        # One gather: a coroutine made before it would never be awaited if this worker is
        # replaced (exclusive) meanwhile ("coroutine 'ReadPool.run' was never awaited").
        _, _, sent = await asyncio.gather(
            self._load_header(), self._load_threads(), self.drover.reads.run(self._sent)
        )
        self.query_one(SessionHeader).sent = sent
        # A window scrolled back into history (has_newer) pages forward on demand instead.
        while not self.events.has_newer:
            rows, related = await self.drover.reads.run(
                self.page_linked, after_seq=self.events.last_seq, limit=PAGE
            )
            self.events.append(rows, related=related)
            self.drover.feed.preview_done(self.session_id, {r.id for r in rows})
            if len(rows) < PAGE:
                break

    def lane_changed(self) -> None:
        self._load_tail()

    def _on_mirror_changed(self, changed: Set[str]) -> None:
        if self._showing and self.session_id in changed:
            self._load_newer()

    def _on_connections(self, states: dict[str, ConnectionState]) -> None:
        if self._showing and self.session_id in states:
            self.query_one(SessionHeader).connection = states[self.session_id]

    def _on_preview(self, changed: frozenset[str]) -> None:
        if self._showing and self.session_id in changed:
            self._show_preview(self.drover.previews.get(self.session_id))

    def _show_preview(self, preview: tuple[str, str] | None) -> None:
        """Show the message the agent is writing right now (last lines, inert)."""
        widget = self.query_one("#preview", Static)
        widget.display = preview is not None
        if preview is not None:
            lines = inert(preview[1]).splitlines()[-3:] or ["…"]
            widget.update(Content("✎ " + "\n  ".join(lines)))

    def action_back(self) -> None:
        """Return to the list."""
        self.dismiss()

    def action_follow(self) -> None:
        """Jump to the newest event and follow the tail again."""
        self.events.action_edge(newest=True)

    def action_replay(self) -> None:
        """Open this session in replay, at the event under the cursor."""
        current = self.events.current
        self.drover.open_replay(self.session_id, current.seq if current else None)


def _stacked(app: App[object], screen: Screen[object]) -> bool:
    """Whether `screen` is on the screen stack of any mode the app has started."""
    for mode in (app.DEFAULT_MODE, *app.MODES):
        try:
            if screen in app.get_screen_stack(mode):
                return True
        except KeyError:  # a mode not entered yet has no stack
            continue
    return False
