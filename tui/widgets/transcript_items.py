"""One widget per transcript event, built by `make_item` from a mirrored `EventRow`.

Every piece of agent-produced text goes through `drover.text.inert` and into `Content(...)`
(never `from_markup`) or, for message bodies, a Markdown widget after neutralising escapes.
Big tool results are cut at `RESULT_PREVIEW_CHARS`; `v` on the item opens the whole thing.
Unknown event types get a generic line; `r` on any item shows its raw JSON.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from rich.console import Group, RenderableType
from rich.markdown import Markdown as RichMarkdown
from rich.padding import Padding
from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from drover.store.models import EventRow
from drover.text import format as fmt
from drover.text.inert import inert, inert_line

RESULT_PREVIEW_CHARS = 4_000
"""Characters of a tool result shown inline; the rest only in the full view."""

_TOOL_USES = ("agent.tool_use", "agent.mcp_tool_use", "agent.custom_tool_use")
_TOOL_RESULTS = (
    "agent.tool_result", "agent.mcp_tool_result", "user.custom_tool_result", "user.tool_result",
)  # fmt: skip
# Headings, quotes, lists, emphasis, code, links, tables: worth a Markdown parse.
_MARKDOWN = re.compile(r"(^|\n)\s*(#{1,6} |> |[-*+] |\d+\. |\|)|[*_`]|\]\(")
_HIDDEN = ("span.model_request_start", "span.outcome_evaluation_ongoing")


class TranscriptItem(Widget, can_focus=True):
    """One event as ONE widget (a page mounts ~100 of them, so no per-item widget trees).

    Args:
        row: the mirrored event.
        head: the first line (inert plain text).
        body: optional renderable under it (already inert).
        collapsed: start with the body hidden (enter toggles).
        classes: state classes (`-error`, `-dim`, …) that colour it through the theme.
    """

    DEFAULT_CSS = """
    TranscriptItem { height: auto; padding: 0 1; }
    TranscriptItem:focus { background: $boost; }
    TranscriptItem.-user { color: $accent; }
    TranscriptItem.-agent { color: $foreground; }
    TranscriptItem.-dim { color: $text-muted; }
    TranscriptItem.-error { color: $session-error; }
    TranscriptItem.-running { color: $session-running; }
    TranscriptItem.-idle { color: $session-idle; }
    TranscriptItem.-needs-you { color: $session-needs-you; }
    TranscriptItem.-terminated { color: $session-terminated; }
    """

    BINDINGS = [  # noqa: RUF012
        Binding("enter", "toggle", "Expand/collapse", show=False),
        Binding("r", "raw", "Raw JSON"),
        Binding("v", "view_whole", "View whole"),
    ]

    collapsed: reactive[bool] = reactive(False, layout=True)
    """Whether the body is hidden (only items with a body can collapse)."""

    class ViewRequested(Message):
        """Show an event whole: its raw JSON (`raw`) or its full text content."""

        def __init__(self, event_id: str, raw: bool) -> None:
            self.event_id = event_id
            self.raw = raw
            super().__init__()

    def __init__(
        self,
        row: EventRow,
        head: str,
        body: RenderableType | None = None,
        *,
        collapsed: bool = False,
        classes: str = "",
    ) -> None:
        super().__init__(classes=classes)
        self.row = row
        self.head = head
        self.body_renderable = body
        self.set_reactive(TranscriptItem.collapsed, collapsed and body is not None)

    def render(self) -> RenderableType:
        # Text(...) never parses markup: agent data stays literal.
        if self.body_renderable is None:
            return Text(self.head, end="")
        marker = "▶ " if self.collapsed else "▼ "
        if self.collapsed:
            return Text(marker + self.head, style="bold", end="")
        return Group(
            Text(marker + self.head, style="bold"), Padding(self.body_renderable, (0, 0, 0, 2))
        )

    def action_toggle(self) -> None:
        """Show or hide the body."""
        if self.body_renderable is not None:
            self.collapsed = not self.collapsed

    def on_click(self) -> None:
        self.action_toggle()

    def action_raw(self) -> None:
        """Ask the screen to show this event's raw JSON."""
        self.post_message(self.ViewRequested(self.row.id, raw=True))

    def action_view_whole(self) -> None:
        """Ask the screen to show this event's full text (untruncated)."""
        self.post_message(self.ViewRequested(self.row.id, raw=False))


class MessageItem(TranscriptItem):
    """A user or agent message: who, then the body as Markdown (escapes neutralised first)."""

    def __init__(self, row: EventRow, who: str, body: str, kind: str) -> None:
        self.who = who
        self.body = inert(body)
        # Markdown parsing dominates layout cost; plain prose renders identically as Text.
        rendered = RichMarkdown(self.body) if _MARKDOWN.search(self.body) else Text(self.body)
        super().__init__(row, who, rendered, classes=f"-{kind}")

    def render(self) -> RenderableType:
        return Group(Text(self.who, style="bold"), Padding(self.body_renderable, (0, 0, 0, 2)))


class ToolCallItem(TranscriptItem):
    """A tool call (input shown) or a tool result (collapsed, truncated when huge)."""

    def __init__(self, row: EventRow, title: str, body: str, collapsed: bool, total: int) -> None:
        self.body = body
        self.total = total
        text = Text(body, end="")
        if self.truncated:
            note = f"\n… truncated: {len(body):,} of {total:,} characters · v views all"
            text.append(note, style="italic")
        super().__init__(row, title, text, collapsed=collapsed, classes="-dim" if collapsed else "")

    @property
    def truncated(self) -> bool:
        """True when only a preview of the body is shown."""
        return self.total > len(self.body)


def _tool_use(row: EventRow) -> ToolCallItem:
    ev = row.event
    server = f"{ev.get('mcp_server_name')}/" if ev.get("mcp_server_name") else ""
    name = inert_line(f"{server}{ev.get('name', 'tool')}")
    ask = "  [awaiting approval]" if ev.get("evaluated_permission") == "ask" else ""
    body = inert(json.dumps(ev.get("input"), indent=2, ensure_ascii=False))
    title = f"⚙ {name}: {fmt.preview(ev.get('input'), 70)}{ask}"
    return ToolCallItem(row, title, body, collapsed=False, total=len(body))


def _tool_result(row: EventRow) -> ToolCallItem:
    text = fmt.content_text(row.event)
    error = " (error)" if row.event.get("is_error") else ""
    first = inert_line(text[:200])
    title = f"↳ result{error} · {len(text):,} chars · {first[:60]}"
    preview = inert(text[:RESULT_PREVIEW_CHARS])
    return ToolCallItem(row, title, preview, collapsed=True, total=len(text))


def _error(row: EventRow) -> TranscriptItem:
    err = row.event.get("error") or {}
    retry = (err.get("retry_status") or {}).get("type", "?") if isinstance(err, Mapping) else "?"
    kind = inert_line(str(err.get("type", "error"))) if isinstance(err, Mapping) else "error"
    message = inert_line(str(err.get("message", ""))) if isinstance(err, Mapping) else ""
    return TranscriptItem(row, f"✖ {kind}: {message}  [{retry}]", classes="-error")


def _status(row: EventRow) -> TranscriptItem:
    state = row.type.rsplit("_", 1)[-1]
    reason = row.event.get("stop_reason")
    label = state
    if isinstance(reason, Mapping) and reason.get("type"):
        label += f" · {inert_line(str(reason['type']))}"
    css = {"running": "-running", "idle": "-idle", "rescheduled": "-needs-you"}.get(
        state, "-terminated"
    )
    if isinstance(reason, Mapping) and reason.get("type") not in (None, "end_turn"):
        css = "-needs-you"
    return TranscriptItem(row, f"── {label} ──", classes=css)


def _span_end(row: EventRow) -> TranscriptItem:
    u = row.event.get("model_usage") or {}
    cache = (u.get("cache_read_input_tokens") or 0) + (u.get("cache_creation_input_tokens") or 0)
    text = (
        f"· model request: {fmt.tokens(u.get('input_tokens'))} in · "
        f"{fmt.tokens(u.get('output_tokens'))} out · {fmt.tokens(cache)} cache"
    )
    return TranscriptItem(row, text, classes="-dim")


def _confirmation(row: EventRow) -> TranscriptItem:
    ev = row.event
    if ev.get("result") == "deny":
        why = inert_line(str(ev.get("deny_message") or ""))
        return TranscriptItem(row, f"✘ denied {why}".rstrip(), classes="-needs-you")
    return TranscriptItem(row, "✔ allowed", classes="-running")


def _thread_message(row: EventRow) -> MessageItem:
    ev = row.event
    if row.type.endswith("_sent"):
        who = f"→ to {inert_line(str(ev.get('to_agent_name') or 'primary'))}"
    else:
        who = f"← from {inert_line(str(ev.get('from_agent_name') or 'primary'))}"
    return MessageItem(row, who, fmt.content_text(ev), "agent")


def _thread_event(row: EventRow) -> TranscriptItem:
    """A child thread's lifecycle, as cross-posted to the primary (or on its own stream)."""
    name = inert_line(str(row.event.get("agent_name") or "sub-agent"))
    if row.type == "session.thread_created":
        return TranscriptItem(row, f"⑂ {name} started (t shows its lane)", classes="-dim")
    state = row.type.removeprefix("session.thread_status_")
    css = {"running": "-running", "idle": "-idle", "rescheduled": "-needs-you"}.get(
        state, "-terminated"
    )
    return TranscriptItem(row, f"  ⑂ {name}: {state}", classes=css)


def _usage(row: EventRow) -> TranscriptItem:
    u = row.event.get("usage") or {}
    cost = fmt.money(int((u.get("list_cost") or {}).get("amount", 0) or 0)) if u else "-"
    return TranscriptItem(row, f"· usage: {cost} so far", classes="-dim")


def _generic(row: EventRow) -> TranscriptItem:
    keys = ", ".join(k for k in row.event if k not in ("id", "type", "processed_at"))
    text = f"· {inert_line(row.type)}" + (f" ({inert_line(keys)})" if keys else "") + " · r: raw"
    return TranscriptItem(row, text, classes="-dim")


def make_item(row: EventRow) -> TranscriptItem | None:
    """Build the widget for one event (None for events the transcript condenses away)."""
    etype = row.type
    if etype in _HIDDEN:
        return None
    if etype in ("user.message", "agent.message", "system.message"):
        who = {"user.message": "You", "agent.message": "Agent", "system.message": "System"}[etype]
        return MessageItem(row, who, fmt.content_text(row.event), etype.split(".")[0])
    if etype in _TOOL_USES:
        return _tool_use(row)
    if etype in _TOOL_RESULTS:
        return _tool_result(row)
    if etype == "agent.thinking":
        return TranscriptItem(row, "· thinking…", classes="-dim")
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
    if etype == "user.interrupt":
        return TranscriptItem(row, "⏹ interrupt", classes="-needs-you")
    if etype.startswith("agent.thread_message"):
        return _thread_message(row)
    if etype == "session.usage":
        return _usage(row)
    return _generic(row)
