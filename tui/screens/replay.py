"""`ReplayScreen`: a mirrored session played back from SQLite, online or off.

The same `EventList` as the live view, plus a `Timeline` scrubber. Step by event (←/→ or ↑/↓),
play at 1×–50× of the recorded pace (space, `<`/`>`), jump between notable events (`[`/`]`:
errors, approvals, interrupts, thread activity, workflow runs, compactions), go to a time or an
event id (`g`), switch lanes (`t`). Everything pages from the mirror by keyset and never needs
the network.

Playback follows the recorded timestamps on a virtual clock, so bursts play as bursts; a gap
longer than `MAX_WAIT` seconds of wall time at the chosen speed (an agent waiting an hour for an
approval) is skipped rather than waited out, and the status line says so.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.timer import Timer

from drover.api.timestamps import parse_timestamp
from drover.store.models import SessionRow
from drover.store.replay import LaneSpan, Marker
from drover.text import format as fmt
from drover.tui.screens.export_dialog import ExportAction
from drover.tui.screens.prompt import PromptScreen
from drover.tui.screens.transcript_screen import TranscriptScreen
from drover.tui.viewmodel.replay_target import HINT, parse_target
from drover.tui.widgets.event_list import EventList
from drover.tui.widgets.key_bar import KeyBar
from drover.tui.widgets.session_header import SessionHeader
from drover.tui.widgets.thread_bar import ThreadBar
from drover.tui.widgets.timeline import Timeline

SPEEDS = (1, 2, 5, 10, 20, 50)
"""Playback speeds, as multiples of the recorded pace."""
TICK = 0.05
"""Seconds between playback steps (20 per second; the display caps at 60 fps anyway)."""
TIMELINE_REFRESH = 1.0
"""Seconds between timeline refreshes while the replayed session is still being mirrored."""
MAX_WAIT = 2.0
"""Longest wall-clock wait between two events during playback; longer gaps are skipped."""


class ReplayScreen(ExportAction, TranscriptScreen):
    """Replay `session_id`, starting at `at_seq` (default: the first event).

    Args:
        session_id: the session to replay.
        at_seq: the event to open at (e.g. a search hit).
    """

    DEFAULT_CSS = """
    ReplayScreen { layout: vertical; }
    """

    BINDINGS = [  # noqa: RUF012
        Binding("escape,backspace", "back", "Back", id="replay.back"),
        Binding("space", "play", "Play/pause", id="replay.play"),
        Binding(
            "greater_than_sign,full_stop",
            "speed(1)",
            "Speed",
            key_display="<>",
            id="replay.faster",
        ),
        Binding("less_than_sign,comma", "speed(-1)", "Slower", show=False, id="replay.slower"),
        Binding("right,l", "step(1)", "Step", show=False, id="replay.step_forward"),
        Binding("left,h", "step(-1)", "Step back", show=False, id="replay.step_back"),
        Binding(
            "right_square_bracket",
            "marker(True)",
            "Marks",
            key_display="[]",
            id="replay.next_mark",
        ),
        Binding(
            "left_square_bracket",
            "marker(False)",
            "Previous mark",
            show=False,
            id="replay.previous_mark",
        ),
        Binding("g", "go_to", "Go to", id="replay.go_to"),
        Binding("t", "next_lane", "Lane", id="replay.next_lane"),
        Binding("x", "mark_range", "Mark range", id="replay.mark_range"),
        *ExportAction.EXPORT_BINDINGS,
    ]

    def __init__(self, session_id: str, *, at_seq: int | None = None) -> None:
        super().__init__(session_id)
        self.at_seq = at_seq
        self.speed = 1
        self.playing = False
        self._clock: datetime | None = None  # the recorded time playback has reached
        self._skipped: timedelta | None = None  # the last idle gap playback jumped over
        self._span: LaneSpan | None = None
        self._timer: Timer | None = None
        self._pending_refresh: Timer | None = None
        self.range_start: int | None = None
        """Seq where the marked range starts (`x`); `e` exports from there to the cursor."""

    def compose(self) -> ComposeResult:
        yield SessionHeader()
        yield ThreadBar()
        yield EventList()
        yield Timeline()
        yield KeyBar()

    @property
    def timeline(self) -> Timeline:
        """The scrubber."""
        return self.query_one(Timeline)

    def on_mount(self) -> None:
        self.drover.mirror_changed.subscribe(self, self._on_mirror_changed)
        self._timer = self.set_interval(TICK, self._tick, pause=True)
        self.events.empty_text = "no events in this lane"
        self.events.focus()
        self._update_status()
        self._open()

    @work(exclusive=True, group="replay-open", exit_on_error=False)
    async def _open(self, at_seq: int | None = None) -> None:
        seq = at_seq or self.at_seq or 1
        await asyncio.gather(self._load_header(), self.open_at(seq))
        # The lanes and the timeline are not needed for the first frame: read them after it.
        await self._load_threads()
        await self._load_timeline()

    async def _load_timeline(self) -> None:
        reader, cells = self._reader(), self.timeline.cells
        if reader is None:
            return
        span, marks = await self.drover.reads.run(self._timeline_data, reader, cells)
        self._span = span
        timeline = self.timeline
        timeline.start = span.first_at if span else None
        timeline.end = span.last_at if span else None
        timeline.markers = tuple(marks)
        self._update_status()

    def _timeline_data(self, reader: Any, cells: int) -> tuple[LaneSpan | None, list[Marker]]:
        span = reader.lane_span(self.session_id, self.lane)
        if span is None or span.first_at is None or span.last_at is None:
            return span, []
        marks = reader.markers(
            self.session_id, self.lane, start=span.first_at, end=span.last_at, cells=cells
        )
        return span, marks

    @work(exclusive=True, group="replay-timeline", exit_on_error=False)
    async def _refresh_timeline(self) -> None:
        await self._load_timeline()

    def on_resize(self) -> None:
        if self._span is not None:
            self._refresh_timeline()

    def _on_mirror_changed(self, changed: Any) -> None:
        if self.session_id in changed:
            # New events exist past the window's end: page them in when the cursor gets there.
            self.events.has_newer = True
            # A live session changes many times a second; its markers need not follow that fast.
            if self._pending_refresh is None:
                self._pending_refresh = self.set_timer(TIMELINE_REFRESH, self._timeline_due)

    def _timeline_due(self) -> None:
        self._pending_refresh = None
        self._refresh_timeline()

    @on(EventList.CursorMoved)
    def _cursor_moved(self, message: EventList.CursorMoved) -> None:
        when = parse_timestamp(message.row.processed_at)
        if when is not None:
            self.timeline.position = when
            if not self.playing:
                self._clock = when
        self._update_status()

    def _update_status(self) -> None:
        state = f"▶ playing {self.speed}×" if self.playing else f"⏸ paused · {self.speed}×"
        if self.playing and self._skipped:
            state += f" · skipped {fmt.duration(self._skipped.total_seconds())} idle"
        if self._row is not None:
            state += f" · {self._row.event_count:,} events"
        if self.range_start is not None:
            state += " · range marked (e exports it, x clears)"
        self.timeline.status = state

    # -- playback --------------------------------------------------------------------------

    def action_play(self) -> None:
        """Start or pause playback from the current event."""
        if self._timer is None:
            return
        self.playing = not self.playing
        self._skipped = None
        if self.playing:
            current = self.events.current
            self._clock = parse_timestamp(current.processed_at) if current else None
            self._timer.resume()
        else:
            self._timer.pause()
        self._update_status()

    def action_speed(self, direction: int) -> None:
        """Play faster or slower (1×, 2×, 5×, 10×, 20×, 50× the recorded pace)."""
        index = SPEEDS.index(self.speed) + direction
        self.speed = SPEEDS[max(0, min(len(SPEEDS) - 1, index))]
        self._update_status()

    def _tick(self) -> None:
        events = self.events
        if not events.blocks or self._clock is None:
            self._clock = self._clock or _time_of(events, events.cursor)
            if self._clock is None:
                self._stop("Nothing to play in this lane.")
            return
        self._clock += timedelta(seconds=TICK * self.speed)
        steps = 0
        while events.cursor + steps + 1 < len(events.blocks):
            due = _time_of(events, events.cursor + steps + 1)
            if due is None or due <= self._clock:
                steps += 1
                continue
            if steps == 0 and due - self._clock > timedelta(seconds=MAX_WAIT * self.speed):
                self._skipped = due - self._clock
                self._clock = due  # an idle gap: jump it instead of waiting it out
                steps += 1
            break
        if steps:
            events.action_step(steps)
        elif events.cursor == len(events.blocks) - 1:
            if events.has_newer:
                self._load_next()
            else:
                self._stop("End of the recording.")
        self._update_status()

    def _stop(self, note: str) -> None:
        if self.playing:
            self.action_play()
        self.notify(note)

    # -- moving ----------------------------------------------------------------------------

    def action_step(self, delta: int) -> None:
        """Step one event forward or back."""
        self.events.action_step(delta)

    def seek(self, seq: int) -> None:
        """Put the cursor on `seq`, paging a new window in if it is outside the current one."""
        if not self.events.go_to(seq):
            self._open(seq)

    def action_marker(self, forward: bool) -> None:
        """Jump to the next (or previous) error, approval (by you or by rule), interrupt,
        thread, workflow, compaction or outcome event."""
        self._jump_marker(forward)

    @work(exclusive=True, group="replay-seek", exit_on_error=False)
    async def _jump_marker(self, forward: bool) -> None:
        current, reader = self.events.current, self._reader()
        if current is None or reader is None:
            return
        seq = await self.drover.reads.run(
            reader.next_marker, self.session_id, self.lane, current.seq, forward=forward
        )
        if seq is None:
            self.notify("No more notable events that way (errors, approvals, interrupts, threads, "
                        "workflow runs, compactions, outcomes).")  # fmt: skip
        else:
            self.seek(seq)

    def action_go_to(self) -> None:
        """Ask for a time or an event id and go there."""
        self.app.push_screen(PromptScreen("⇥", placeholder=HINT), self._go_to)

    def _go_to(self, text: str | None) -> None:
        if not text:
            return
        span = self._span
        if span is None or span.first_at is None or span.last_at is None:
            self.notify("This lane has no timed events.", severity="warning")
            return
        try:
            target = parse_target(
                text, start=span.first_at, end=span.last_at, current=self.timeline.position
            )
        except ValueError as exc:
            self.notify(str(exc), title="Go to", severity="error")
            return
        self._seek_target(target.event_id, target.when)

    @on(Timeline.Seek)
    def _clicked(self, message: Timeline.Seek) -> None:
        self._seek_target(None, message.when)

    @work(exclusive=True, group="replay-seek", exit_on_error=False)
    async def _seek_target(self, event_id: str | None, when: datetime | None) -> None:
        reader = self._reader()
        if reader is None:
            return
        if event_id is not None:
            row = await self.drover.reads.run(reader.event_by_id, event_id)
            if row is None or row.session_id != self.session_id:
                self.notify(f"No event {event_id} in this session.", severity="error")
                return
            lane = None if row.on_primary else row.thread_id
            if lane != self.lane:
                self.lane = lane
                self.query_one(ThreadBar).selected = lane
                self._refresh_timeline()
            self.seek(row.seq)
            return
        assert when is not None
        seq = await self.drover.reads.run(reader.seq_at_time, self.session_id, self.lane, when)
        if seq is None:
            self.notify("No events after that time; showing the last one.")
            self._open_edge(True)
        else:
            self.seek(seq)

    def lane_changed(self) -> None:
        self._reopen_lane()

    @work(exclusive=True, group="replay-open", exit_on_error=False)
    async def _reopen_lane(self) -> None:
        """Open the new lane at the time the old one showed."""
        reader, when = self._reader(), self.timeline.position
        seq = None
        if reader is not None and when is not None:
            seq = await self.drover.reads.run(reader.seq_at_time, self.session_id, self.lane, when)
        await self.open_at(seq or 1)
        await self._load_timeline()

    # -- export ----------------------------------------------------------------------------

    def target_row(self) -> SessionRow | None:
        """This session (what `e` exports)."""
        return self._row

    def action_mark_range(self) -> None:
        """Start a range at the current event (`e` then exports it); again to clear it."""
        current = self.events.current
        if self.range_start is not None or current is None:
            self.range_start = None
            self.notify("Range cleared: e exports the whole session.")
        else:
            self.range_start = current.seq
            self.notify("Range starts here: move to its other end and press e to export it.")
        self._update_status()

    def export_target(self) -> tuple[str, int | None, int | None, str | None] | None:
        """The whole session, or the marked range up to the cursor."""
        title = self._row.title if self._row else None
        current = self.events.current
        if self.range_start is None or current is None:
            return self.session_id, None, None, title
        low, high = sorted((self.range_start, current.seq))
        return self.session_id, low, high, title

    def action_back(self) -> None:
        """Leave replay."""
        self.dismiss()


def _time_of(events: EventList, index: int) -> datetime | None:
    return parse_timestamp(events.blocks[index].row.processed_at)
