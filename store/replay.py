"""Queries behind replay: a lane's time span, timeline markers, seeking by time and by marker.

Everything here answers from indexes in a few milliseconds whatever the session's size (P4):
markers are grouped into timeline cells by SQL (`GROUP BY cell`), so a 100k-event session
returns at most `cells × kinds` rows; seeking to a time is a binary search over `seq` with one
index probe per step (a session's events are stored in `processed_at` order, near enough: a
queued user message is stored when sent and completed later, so the search lands on the first
event at or after the time asked for, give or take such a message).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from drover.store.dialect import Conn, dialect_of
from drover.store.extract import key_moment
from drover.store.lanes import lane_filter
from drover.store.models import SQLValue

MARKER_KINDS: dict[str, tuple[str, ...]] = {
    "error": ("session.error", "workflow_run.error"),
    # An automatic answer by rule (`drover.store.rule_audit`), where it was given.
    "rule": ("drover.rule_answer",),
    "approval": ("user.tool_confirmation",),
    "interrupt": ("user.interrupt",),
    "thread": (
        "session.thread_created", "agent.thread_message_sent", "agent.thread_message_received",
        "session.thread_status_terminated", "session.thread_status_rescheduled",
    ),
    # A workflow run's start, phases and end (its running/idle ticks are too dense to mark).
    "workflow": ("workflow_run.created", "workflow_run.phase_started", "workflow_run.status_ended"),
    "compaction": ("agent.thread_context_compacted",),
    # An outcome defined, and each verdict of its evaluation.
    "outcome": ("user.define_outcome", "span.outcome_evaluation_end"),
    "cost": ("session.usage",),
    "tool": ("agent.tool_use", "agent.mcp_tool_use", "agent.custom_tool_use"),
}  # fmt: skip
"""Marker kinds, most important first (a timeline cell shows its most important kind)."""
NOTABLE_KINDS = (
    "error", "rule", "approval", "interrupt", "thread", "workflow", "compaction", "outcome",
)  # fmt: skip
"""The kinds `[`/`]` jump between (tool calls and cost steps are too dense to step through)."""
_KIND_OF_TYPE = {etype: kind for kind, types in MARKER_KINDS.items() for etype in types}


@dataclass(frozen=True, slots=True)
class LaneSpan:
    """Where a lane starts and ends: seq bounds and first/last timestamps."""

    first_seq: int
    last_seq: int
    first_at: datetime | None
    last_at: datetime | None


@dataclass(frozen=True, slots=True)
class Marker:
    """The most important kind of event in one timeline cell."""

    cell: int
    kind: str
    count: int
    """Events of that kind in the cell."""
    seq: int
    """The first of them (where a click on the cell goes)."""


def lane_span(conn: Conn, session_id: str, thread: str | None) -> LaneSpan | None:
    """The span of one lane of a session (None when the lane has no events).

    Four index walks that each stop at their first match (no count: counting a lane's events
    would read every one of them, ~80 ms at 100k).
    """
    lane, params = lane_filter(thread)
    edges = []
    for order in ("ASC", "DESC"):
        row = conn.execute(
            f"SELECT seq FROM events WHERE session_id = ? AND {lane} ORDER BY seq {order} LIMIT 1",
            [session_id, *params],
        ).fetchone()
        if row is None:
            return None
        edges.append(row[0])
    first_at = _edge_time(conn, session_id, lane, params, "ASC")
    return LaneSpan(
        edges[0], edges[1], first_at, _edge_time(conn, session_id, lane, params, "DESC")
    )


def _edge_time(
    conn: Conn, session_id: str, lane: str, params: list[SQLValue], order: str
) -> datetime | None:
    row = conn.execute(
        f"SELECT processed_at FROM events WHERE session_id = ? AND {lane} "
        f"AND processed_at IS NOT NULL ORDER BY seq {order} LIMIT 1",
        [session_id, *params],
    ).fetchone()
    return key_moment(row[0]) if row else None


def markers(
    conn: Conn,
    session_id: str,
    thread: str | None,
    *,
    start: datetime,
    end: datetime,
    cells: int,
) -> list[Marker]:
    """Timeline markers of a lane, bucketed into `cells` equal slices of `start`..`end`.

    Returns:
        One marker per non-empty cell (its most important kind), in cell order.
    """
    lane, params = lane_filter(thread)
    types = list(_KIND_OF_TYPE)
    days = max((end - start).total_seconds(), 1e-3) / 86_400
    dialect = dialect_of(conn)
    slice_of = dialect.to_int(f"{dialect.days_since('processed_at')} / ? * ?")
    rows = conn.execute(
        f"SELECT {dialect.least}({dialect.greatest}({slice_of}, 0), ?) AS cell, type, count(*), "
        "min(seq) FROM events "
        f"WHERE session_id = ? AND type IN ({','.join('?' * len(types))}) AND {lane} "
        "AND processed_at IS NOT NULL GROUP BY cell, type",
        [_sql_time(start), days, cells, cells - 1, session_id, *types, *params],
    ).fetchall()
    rank = {kind: index for index, kind in enumerate(MARKER_KINDS)}
    best: dict[int, Marker] = {}
    for cell, etype, count, seq in rows:
        kind = _KIND_OF_TYPE[etype]
        current = best.get(cell)
        if current is None or rank[kind] < rank[current.kind]:
            best[cell] = Marker(cell, kind, count, seq)
        elif current.kind == kind:
            best[cell] = Marker(cell, kind, current.count + count, min(seq, current.seq))
    return [best[cell] for cell in sorted(best)]


def _sql_time(when: datetime) -> str:
    """A UTC time in a form SQLite's date functions parse."""
    return when.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def seq_at_time(conn: Conn, session_id: str, thread: str | None, when: datetime) -> int | None:
    """The first event of the lane processed at or after `when` (None: none after it).

    A binary search over `seq` with one index probe per step (~17 probes for 100k events).
    """
    lane, params = lane_filter(thread)
    probe = (
        f"SELECT seq, processed_at FROM events WHERE session_id = ? AND seq >= ? AND {lane} "
        "AND processed_at IS NOT NULL ORDER BY seq LIMIT 1"
    )

    def first_from(seq: int) -> tuple[int, datetime | None] | None:
        row = conn.execute(probe, [session_id, seq, *params]).fetchone()
        return (row[0], key_moment(row[1])) if row else None

    span = lane_span(conn, session_id, thread)
    if span is None:
        return None
    low, high = span.first_seq, span.last_seq + 1
    while low < high:
        middle = (low + high) // 2
        found = first_from(middle)
        if found is None:
            high = middle
        elif found[1] is not None and found[1] >= when:
            high = found[0] if found[0] < high else middle
        else:
            low = found[0] + 1
    found = first_from(low)
    return found[0] if found and found[1] is not None and found[1] >= when else None


def next_marker(
    conn: Conn,
    session_id: str,
    thread: str | None,
    seq: int,
    *,
    forward: bool,
    kinds: tuple[str, ...] = NOTABLE_KINDS,
) -> int | None:
    """The seq of the nearest marker event of `kinds` after (or before) `seq`, if any."""
    lane, params = lane_filter(thread)
    types = [etype for kind in kinds for etype in MARKER_KINDS[kind]]
    compare, order, pick = (">", "ASC", min) if forward else ("<", "DESC", max)
    # One probe per type on (session_id, type, seq), then the nearest: each probe is an
    # index seek, where one IN (…) ORDER BY seq query would sort every match.
    found = []
    for etype in types:
        row = conn.execute(
            f"SELECT seq FROM events WHERE session_id = ? AND type = ? AND seq {compare} ? "
            f"AND {lane} ORDER BY seq {order} LIMIT 1",
            [session_id, etype, seq, *params],
        ).fetchone()
        if row:
            found.append(row[0])
    return pick(found) if found else None
