"""Pure formatting of session figures for rows and headers (no Textual, no I/O).

Everything time-relative takes `now` explicitly, so an injected clock gives stable snapshots.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from drover.api.timestamps import parse_timestamp
from drover.store.session_row import SessionRow
from drover.text.inert import inert_line

_NEEDS_LABELS = {
    "budget_reached": "budget reached",
    "retries_exhausted": "retries exhausted",
    "refusal": "refusal",
    "error_terminal": "error (terminal)",
    "error_exhausted": "error (turn failed)",
    "terminated": "terminated",
    "credential": "vault credential failed",
}


def duration(seconds: float | None) -> str:
    """Compact duration: `42s`, `7m`, `3h05m`, `2d4h`; `-` when unknown."""
    if seconds is None or seconds < 0:
        return "-"
    s = int(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m"
    if s < 86400:
        return f"{s // 3600}h{(s % 3600) // 60:02d}m"
    return f"{s // 86400}d{(s % 86400) // 3600}h"


def age(value: str | None, now: datetime) -> str:
    """How long ago `value` was, relative to the injected `now`."""
    when = parse_timestamp(value)
    return "-" if when is None else duration((now - when).total_seconds())


def tokens(count: int | None) -> str:
    """Token count with k/M suffixes."""
    if not count:
        return "0"
    if count < 1000:
        return str(count)
    if count < 1_000_000:
        return f"{count / 1000:.1f}k"
    return f"{count / 1_000_000:.1f}M"


def money(cents: int | None) -> str:
    """US dollars from integer cents; `-` when unknown."""
    return "-" if cents is None else f"${cents / 100:,.2f}"


def total_tokens(row: SessionRow) -> int:
    """All tokens of a session (input + output + cache reads and writes)."""
    return sum(
        v or 0
        for v in (
            row.input_tokens, row.output_tokens, row.cache_read_tokens, row.cache_creation_tokens,
        )
    )  # fmt: skip


def visual_state(row: SessionRow) -> str:
    """The badge state (a `drover.themes.SESSION_STATES` entry) of a session."""
    if row.needs_you in ("error_terminal", "error_exhausted") or row.error_badge == "terminal":
        return "error"
    if row.needs_you == "terminated" or row.status == "terminated":
        return "terminated"
    if row.needs_you:
        return "needs-you"
    if row.status in ("running", "rescheduling"):
        return "running"
    return "idle"


def status_label(row: SessionRow) -> str:
    """Short status text for the badge (`running`, `idle`, `resched`, `retrying`…)."""
    if row.status == "rescheduling":
        return "resched"
    if row.error_badge == "retrying" and row.status == "running":
        return "retrying"
    return row.status or "unknown"


def preview(value: Any, width: int = 60) -> str:
    """One inert line summarising a tool input or other JSON value."""
    if isinstance(value, Mapping) and len(value) == 1:
        value = next(iter(value.values()))
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    line = inert_line(text)
    return line if len(line) <= width else line[: width - 1] + "…"


def needs_reason(row: SessionRow, *, can_act: bool = True) -> str:
    """Why a session needs you, in one inert line (empty when it doesn't).

    Args:
        row: the session.
        can_act: False when nobody can answer from here (read-only, no API key): a pending
            approval is described (`awaits approval · bash: …`), not asked for. An imported
            session is a record of the past: its approval `was awaited`.
    """
    reason = row.needs_you
    if not reason:
        if row.error_badge == "retrying":
            return f"retrying: {_error_type(row)}"
        return ""
    if reason == "requires_action" and row.pending_actions:
        first = row.pending_actions[0]
        more = f" (+{len(row.pending_actions) - 1})" if len(row.pending_actions) > 1 else ""
        name = inert_line(str(first.get("name") or "tool"))
        if first.get("type") == "agent.custom_tool_use":  # answered with a result, not a yes
            wants = f"custom tool {name} wants a result: {preview(first.get('input'), 40)}{more}"
            if row.origin == "import":
                return f"was waiting · {wants}"
            return wants
        call = f"{name}: {preview(first.get('input'), 48)}{more}"
        if row.origin == "import":
            return f"was awaiting approval · {call}"
        return f"approve {call}" if can_act else f"awaits approval · {call}"
    if reason.startswith("error"):
        return f"{_NEEDS_LABELS[reason]}: {_error_type(row)}"
    if reason == "refusal" and isinstance(row.stop_details, Mapping):
        category = row.stop_details.get("category")
        return f"refusal ({inert_line(str(category))})" if category else "refusal"
    if reason == "budget_reached":
        return f"budget reached: {money(row.list_cost_cents)} / {money(row.budget_cents)}"
    if reason == "credential":
        return credential_reason(row.credential)
    return _NEEDS_LABELS.get(reason, inert_line(reason))


def credential_reason(issue: Mapping[str, Any] | None) -> str:
    """Why a failing vault credential holds a session up, and the fix it needs (inert)."""
    if not issue:
        return "a vault credential failed: see :vaults"
    name = inert_line(str(issue.get("name") or issue.get("credential_id") or "?"))
    vault = inert_line(str(issue.get("vault_name") or issue.get("vault_id") or "?"))
    action = inert_line(str(issue.get("action") or "fix"))
    why = inert_line(str(issue.get("why") or "it failed"))
    return f"{action} credential {name}: {why} · vault {vault}"


def _error_type(row: SessionRow) -> str:
    error = (row.last_error or {}).get("error") or {}
    return inert_line(str(error.get("type") or "error")) if isinstance(error, Mapping) else "error"


def content_text(event: Mapping[str, Any]) -> str:
    """Join the text blocks of an event's `content` (other blocks become a placeholder)."""
    blocks = event.get("content")
    if isinstance(blocks, str):
        return blocks
    if not isinstance(blocks, list):
        return ""
    parts = []
    for block in blocks:
        if isinstance(block, Mapping) and isinstance(block.get("text"), str):
            parts.append(block["text"])
        elif isinstance(block, Mapping):
            parts.append(f"[{block.get('type', 'block')}]")
    return "\n".join(parts)
