"""What a live-grid pane shows of its session, as plain data (no widgets, no I/O).

`compact_lines` turns one mirrored event into at most a few one-line strings, each with a
kind (`agent`, `tool`, `error`, `running` …) that the pane colours through its theme's CSS.
Every string is made inert (`drover.text.inert`) here, so nothing an agent wrote can reach the
terminal as a control sequence. `Ticker` folds the same events into the pane's one-line
summary: how long the session has been in its status and which tool it is running.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from drover.store.models import EventRow
from drover.text.format import content_text
from drover.text.inert import inert, inert_line
from drover.text.tools import call_line, outcome
from drover.text.workflow import news_line

Line = tuple[str, str]
"""`(text, kind)`: one inert line and the kind that styles it."""

MESSAGE_LINES = 4
"""Most lines of one message shown in a pane (the rest is in the session screen)."""
LINE_CHARS = 400
"""Characters kept per line (panes are narrow; the session screen has the whole text)."""

STATUS_TYPES = (
    "session.status_running", "session.status_idle", "session.status_rescheduled",
    "session.status_terminated",
)  # fmt: skip
_TOOL_USES = ("agent.tool_use", "agent.mcp_tool_use", "agent.custom_tool_use")
_TOOL_RESULTS = (
    "agent.tool_result", "agent.mcp_tool_result", "user.custom_tool_result", "user.tool_result",
)  # fmt: skip
_REF_FIELDS = ("tool_use_id", "custom_tool_use_id", "mcp_tool_use_id")
# Condensed away: the ticker already shows tokens and cost.
_SKIPPED = ("span.model_request_start", "span.model_request_end", "session.usage")
_WHO = {"user.message": ("You", "user"), "agent.message": ("Agent", "agent"),
        "system.message": ("System", "dim")}  # fmt: skip


def _cut(text: str) -> str:
    return text if len(text) <= LINE_CHARS else text[: LINE_CHARS - 1] + "…"


def _message(who: str, kind: str, text: str) -> list[Line]:
    lines = [line.rstrip() for line in inert(text).split("\n") if line.strip()]
    shown = lines[:MESSAGE_LINES] or [""]
    if len(lines) > MESSAGE_LINES:
        shown[-1] += f"  … +{len(lines) - MESSAGE_LINES} lines"
    return [(_cut(f"{who}: {shown[0]}"), kind)] + [(_cut(f"  {s}"), kind) for s in shown[1:]]


def _status_kind(row: EventRow) -> tuple[str, str]:
    state = row.type.rsplit("_", 1)[-1]
    reason = row.event.get("stop_reason")
    why = reason.get("type") if isinstance(reason, dict) else None
    label = f"{state} · {inert_line(str(why))}" if why else state
    if why not in (None, "end_turn") or state == "rescheduled":
        return label, "needs-you"
    return label, {"running": "running", "idle": "idle"}.get(state, "terminated")


def compact_lines(row: EventRow) -> list[Line]:
    """The pane lines for one event (empty for events the pane condenses away).

    Args:
        row: a mirrored event of the session's primary stream.

    Returns:
        Inert `(text, kind)` lines, oldest first.
    """
    etype, ev = row.type, row.event
    if etype in _SKIPPED:
        return []
    if etype in _WHO:
        who, kind = _WHO[etype]
        return _message(who, kind, content_text(ev))
    if etype in _TOOL_USES:  # worded as the transcript and `drover tail` word it
        ask = " [awaiting approval]" if ev.get("evaluated_permission") == "ask" else ""
        return [(_cut(f"⚙ {call_line(ev)}{ask}"), "tool")]
    if etype in _TOOL_RESULTS:
        done = outcome(ev)
        return [(_cut(f"↳ {done.mark} {done.first_line}"), "dim" if done.ok else "error")]
    news = news_line(ev)
    if news is not None:
        return [(_cut(f"{news.glyph} {news.text}"), news.tone)]  # tones are pane kinds too
    if etype.startswith("session.status_"):
        label, kind = _status_kind(row)
        return [(f"── {label} ──", kind)]
    if etype == "session.error":
        err = ev.get("error") if isinstance(ev.get("error"), dict) else {}
        kind = inert_line(str(err.get("type", "error")))
        return [(_cut(f"✖ {kind}: {inert_line(str(err.get('message', '')))}"), "error")]
    if etype == "agent.thinking":
        return [("· thinking…", "dim")]
    if etype == "user.tool_confirmation":
        if ev.get("result") == "deny":
            return [
                (_cut(f"✘ denied {inert_line(str(ev.get('deny_message') or ''))}"), "needs-you")
            ]
        return [("✔ allowed", "running")]
    if etype == "user.interrupt":
        return [("⏹ interrupt", "needs-you")]
    if etype.startswith("agent.thread_message"):
        sent = etype.endswith("_sent")
        peer = ev.get("to_agent_name" if sent else "from_agent_name") or "thread"
        who = f"{'→' if sent else '←'} {inert_line(str(peer))}"
        return _message(who, "agent", content_text(ev))
    if etype.startswith("session.thread_"):
        what = etype.removeprefix("session.thread_").replace("_", " ")
        return [(_cut(f"⇄ thread {inert_line(what)}"), "dim")]
    return [(_cut(f"· {inert_line(etype)}"), "dim")]


@dataclass(frozen=True, slots=True)
class Ticker:
    """What the pane's ticker knows from events (the session row supplies the rest).

    Attributes:
        status_since: `processed_at` of the latest status event (elapsed is counted from it).
        tool: the running tool's inert name, None when no tool call is outstanding.
        tool_use_id: the event id of that tool call (its result clears `tool`).
    """

    status_since: str | None = None
    tool: str | None = None
    tool_use_id: str | None = None

    def fold(self, rows: Iterable[EventRow]) -> Ticker:
        """Return the ticker after `rows` (ascending seq)."""
        state = self
        for row in rows:
            etype = row.type
            if etype in STATUS_TYPES:
                state = replace(state, status_since=row.processed_at)
                if etype != "session.status_running":
                    state = replace(state, tool=None, tool_use_id=None)
            elif etype in _TOOL_USES:
                name = inert_line(str(row.event.get("name", "tool")))
                state = replace(state, tool=name, tool_use_id=row.id)
            elif etype in _TOOL_RESULTS:
                answered = next((row.event[k] for k in _REF_FIELDS if k in row.event), None)
                if answered in (state.tool_use_id, None):
                    state = replace(state, tool=None, tool_use_id=None)
        return state
