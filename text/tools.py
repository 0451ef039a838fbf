"""Tool calls in one compact line, shared by the TUI transcript, the grid and ``drover tail``.

A built-in tool call reads the way a person would say it (`bash  $ pytest -q`, `read path`,
`edit path (+3 −1)`, `grep pattern in path`), other tools as `name  first argument`. Paired with
its result (the result's `tool_use_id`/`mcp_tool_use_id`/`custom_tool_use_id` names the use's
event id), a call has a duration (the two `processed_at`s apart, counted from its approval when
it waited for one) and an outcome: ✓, or ✗ with the exit code when the output states one, else
"error".

Everything returned here is inert (`drover.text.inert`): agent text is data, never markup or
terminal control.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from drover.api.timestamps import parse_timestamp
from drover.text.format import content_text
from drover.text.inert import inert_line

__all__ = [
    "TOOL_RESULTS",
    "TOOL_USES",
    "Outcome",
    "answered_id",
    "call_line",
    "call_seconds",
    "edit_counts",
    "outcome",
    "seconds_text",
]

TOOL_USES = ("agent.tool_use", "agent.mcp_tool_use", "agent.custom_tool_use")
TOOL_RESULTS = (
    "agent.tool_result", "agent.mcp_tool_result", "user.custom_tool_result", "user.tool_result",
)  # fmt: skip
_REF_FIELDS = ("tool_use_id", "mcp_tool_use_id", "custom_tool_use_id")
_TARGET = 90  # characters of a command, path or pattern shown on the line
_DIFF_LIMIT = 200_000  # characters of old+new text worth a line diff (bigger: line counts)
# "exit code 2", "Exit code: 2", "exit status 2", "exited with code 2", "[exit 2]"
_EXIT = re.compile(
    r"\b(?:exit(?:ed with)? (?:code|status)\s*:?\s*|\[exit )(-?\d{1,3})\b", re.IGNORECASE
)


def _text(value: Any, width: int = _TARGET) -> str:
    """One inert, width-capped line of a string input field."""
    line = inert_line(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))
    return line if len(line) <= width else line[: width - 1] + "…"


def edit_counts(old: str, new: str) -> tuple[int, int]:
    """Lines added and removed by replacing `old` with `new` (a line diff, like `git diff`)."""
    old_lines, new_lines = old.splitlines(), new.splitlines()
    if len(old) + len(new) > _DIFF_LIMIT:  # a huge edit: the line counts say enough
        return len(new_lines), len(old_lines)
    added = removed = 0
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(
        None, old_lines, new_lines, autojunk=False
    ).get_opcodes():
        if tag in ("replace", "delete"):
            removed += i2 - i1
        if tag in ("replace", "insert"):
            added += j2 - j1
    return added, removed


def _path(args: Mapping[str, Any]) -> str:
    for key in ("file_path", "path", "notebook_path", "url"):
        if isinstance(args.get(key), str):
            return _text(args[key])
    return ""


def _builtin(name: str, args: Mapping[str, Any]) -> str | None:
    """The compact line of an agent-toolset call, or None for a tool it does not know."""
    path = _path(args)
    if name == "bash" and "command" in args:
        return f"bash  $ {_text(args['command'])}"
    if name in ("read", "write") and path:
        if name == "write" and isinstance(args.get("content"), str):
            return f"write {path} ({len(args['content'].splitlines()):,} lines)"
        return f"{name} {path}"
    if name == "edit" and path:
        old, new = args.get("old_string"), args.get("new_string")
        if isinstance(old, str) and isinstance(new, str):
            added, removed = edit_counts(old, new)
            every = " (every match)" if args.get("replace_all") else ""
            return f"edit {path} (+{added} −{removed}){every}"
        return f"edit {path}"
    if name in ("grep", "glob") and "pattern" in args:
        where = f" in {path}" if path else ""
        return f"{name} {_text(args['pattern'], 60)}{where}"
    if name == "web_fetch" and path:
        return f"fetch {path}"
    if name == "web_search" and "query" in args:
        return f"search {_text(args['query'])}"
    return None


def call_line(event: Mapping[str, Any]) -> str:
    """A tool use in one inert line: `bash  $ cmd`, `read path`, `server/tool  argument`."""
    name = str(event.get("name") or "tool")
    raw_args = event.get("input")
    args: Mapping[str, Any] = raw_args if isinstance(raw_args, Mapping) else {}
    server = event.get("mcp_server_name")
    if event.get("type") == "agent.tool_use":
        line = _builtin(name, args)
        if line is not None:
            return line
    label = f"{server}/{name}" if isinstance(server, str) and server else name
    shown = _args_line(args) if args else ""
    return inert_line(label) + (f"  {shown}" if shown else "")


def _args_line(args: Mapping[str, Any]) -> str:
    """Arguments as `key: value, key: value` (one argument: its value alone), capped."""
    if len(args) == 1:
        return _text(next(iter(args.values())))
    parts = []
    for key, value in args.items():
        shown = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
        parts.append(f"{key}: {shown}")
    return _text(", ".join(parts))


def answered_id(event: Mapping[str, Any]) -> str | None:
    """The id of the tool use a result (or confirmation) answers."""
    for key in _REF_FIELDS:
        value = event.get(key)
        if isinstance(value, str) and value:
            return value
    return None


@dataclass(frozen=True, slots=True)
class Outcome:
    """How a tool call went, from its result.

    Attributes:
        ok: the result is not an error.
        exit_code: the exit code the output states (last lines), if any.
        mark: `✓`, `✗ exit N` or `✗ error`.
        first_line: the output's first non-blank line (inert, capped).
        lines: how many lines the output has.
    """

    ok: bool
    exit_code: int | None
    mark: str
    first_line: str
    lines: int


def outcome(result: Mapping[str, Any]) -> Outcome:
    """Read a tool result event: error or not, the stated exit code, the first output line."""
    text = content_text(result)
    failed = bool(result.get("is_error"))
    code = None
    tail = text[-400:]
    found = list(_EXIT.finditer(tail))
    if found:
        code = int(found[-1].group(1))
    # `is_error` decides; a stated exit code only says more about a failure (an output that
    # merely mentions "exit code 1" in passing must not turn a success into a failure).
    mark = "✓"
    if failed:
        mark = f"✗ exit {code}" if code not in (None, 0) else "✗ error"
    # Counted, not split: a result can be a 10 MB log.
    lines = text.count("\n") + (0 if not text or text.endswith("\n") else 1)
    start = len(text) - len(text.lstrip())
    first = text[start : start + 400].split("\n", 1)[0]
    return Outcome(not failed, code, mark, _text(first, 120), lines)


def call_seconds(
    use: Mapping[str, Any], result: Mapping[str, Any], approved_at: str | None = None
) -> float | None:
    """Seconds a tool call ran: from its use (or from its approval, when it waited for one:
    time spent waiting for a person is not the tool's) to its result. None when unknown."""
    start = parse_timestamp(approved_at) or parse_timestamp(use.get("processed_at"))
    end = parse_timestamp(result.get("processed_at"))
    if start is None or end is None:
        return None
    return max(0.0, (end - start).total_seconds())


def seconds_text(seconds: float | None) -> str:
    """A call's duration: `0.2s`, `12s`, `3m05s`, `1h02m`; '' when unknown."""
    if seconds is None:
        return ""
    if seconds < 10:
        return f"{seconds:.1f}s"
    whole = int(seconds)
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m{whole % 60:02d}s"
    return f"{whole // 3600}h{whole % 3600 // 60:02d}m"
