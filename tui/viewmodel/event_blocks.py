"""What the transcript shows for one mirrored event, as plain data: `block_for(row, links)`.

An `EventBlock` is a head line (with an optional right-hand `aside`: a call's duration and
outcome), an optional body (a Rich renderable) and a kind that the `EventList` widget colours
through its theme (`user`, `agent`, `dim`, `error`, `running`, `idle`, `needs-you`,
`terminated`). No widgets here, so the live view and replay (which share `EventList`) and any
test can build blocks without an app.

Every piece of agent-produced text goes through `drover.text.inert` and into `rich.text.Text`
(never markup) or, for message bodies, a Markdown renderable after neutralising escapes. Tool
calls are one line each (`drover.tui.viewmodel.tool_blocks`), paired with their results through
`EventLinks`; thinking is one collapsed line; workflow runs, thread termination and
rescheduling, and compaction read as `drover.text.workflow` words them; outcomes, their
evaluation and automatic answers by rule as `drover.text.steer` does. Unknown event types get
a generic line; `r` on any event shows its raw JSON.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rich.console import RenderableType
from rich.markdown import Markdown
from rich.text import Text

from drover.store.models import EventRow
from drover.text import format as fmt
from drover.text.inert import inert, inert_line
from drover.text.steer import outcome_line, rule_line
from drover.text.tools import TOOL_RESULTS, TOOL_USES
from drover.text.workflow import news_line, run_id_of
from drover.tui.viewmodel.event_links import EventLinks
from drover.tui.viewmodel.tool_blocks import (
    RESULT_PREVIEW_CHARS,
    tool_result_block,
    tool_use_block,
)

__all__ = ["HIDDEN_TYPES", "RESULT_PREVIEW_CHARS", "EventBlock", "EventLinks", "block_for"]
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
        truncated: the body shows only the start of a long text (`v` shows it whole).
        aside: right-aligned on the head line (a tool call's duration and outcome).
    """

    row: EventRow
    head: str
    body: RenderableType | None = None
    kind: str = ""
    collapsed: bool = False
    pinned_head: bool = False
    truncated: bool = False
    aside: str = ""


def _message(row: EventRow, who: str, text: str, kind: str) -> EventBlock:
    body_text = inert(text)
    # Markdown parsing dominates render cost; plain prose renders identically as Text.
    body = Markdown(body_text) if _MARKDOWN.search(body_text) else Text(body_text)
    return EventBlock(row, who, body, kind, pinned_head=True)


def _tool_use(row: EventRow, links: EventLinks | None) -> EventBlock:
    head, aside, body, kind, collapsed = tool_use_block(row, links)
    return EventBlock(row, head, body, kind, collapsed, aside=aside)


def _tool_result(row: EventRow, links: EventLinks | None) -> EventBlock:
    head, aside, body, kind, truncated = tool_result_block(row, links)
    return EventBlock(row, head, body, kind, collapsed=True, truncated=truncated, aside=aside)


def _thinking(row: EventRow) -> EventBlock:
    """One dim line; collapsed. The wire's thinking event carries no text (a progress signal,
    SDK 2.17), but a server that sends some gets it as the collapsed body."""
    ev = row.event
    text = next((v for k in ("thinking", "text") if isinstance(v := ev.get(k), str) and v), "")
    text = text or fmt.content_text(ev)
    if not text.strip():
        return EventBlock(row, "∴ thinking", kind="dim")
    return EventBlock(row, "∴ thinking", Text(inert(text), end=""), "dim", collapsed=True)


def _news(row: EventRow, links: EventLinks | None) -> EventBlock | None:
    """Workflow runs, thread termination/rescheduling, compaction (`drover.text.workflow`)."""
    created = links.run(run_id_of(row.event)) if links is not None else None
    line = news_line(row.event, created)
    if line is None:
        return None
    body = None
    if row.type == "workflow_run.created":
        body = _run_plan(row.event)
    head = f"{line.glyph} {line.text}"
    return EventBlock(row, head, body, line.tone, collapsed=body is not None)


def _steer(row: EventRow) -> EventBlock | None:
    """An outcome (its rubric under the definition) and its evaluation; an answer by rule."""
    line = outcome_line(row.event) or rule_line(row.event)
    if line is None:
        return None
    body = None
    rubric = row.event.get("rubric") if row.type == "user.define_outcome" else None
    if isinstance(rubric, Mapping):
        text = rubric.get("content") if rubric.get("type") == "text" else None
        body = Text(inert(str(text or f"rubric: file {rubric.get('file_id', '?')}")), end="")
    return EventBlock(row, f"{line.glyph} {line.text}", body, line.tone, collapsed=body is not None)


def _run_plan(event: Mapping[str, Any]) -> Text | None:
    """A workflow run's description and phases, for its expanded `created` line."""
    lines = []
    if isinstance(event.get("description"), str) and event["description"]:
        lines += [inert(event["description"]), ""]
    phases = event.get("phases") if isinstance(event.get("phases"), list) else []
    for index, phase in enumerate(p for p in phases if isinstance(p, Mapping)):
        about = f" — {inert_line(str(phase['description']))}" if phase.get("description") else ""
        lines.append(f"{index + 1}. {inert_line(str(phase.get('name') or phase.get('id')))}{about}")
    return Text("\n".join(lines).strip("\n"), end="") if lines else None


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
    "user.interrupt": ("⏹ interrupt", "needs-you"),
}


def block_for(row: EventRow, links: EventLinks | None = None) -> EventBlock | None:
    """What the transcript shows for `row` (None for events it condenses away).

    Args:
        row: the mirrored event.
        links: what the loaded window knows of related events (a call's result, a workflow
            run's names); without it, calls show no outcome and runs show their ids.
    """
    etype = row.type
    if etype in HIDDEN_TYPES:
        return None
    news = _news(row, links)
    if news is not None:
        return news
    steer = _steer(row)
    if steer is not None:
        return steer
    if etype == "agent.thinking":
        return _thinking(row)
    if etype in _MESSAGES:
        return _message(row, _MESSAGES[etype], fmt.content_text(row.event), etype.split(".")[0])
    if etype in _SIMPLE:
        head, kind = _SIMPLE[etype]
        return EventBlock(row, head, kind=kind)
    if etype in TOOL_USES:
        return _tool_use(row, links)
    if etype in TOOL_RESULTS:
        return _tool_result(row, links)
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
