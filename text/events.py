"""What one stored event says, as plain data (`describe`), and ``drover tail``'s lines for it.

`describe` is the single reading of the wire event catalogue shared by the terminal transcript
(`event_lines`) and the exports (`drover.export.markdown` / `.html`): who or what spoke, the
text, the tool and its input, the output, the status change. It returns raw strings; each
renderer neutralises them its own way (`drover.text.inert` for terminals, HTML escaping for
HTML), because agent text is data (invariant 7). Unknown event types are described
generically from their fields (invariant 6), never dropped.

Levels: `main` events are the conversation (messages, tools, results, errors, status);
`detail` ones are bookkeeping worth a line in a document (thread status, title changes) that
``drover tail`` leaves out; `meta` ones (spans, usage reports) only matter to cost views and
the raw JSON, so every human view leaves them out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from drover.text.format import content_text, preview
from drover.text.inert import inert, inert_line
from drover.text.steer import outcome_line, rule_line
from drover.text.tools import answered_id, call_line, call_seconds, outcome, seconds_text
from drover.text.workflow import news_line, run_id_of

__all__ = ["EventContext", "EventView", "describe", "event_lines"]

Level = Literal["main", "detail", "meta"]

_TOOL_USES = ("agent.tool_use", "agent.mcp_tool_use", "agent.custom_tool_use")
_REMEMBERED = 5_000  # tool uses and workflow runs an `EventContext` keeps (oldest dropped)
_AGENT_RESULTS = ("agent.tool_result", "agent.mcp_tool_result")
_USER_RESULTS = ("user.custom_tool_result", "user.tool_result")
_THREAD_MESSAGES = ("agent.thread_message_sent", "agent.thread_message_received")
_RESULT_LINES = 6  # tool output lines `drover tail` shows before "… N more"
_ENVELOPE = ("type", "id", "processed_at")


@dataclass(frozen=True, slots=True)
class EventView:
    """One event described for people (raw strings: renderers make them inert or escape them).

    Attributes:
        label: who or what, short: `you`, `agent`, `system`, `tool`, `result`, `error`, `---`
            (a status change) or `event` (anything else).
        summary: what a terminal line shows after the label (may span lines).
        level: `main`, `detail` or `meta` (see the module docstring).
        tone: a style hint: `user`, `agent`, `tool`, `result`, `error`, `status` or `other`.
        body: the whole text a document shows (a message, a tool's output); None when the
            summary says it all.
        data: a JSON value a document shows as code (a tool's input, an unknown event's
            fields); None when there is none.
        output: the body is tool output (long ones get trimmed with a note).
        heading: a document's one-line heading after the label (the tool name, the peer).
    """

    label: str
    summary: str
    level: Level = "main"
    tone: str = "other"
    body: str | None = None
    data: Any = None
    output: bool = False
    heading: str = ""


class EventContext:
    """What earlier events of a transcript tell later ones: tool uses (a result's duration and
    its call) and workflow runs (a phase's name). ``drover tail`` feeds it every event in
    order (`see`), so it only ever looks back at what it already printed; at most
    `_REMEMBERED` of each are kept, trimmed to the fields the wording needs."""

    def __init__(self) -> None:
        self._uses: dict[str, dict[str, Any]] = {}  # + `approved_at` once confirmed
        self._runs: dict[str, Mapping[str, Any]] = {}

    def see(self, event: Mapping[str, Any]) -> None:
        """Remember `event` if later events may refer to it."""
        etype, eid = event.get("type"), event.get("id")
        if etype in _TOOL_USES and isinstance(eid, str):
            keep = ("type", "name", "input", "mcp_server_name", "processed_at")
            _remember(self._uses, eid, {k: event[k] for k in keep if k in event})
        elif etype == "user.tool_confirmation" and (
            use := self._uses.get(answered_id(event) or "")
        ):
            use["approved_at"] = event.get("processed_at")  # the call ran from here
            use["denied"] = event.get("result") == "deny"
        elif etype == "workflow_run.created" and (run := run_id_of(event)) is not None:
            _remember(self._runs, run, event)

    def use(self, event_id: str | None) -> Mapping[str, Any] | None:
        """The tool use with this event id, if seen."""
        return self._uses.get(event_id) if event_id else None

    def run(self, run_id: str | None) -> Mapping[str, Any] | None:
        """The `workflow_run.created` event of this run, if seen."""
        return self._runs.get(run_id) if run_id else None


def _remember(store: dict[str, Any], key: str, value: Any) -> None:
    store[key] = value
    if len(store) > _REMEMBERED:
        del store[next(iter(store))]


def _stop_reason(event: Mapping[str, Any]) -> str:
    reason = event.get("stop_reason")
    if not isinstance(reason, Mapping):
        return ""
    kind = str(reason.get("type", ""))
    ids = reason.get("event_ids")
    if isinstance(ids, list) and ids:
        return f"{kind} {' '.join(str(i) for i in ids)}"
    return kind


def _tool_use(event: Mapping[str, Any]) -> EventView:
    name = str(event.get("name", "tool"))
    server = event.get("mcp_server_name")
    ask = event.get("evaluated_permission") == "ask"
    summary = call_line(event)
    # The id only where a person answers the call (`drover approve|respond SESSION EVENT`).
    if ask:
        summary += f"  [needs approval]  ({inert_line(str(event.get('id', '')))})"
    elif event.get("type") == "agent.custom_tool_use":
        summary += f"  [wants a result]  ({inert_line(str(event.get('id', '')))})"
    heading = f"{server}/{name}" if isinstance(server, str) and server else name
    if event.get("type") == "agent.custom_tool_use":
        heading += " (custom tool)"
    if ask:
        heading += " · needs approval"
    return EventView("tool", summary, tone="tool", data=event.get("input"), heading=heading)


def _result(event: Mapping[str, Any], who: str, context: EventContext | None) -> EventView:
    text = content_text(event)
    failed = bool(event.get("is_error"))
    label = "error" if failed else who
    answers = answered_id(event) or ""
    heading = f"of {answers}" if answers else ""
    tone = "error" if failed else "result"
    # The terminal line: ✓/✗ (exit code), the call's verb and how long it took; then the output.
    use = context.use(answers) if context is not None else None
    head = outcome(event).mark
    if use is not None and use.get("denied"):
        head = f"{call_line(use).split(' ', 1)[0]} ✗ denied"  # a person stopped it; it never ran
    elif use is not None:
        took = seconds_text(call_seconds(use, event, use.get("approved_at")))
        head = f"{call_line(use).split(' ', 1)[0]} {head}" + (f" · {took}" if took else "")
    summary = head + (f"\n{text}" if text.strip() else "")
    return EventView(label, summary, tone=tone, body=text, output=True, heading=heading)


def _status(event: Mapping[str, Any], etype: str) -> EventView:
    if etype.startswith("session.thread_"):
        who = str(event.get("agent_name") or event.get("session_thread_id") or "thread")
        state = etype.removeprefix("session.thread_").removeprefix("status_")
        reason = _stop_reason(event)
        summary = f"thread {who} {state}{': ' + reason if reason else ''}"
        level: Level = "detail" if etype.startswith("session.thread_status_") else "main"
        return EventView("---", summary, level=level, tone="status")
    state = etype.removeprefix("session.status_")
    reason = _stop_reason(event)
    return EventView("---", f"{state}{': ' + reason if reason else ''}", tone="status")


def _error(event: Mapping[str, Any]) -> EventView:
    raw_error = event.get("error")
    error: Mapping[str, Any] = raw_error if isinstance(raw_error, Mapping) else {}
    raw_retry = error.get("retry_status")
    retry: Mapping[str, Any] = raw_retry if isinstance(raw_retry, Mapping) else {}
    detail = f"{error.get('type', 'error')}: {error.get('message', '')}"
    if retry.get("type"):
        detail += f" ({retry['type']})"
    return EventView("error", detail, tone="error")


def _generic(event: Mapping[str, Any], etype: str, level: Level = "main") -> EventView:
    fields = {k: v for k, v in event.items() if k not in _ENVELOPE}
    summary = f"{inert_line(etype)} {preview(fields, 100)}"
    return EventView("event", summary, level=level, data=fields or None, heading=etype)


_QUARANTINED = "drover.quarantined"  # drover.store.quarantine.QUARANTINE_TYPE (a local row)


def _quarantined(event: Mapping[str, Any]) -> EventView:
    """A wire item sync could not store as an event: its reason, size and first characters."""
    size = event.get("bytes")
    source = event.get("source") or "server"
    reason = inert_line(str(event.get("reason") or "not an event"))
    excerpt = preview(event.get("excerpt") or "", 80)
    summary = f"quarantined a {source} item ({size} bytes): {reason} — {excerpt}"
    return EventView("bad", summary, tone="error", body=str(event.get("excerpt") or ""),
                     heading=f"quarantined: {reason}")  # fmt: skip


def _news(event: Mapping[str, Any], context: EventContext | None) -> EventView | None:
    created = context.run(run_id_of(event)) if context is not None else None
    line = news_line(event, created)
    if line is None:
        return None
    error = line.tone == "error"
    return EventView(
        "error" if error else "---",
        f"{line.glyph} {line.text}",
        level="main" if line.main else "detail",
        tone="error" if error else "status",
    )


def _steer(event: Mapping[str, Any]) -> EventView | None:
    """Outcomes and their evaluation, and automatic answers by rule (`drover.text.steer`)."""
    line = outcome_line(event)
    if line is not None:
        defined = event.get("type") == "user.define_outcome"
        rubric = event.get("rubric")
        body = None
        if defined and isinstance(rubric, Mapping):
            body = str(rubric.get("content") or f"rubric file {rubric.get('file_id', '?')}")
        return EventView(
            "you" if defined else "outcome",
            f"{line.glyph} {line.text}",
            level="main" if line.main else "detail",
            tone="user" if defined else "error" if line.tone == "error" else "status",
            body=body,
            heading="outcome" if defined else "outcome evaluation",
        )
    line = rule_line(event)
    if line is not None:
        return EventView("rule", f"{line.glyph} {line.text}", tone="status", heading="rule")
    return None


def describe(event: Mapping[str, Any], context: EventContext | None = None) -> EventView:
    """Describe one stored wire event (any type, known or not).

    Args:
        event: the stored wire event.
        context: what earlier events said (a result's call, a workflow's name), when known.
    """
    etype = str(event.get("type", ""))
    if etype == _QUARANTINED:
        return _quarantined(event)
    news = _news(event, context)
    if news is not None:
        return news
    steer = _steer(event)
    if steer is not None:
        return steer
    if etype.startswith("span.") or etype == "session.usage":
        return _generic(event, etype, "meta")
    if etype == "session.updated":
        return _generic(event, etype, "detail")
    if etype in ("user.message", "agent.message", "system.message"):
        text = content_text(event)
        who = {"user": "you", "agent": "agent", "system": "system"}[etype.split(".")[0]]
        return EventView(who, text, tone="user" if who == "you" else "agent", body=text)
    if etype == "agent.thinking":
        return EventView("agent", "(thinking)", tone="agent")
    if etype in _TOOL_USES:
        return _tool_use(event)
    if etype in _AGENT_RESULTS:
        return _result(event, "result", context)
    if etype in _USER_RESULTS:
        return _result(event, "you", context)
    if etype == "user.tool_confirmation":
        verdict = "allowed" if event.get("result") == "allow" else "denied"
        note = f": {event['deny_message']}" if event.get("deny_message") else ""
        return EventView("you", f"{verdict} {event.get('tool_use_id', '')}{note}", tone="user")
    if etype == "user.interrupt":
        return EventView("you", "(interrupt)", tone="user")
    if etype.startswith("session.status_") or etype.startswith("session.thread_"):
        return _status(event, etype)
    if etype == "session.error":
        return _error(event)
    if etype in _THREAD_MESSAGES:
        peer = str(event.get("to_agent_name") or event.get("from_agent_name") or "primary")
        arrow = "→" if etype.endswith("sent") else "←"
        text = content_text(event)
        return EventView(
            "agent", f"{arrow} {peer}: {text}", tone="agent", body=text, heading=f"{arrow} {peer}"
        )
    return _generic(event, etype)


def _time(event: Mapping[str, Any]) -> str:
    stamp = event.get("processed_at")
    return stamp[11:19] if isinstance(stamp, str) and len(stamp) >= 19 else "--:--:--"


def _block(label: str, event: Mapping[str, Any], text: str, limit: int | None = None) -> list[str]:
    """``HH:MM:SS label  first line`` plus indented continuation lines (all inert)."""
    lines = inert(text).rstrip("\n").split("\n") or [""]
    hidden = 0
    if limit is not None and len(lines) > limit:
        hidden, lines = len(lines) - limit, lines[:limit]
    head = f"{inert_line(_time(event))} {label:<7}"
    out = [f"{head}{lines[0]}".rstrip()]
    out.extend(f"{' ' * len(head)}{line}".rstrip() for line in lines[1:])
    if hidden:
        out.append(f"{' ' * len(head)}… {hidden} more lines")
    return out


def event_lines(event: Mapping[str, Any], context: EventContext | None = None) -> list[str]:
    """The inert lines ``drover tail`` prints for one stored event (none for bookkeeping).

    Args:
        event: the stored wire event.
        context: earlier events, for a result's call and duration and a workflow's names;
            the event is added to it.
    """
    view = describe(event, context)
    if context is not None:
        context.see(event)
    if view.level != "main":
        return []
    return _block(view.label, event, view.summary, _RESULT_LINES if view.output else None)
