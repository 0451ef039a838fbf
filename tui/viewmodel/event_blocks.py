"""What the transcript shows for one mirrored event, as plain data: `block_for(row)`.

An `EventBlock` is a head line, an optional body (a Rich renderable) and a kind that the
`EventList` widget colours through its theme (`user`, `agent`, `dim`, `error`, `running`,
`idle`, `needs-you`, `terminated`). No widgets here, so the live view and replay (which share
`EventList`) and any test can build blocks without an app.

Every piece of agent-produced text goes through `drover.text.inert` and into `rich.text.Text`
(never markup) or, for message bodies, a Markdown renderable after neutralising escapes. Big
tool results are cut at `RESULT_PREVIEW_CHARS`; `v` opens the whole thing. Unknown event
types get a generic line; `r` on any event shows its raw JSON.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from rich.console import RenderableType
from rich.markdown import Markdown
from rich.text import Text

from drover.store.models import EventRow
from drover.text import format as fmt
from drover.text.inert import inert, inert_line

RESULT_PREVIEW_CHARS = 4_000
"""Characters of a tool result shown inline; the rest only in the full view."""

_TOOL_USES = ("agent.tool_use", "agent.mcp_tool_use", "agent.custom_tool_use")
_TOOL_RESULTS = (
    "agent.tool_result", "agent.mcp_tool_result", "user.custom_tool_result", "user.tool_result",
)  # fmt: skip
_MESSAGES = {"user.message": "You", "agent.message": "Agent", "system.message": "System"}
# Headings, quotes, lists, emphasis, code, links, tables: worth a Markdown parse.
_MARKDOWN = re.compile(r"(^|\n)\s*(#{1,6} |> |[-*+] |\d+\. |\|)|[*_`]|\]\(")
HIDDEN_TYPES = ("span.model_request_start", "span.outcome_evaluation_ongoing")
"""Event types the transcript condenses away (their end/result events carry the content)."""


@dataclass(frozen=True, slots=True)
class EventBlock:
    """One event as the transcript draws it.

    Attributes:
        row: the mirrored event.
        head: the first line (inert plain text).
        body: what shows under the head when expanded (already inert), or None.
        kind: the colour class (see the module docstring); '' for the default colour.
        collapsed: whether the body starts hidden (enter toggles).
        pinned_head: a message's head ("You", "Agent") is a label over the body, never a
            collapse toggle.
    """

    row: EventRow
    head: str
    body: RenderableType | None = None
    kind: str = ""
    collapsed: bool = False
    pinned_head: bool = False
    truncated: bool = False


def _message(row: EventRow, who: str, text: str, kind: str) -> EventBlock:
    body_text = inert(text)
    # Markdown parsing dominates render cost; plain prose renders identically as Text.
    body = Markdown(body_text) if _MARKDOWN.search(body_text) else Text(body_text)
    return EventBlock(row, who, body, kind, pinned_head=True)


def _tool_call(row: EventRow, title: str, text: str, total: int, collapsed: bool) -> EventBlock:
    body = Text(text, end="")
    truncated = total > len(text)
    if truncated:
        body.append(
            f"\n… truncated: {len(text):,} of {total:,} characters · v views all", style="italic"
        )
    return EventBlock(row, title, body, "dim" if collapsed else "", collapsed, truncated=truncated)


def _tool_use(row: EventRow) -> EventBlock:
    ev = row.event
    server = f"{ev.get('mcp_server_name')}/" if ev.get("mcp_server_name") else ""
    name = inert_line(f"{server}{ev.get('name', 'tool')}")
    ask = "  [awaiting approval]" if ev.get("evaluated_permission") == "ask" else ""
    body = inert(json.dumps(ev.get("input"), indent=2, ensure_ascii=False))
    title = f"⚙ {name}: {fmt.preview(ev.get('input'), 70)}{ask}"
    return _tool_call(row, title, body, len(body), collapsed=False)


def _tool_result(row: EventRow) -> EventBlock:
    text = fmt.content_text(row.event)
    error = " (error)" if row.event.get("is_error") else ""
    first = inert_line(text[:200])
    title = f"↳ result{error} · {len(text):,} chars · {first[:60]}"
    return _tool_call(row, title, inert(text[:RESULT_PREVIEW_CHARS]), len(text), collapsed=True)


def _error(row: EventRow) -> EventBlock:
    err = row.event.get("error")
    if not isinstance(err, Mapping):
        return EventBlock(row, "✖ error", kind="error")
    retry = err.get("retry_status")
    retry_type = retry.get("type", "?") if isinstance(retry, Mapping) else "?"
    kind = inert_line(str(err.get("type", "error")))
    message = inert_line(str(err.get("message", "")))
    return EventBlock(row, f"✖ {kind}: {message}  [{inert_line(str(retry_type))}]", kind="error")


def _quarantined(row: EventRow) -> EventBlock:
    """A wire item sync kept aside (`drover.store.quarantine`): why, how big, its first bytes."""
    ev = row.event
    reason = inert_line(str(ev.get("reason") or "not an event"))
    size = ev.get("bytes") if isinstance(ev.get("bytes"), int) else "?"
    head = f"⚠ quarantined {inert_line(str(ev.get('source') or ''))} item · {size} bytes · {reason}"
    excerpt = inert(str(ev.get("excerpt") or ""))
    return EventBlock(row, head + " · r: raw", Text(excerpt), kind="error", collapsed=True)


def _state_kind(state: str) -> str:
    return {"running": "running", "idle": "idle", "rescheduled": "needs-you"}.get(
        state, "terminated"
    )


def _status(row: EventRow) -> EventBlock:
    state = row.type.rsplit("_", 1)[-1]
    reason = row.event.get("stop_reason")
    label, kind = state, _state_kind(state)
    if isinstance(reason, Mapping) and reason.get("type"):
        label += f" · {inert_line(str(reason['type']))}"
        if reason.get("type") != "end_turn":
            kind = "needs-you"
    return EventBlock(row, f"── {label} ──", kind=kind)


def _span_end(row: EventRow) -> EventBlock:
    u = row.event.get("model_usage")
    u = u if isinstance(u, Mapping) else {}
    cache = (u.get("cache_read_input_tokens") or 0) + (u.get("cache_creation_input_tokens") or 0)
    text = (
        f"· model request: {fmt.tokens(u.get('input_tokens'))} in · "
        f"{fmt.tokens(u.get('output_tokens'))} out · {fmt.tokens(cache)} cache"
    )
    return EventBlock(row, text, kind="dim")


def _confirmation(row: EventRow) -> EventBlock:
    ev = row.event
    if ev.get("result") == "deny":
        why = inert_line(str(ev.get("deny_message") or ""))
        return EventBlock(row, f"✘ denied {why}".rstrip(), kind="needs-you")
    return EventBlock(row, "✔ allowed", kind="running")


def _thread_message(row: EventRow) -> EventBlock:
    ev = row.event
    if row.type.endswith("_sent"):
        who = f"→ to {inert_line(str(ev.get('to_agent_name') or 'primary'))}"
    else:
        who = f"← from {inert_line(str(ev.get('from_agent_name') or 'primary'))}"
    return _message(row, who, fmt.content_text(ev), "agent")


def _thread_event(row: EventRow) -> EventBlock:
    """A child thread's lifecycle, as cross-posted to the primary (or on its own stream)."""
    name = inert_line(str(row.event.get("agent_name") or "sub-agent"))
    if row.type == "session.thread_created":
        return EventBlock(row, f"⑂ {name} started (t shows its lane)", kind="dim")
    state = row.type.removeprefix("session.thread_status_")
    return EventBlock(row, f"  ⑂ {name}: {state}", kind=_state_kind(state))


def _usage(row: EventRow) -> EventBlock:
    u = row.event.get("usage")
    cost = "-"
    if isinstance(u, Mapping) and isinstance(u.get("list_cost"), Mapping):
        cost = fmt.money(int(u["list_cost"].get("amount", 0) or 0))
    return EventBlock(row, f"· usage: {cost} so far", kind="dim")


def _generic(row: EventRow) -> EventBlock:
    keys = ", ".join(k for k in row.event if k not in ("id", "type", "processed_at"))
    text = f"· {inert_line(row.type)}" + (f" ({inert_line(keys)})" if keys else "") + " · r: raw"
    return EventBlock(row, text, kind="dim")


_SIMPLE = {
    "agent.thinking": ("· thinking…", "dim"),
    "user.interrupt": ("⏹ interrupt", "needs-you"),
}


def block_for(row: EventRow) -> EventBlock | None:
    """What the transcript shows for `row` (None for events it condenses away)."""
    etype = row.type
    if etype in HIDDEN_TYPES:
        return None
    if etype in _MESSAGES:
        return _message(row, _MESSAGES[etype], fmt.content_text(row.event), etype.split(".")[0])
    if etype in _SIMPLE:
        head, kind = _SIMPLE[etype]
        return EventBlock(row, head, kind=kind)
    if etype in _TOOL_USES:
        return _tool_use(row)
    if etype in _TOOL_RESULTS:
        return _tool_result(row)
    if etype == "session.error":
        return _error(row)
    if etype == "session.thread_created" or etype.startswith("session.thread_status_"):
        return _thread_event(row)
    if etype.startswith("session.status_"):
        return _status(row)
    if etype == "span.model_request_end":
        return _span_end(row)
    if etype == "user.tool_confirmation":
        return _confirmation(row)
    if etype.startswith("agent.thread_message"):
        return _thread_message(row)
    if etype == "session.usage":
        return _usage(row)
    if etype == "drover.quarantined":
        return _quarantined(row)
    return _generic(row)
