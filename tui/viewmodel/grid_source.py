"""The live grid's reads: one call per refresh for every visible pane (no Textual here).

Run on the App's `ReadPool`. A pane asks either for its session's tail (`after_seq=None`: first
load, a new assignment, or coming back from hidden) or for what came after its last seq (the
keyset page of a change notice). A pane that fell further behind than `CATCH_UP` events is
given the fresh tail instead of every event in between: those stay in SQLite and the session
screen pages them in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from drover.store.api import MirrorReads
from drover.store.models import EventRow, SessionRow
from drover.tui.viewmodel.pane_lines import STATUS_TYPES, Line, compact_lines

TAIL = 200
"""Events a pane loads when it (re)starts on a session."""
CATCH_UP = 1_000
"""Most new events a pane takes in one refresh before it jumps to the tail instead."""
BUSY_MINUTES = 5
""""Busiest" counts events processed in the last this many minutes."""


@dataclass(frozen=True, slots=True)
class PaneWant:
    """What one pane needs from this refresh.

    Attributes:
        slot: the pane's position in the grid (answers are matched back by it).
        session_id: the session it follows.
        after_seq: its last seq, or None to (re)load the tail.
        token: the pane's assignment counter, so an answer for a replaced session is dropped.
    """

    slot: int
    session_id: str
    after_seq: int | None
    token: int


@dataclass(frozen=True, slots=True)
class PaneUpdate:
    """The answer for one pane.

    Attributes:
        want: the request answered.
        row: the session's current row (None if unknown to the mirror).
        events: new primary-stream events, ascending seq.
        reset: True when `events` is a fresh tail that replaces what the pane shows.
        status: the session's latest status event (only looked up on a reset).
        lines: the pane lines of `events`, made here, off the UI loop.
    """

    want: PaneWant
    row: SessionRow | None
    events: list[EventRow] = field(default_factory=list)
    reset: bool = False
    status: EventRow | None = None
    lines: list[Line] = field(default_factory=list)


def pull(reader: MirrorReads, wants: Sequence[PaneWant]) -> list[PaneUpdate]:
    """Read what every pane in `wants` needs (blocking; call it on the read pool)."""
    updates = []
    for want in wants:
        row = reader.session(want.session_id)
        events: list[EventRow] = []
        if want.after_seq is not None:
            events = reader.transcript(want.session_id, after_seq=want.after_seq, limit=CATCH_UP)
            if len(events) < CATCH_UP:
                updates.append(PaneUpdate(want, row, events, lines=_lines(events)))
                continue
        tail = reader.transcript(want.session_id, limit=TAIL)
        status = next(iter(reader.events_by_type(want.session_id, STATUS_TYPES, limit=1)), None)
        updates.append(PaneUpdate(want, row, tail, True, status, _lines(tail)))
    return updates


def _lines(events: Sequence[EventRow]) -> list[Line]:
    return [line for row in events for line in compact_lines(row)]


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def busiest(reader: MirrorReads, now: datetime, count: int) -> list[str]:
    """The `count` sessions to auto-fill the grid with, busiest first.

    Most events in the last `BUSY_MINUTES`; topped up (on a quiet or old mirror) by the most
    events among the newest mirrored, then by the most recently active sessions.
    """
    chosen: list[str] = []

    def add(ids: Sequence[str]) -> None:
        for sid in ids:
            if len(chosen) < count and sid not in chosen:
                chosen.append(sid)

    add([sid for sid, _ in reader.busiest_sessions(_stamp(now - timedelta(minutes=BUSY_MINUTES)),
                                                   limit=count)])  # fmt: skip
    if len(chosen) < count:
        add([sid for sid, _ in reader.busiest_sessions(None, limit=count * 2)])
    if len(chosen) < count:
        add([r.id for r in reader.sessions(sort="last_event_at", limit=count * 2)])
    return chosen
