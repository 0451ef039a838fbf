"""Human-readable transcript lines for ``drover tail``.

Agent-produced text is data (invariant 7): every string taken from an event goes through
:func:`drover.text.inert.inert`, so an escape sequence an agent printed (``\\x1b]0;…\\x07``,
``\\x1b[2J``) shows as visible ``␛]0;…␇`` instead of retitling or clearing the user's terminal.
Unknown event types are shown generically (invariant 6), never dropped silently; only the
bookkeeping events (spans, usage, thread status) are left out of the human view — ``--json``
prints every event as stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from drover.text.format import content_text, preview
from drover.text.inert import inert, inert_line

__all__ = ["event_lines"]

_QUIET_PREFIXES = ("span.", "session.thread_status_")
_QUIET = {"session.usage", "session.updated"}
_RESULT_LINES = 6  # tool output lines shown before "… N more"
_TOOL_USES = {"agent.tool_use", "agent.mcp_tool_use", "agent.custom_tool_use"}
_TOOL_RESULTS = {"agent.tool_result", "agent.mcp_tool_result"}


def _time(event: Mapping[str, Any]) -> str:
    stamp = event.get("processed_at")
    return stamp[11:19] if isinstance(stamp, str) and len(stamp) >= 19 else "--:--:--"


def _block(label: str, event: Mapping[str, Any], text: str, limit: int | None = None) -> list[str]:
    """``HH:MM:SS label  first line`` plus indented continuation lines (all inert)."""
    lines = inert(text).rstrip("\n").split("\n") or [""]
    hidden = 0
    if limit is not None and len(lines) > limit:
        hidden, lines = len(lines) - limit, lines[:limit]
    head = f"{_time(event)} {label:<7}"
    out = [f"{head}{lines[0]}".rstrip()]
    out.extend(f"{' ' * len(head)}{line}".rstrip() for line in lines[1:])
    if hidden:
        out.append(f"{' ' * len(head)}… {hidden} more lines")
    return out


def _stop_reason(event: Mapping[str, Any]) -> str:
    reason = event.get("stop_reason")
    if not isinstance(reason, Mapping):
        return ""
    kind = inert_line(str(reason.get("type", "")))
    ids = reason.get("event_ids")
    if isinstance(ids, list) and ids:
        return f"{kind} {' '.join(inert_line(str(i)) for i in ids)}"
    return kind


def event_lines(event: Mapping[str, Any]) -> list[str]:
    """The lines ``drover tail`` prints for one stored event (possibly none)."""
    etype = str(event.get("type", ""))
    if etype in _QUIET or etype.startswith(_QUIET_PREFIXES):
        return []
    if etype == "user.message":
        return _block("you", event, content_text(event))
    if etype == "agent.message":
        return _block("agent", event, content_text(event))
    if etype == "agent.thinking":
        return _block("agent", event, "(thinking)")
    if etype in _TOOL_USES:
        ask = "  [needs approval]" if event.get("evaluated_permission") == "ask" else ""
        name = inert_line(str(event.get("name", "tool")))
        text = f"{name}: {preview(event.get('input'), 100)}{ask}  ({event.get('id', '')})"
        return _block("tool", event, text)
    if etype in _TOOL_RESULTS:
        label = "error" if event.get("is_error") else "result"
        return _block(label, event, content_text(event), _RESULT_LINES)
    if etype == "user.tool_confirmation":
        verdict = "allowed" if event.get("result") == "allow" else "denied"
        note = f": {event['deny_message']}" if event.get("deny_message") else ""
        return _block("you", event, f"{verdict} {event.get('tool_use_id', '')}{note}")
    if etype == "user.interrupt":
        return _block("you", event, "(interrupt)")
    if etype.startswith("session.status_"):
        state = etype.removeprefix("session.status_")
        reason = _stop_reason(event)
        return _block("---", event, f"{state}{': ' + reason if reason else ''}")
    if etype == "session.error":
        error = event.get("error") if isinstance(event.get("error"), Mapping) else {}
        retry = error.get("retry_status") if isinstance(error.get("retry_status"), Mapping) else {}
        detail = f"{error.get('type', 'error')}: {error.get('message', '')}"
        if retry.get("type"):
            detail += f" ({retry['type']})"
        return _block("error", event, detail)
    if etype in ("agent.thread_message_sent", "agent.thread_message_received"):
        peer = event.get("to_agent_name") or event.get("from_agent_name") or "thread"
        arrow = "→" if etype.endswith("sent") else "←"
        return _block("agent", event, f"{arrow} {peer}: {content_text(event)}")
    fields = {k: v for k, v in event.items() if k not in ("type", "id", "processed_at")}
    return _block("event", event, f"{inert_line(etype)} {preview(fields, 100)}")
