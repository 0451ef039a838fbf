"""Tool calls in the transcript: one compact line per call and one per result.

A call reads `▶ bash  $ pytest -q` with its duration and outcome at the right (`6.8s ✓`,
`4.3s ✗ exit 1`, `awaiting approval`); enter expands it to the full input and the start of the
output. Its result follows as `↳ first line of output` (enter: the output; `v`: all of it).
The wording is `drover.text.tools`', shared with ``drover tail``; the pairing comes from
`EventLinks` (the loaded window, plus rows fetched by index), never from a scan.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from rich.console import RenderableType
from rich.text import Text

from drover.store.models import EventRow
from drover.text.format import content_text
from drover.text.inert import inert, inert_line
from drover.text.tools import answered_id, call_line, call_seconds, outcome, seconds_text
from drover.tui.viewmodel.event_links import EventLinks, ResultInfo

RESULT_PREVIEW_CHARS = 4_000
"""Characters of a tool result shown inline; the rest only in the full view."""
INPUT_CHARS = 8_000
"""Characters of a tool's input shown when its call is expanded (`v` shows all)."""


def _input_text(event: Mapping[str, Any]) -> str:
    """A call's input as a person reads it: the command, a diff, or pretty JSON."""
    args = event.get("input")
    if event.get("type") == "agent.tool_use" and isinstance(args, Mapping):
        name = event.get("name")
        if name == "bash" and isinstance(args.get("command"), str):
            return f"$ {args['command']}"
        old, new = args.get("old_string"), args.get("new_string")
        if name == "edit" and isinstance(old, str) and isinstance(new, str):
            minus = "\n".join(f"- {line}" for line in old.splitlines())
            plus = "\n".join(f"+ {line}" for line in new.splitlines())
            return f"{args.get('file_path', '')}\n{minus}\n{plus}".strip()
    return json.dumps(args, indent=2, ensure_ascii=False)


def call_text(use: Mapping[str, Any], result: Mapping[str, Any] | None) -> str:
    """A whole tool call as text (for `v` and `$PAGER`): the call, its input, its output."""
    lines = [call_line(use), "", _input_text(use)]
    if result is not None:
        took = seconds_text(call_seconds(use, result))
        lines += ["", f"── {outcome(result).mark}{' · ' + took if took else ''} ──",
                  content_text(result)]  # fmt: skip
    else:
        lines += ["", "── no result yet ──"]
    return "\n".join(lines)


def _cut(text: str, limit: int) -> tuple[str, str | None]:
    if len(text) <= limit:
        return text, None
    return text[:limit], f"… {len(text) - limit:,} more characters · v views all"


def _aside(
    use: EventRow, result: ResultInfo | None, verdict: tuple[str, str | None] | None
) -> tuple[str, str]:
    """The right-hand status of a call and its colour kind."""
    if verdict is not None and verdict[0] == "deny":
        # The platform answers a denied call with an error result at once; "0.0s ✗ error"
        # would say the tool ran and failed, when a person stopped it.
        return "✗ denied", "needs-you"
    if result is None:
        if verdict is None and use.event.get("evaluated_permission") == "ask":
            return "awaiting approval", "needs-you"
        if use.type == "agent.custom_tool_use":
            return "wants a result (o)", "needs-you"
        return ("allowed · running" if verdict else "no result yet"), "dim"
    took = seconds_text(call_seconds(use.event, result.event, verdict[1] if verdict else None))
    mark = result.outcome.mark
    return (f"{took} {mark}" if took else mark), ("" if result.outcome.ok else "error")


def tool_use_block(row: EventRow, links: EventLinks | None) -> tuple[str, str, RenderableType,
                                                                         str, bool]:  # fmt: skip
    """(head, aside, body, kind, collapsed) of a tool use."""
    result = links.result(row.id) if links is not None else None
    verdict = links.verdict(row.id) if links is not None else None
    aside, kind = _aside(row, result, verdict)
    shown, more = _cut(inert(_input_text(row.event)), INPUT_CHARS)
    body = Text(shown, end="")
    if more:
        body.append(f"\n{more}", style="italic")
    if result is not None:
        body.append(f"\n── output · {result.outcome.lines:,} lines ──\n", style="dim")
        output, _ = _cut(inert(result.preview), RESULT_PREVIEW_CHARS)
        body.append(output)
        if result.chars > len(output):
            body.append(
                f"\n… {result.chars - len(output):,} more characters · v views all", style="italic"
            )
    # A call waiting for a person shows what it will do; the rest start as one line.
    collapsed = not (result is None and kind == "needs-you")
    return call_line(row.event), aside, body, kind, collapsed


def tool_result_block(row: EventRow, links: EventLinks | None) -> tuple[str, str, Text, str,
                                                                           bool]:  # fmt: skip
    """(head, aside, body, kind, truncated) of a tool result."""
    text = content_text(row.event)
    done = outcome(row.event)
    use = links.use(answered_id(row.event)) if links is not None else None
    first = done.first_line or "(no output)"
    head = f"↳ {first}"
    if use is not None:
        head = f"↳ {call_line(use).split(' ', 1)[0]}: {first}"
    if not done.ok:
        head = f"↳ {done.mark} · {first}"
    aside = f"{done.lines:,} lines" if done.lines > 1 else ""
    body = Text(inert(text[:RESULT_PREVIEW_CHARS]), end="")
    truncated = len(text) > RESULT_PREVIEW_CHARS
    if truncated:
        body.append(
            f"\n… truncated: {RESULT_PREVIEW_CHARS:,} of {len(text):,} characters · v views all",
            style="italic",
        )
    return inert_line(head), aside, body, "dim" if done.ok else "error", truncated
