"""What an inbox key would do to a set of sessions, decided before anything is sent (no Textual).

`y`/`n` answer *every* pending tool call of every targeted session (the highlighted row, or
all marked rows). Answering only some calls would leave the session idle with the rest still
pending, so the one-key path is all-or-nothing; the confirmation dialog lists each call, so
nothing is approved unseen. Only a single session with a single pending call (whose tool and
input are on the row) is allowed without a dialog. Custom-tool calls need a result, not a
confirmation, so they are skipped and named in the dialog.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from drover.store.models import SessionRow
from drover.text import format as fmt
from drover.text.inert import inert_line

CONFIRMABLE = frozenset({"agent.tool_use", "agent.mcp_tool_use", None})
"""Pending types a `user.tool_confirmation` answers (None: the tool-use event not mirrored yet)."""

LISTED = 12
"""Tool calls listed by name in a dialog before the rest are summarised as a count."""


@dataclass(frozen=True, slots=True)
class PendingCall:
    """One tool call waiting for an answer.

    Attributes:
        session_id: the session it belongs to.
        session_title: the session's title (inert, one line).
        tool_use_id: the tool-use event id the answer refers to.
        tool: the tool's name (inert).
        summary: one inert line of its input.
    """

    session_id: str
    session_title: str
    tool_use_id: str
    tool: str
    summary: str


@dataclass(frozen=True, slots=True)
class Planned:
    """One outbox action to queue."""

    session_id: str
    kind: str
    payload: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class ConfirmationPlan:
    """Allow or deny every confirmable pending call of some sessions.

    Attributes:
        allow: True for `y`, False for `n`.
        calls: the calls that will be answered.
        sessions: how many sessions were targeted.
        skipped: titles of targeted sessions with nothing to confirm (or custom tools only).
    """

    allow: bool
    calls: tuple[PendingCall, ...]
    sessions: int
    skipped: tuple[str, ...]

    @property
    def needs_dialog(self) -> bool:
        """Deny always asks (for the optional message); allow asks unless it is one call."""
        return not self.allow or len(self.calls) > 1 or self.sessions > 1

    def question(self) -> str:
        """The dialog's headline: what happens to how many calls in how many sessions."""
        verb = "Allow" if self.allow else "Deny"
        calls = _count(len(self.calls), "tool call")
        touched = len({c.session_id for c in self.calls})
        return f"{verb} {calls} in {_count(touched, 'session')}?"

    def details(self) -> list[str]:
        """One line per call (capped at `LISTED`), then the skipped sessions."""
        lines = [f"{c.session_title} · {c.tool}: {c.summary}" for c in self.calls[:LISTED]]
        if len(self.calls) > LISTED:
            lines.append(f"… and {len(self.calls) - LISTED} more")
        if self.skipped:
            lines.append(f"skipped (nothing to confirm): {', '.join(self.skipped)}")
        return lines

    def actions(self, deny_message: str = "") -> list[Planned]:
        """The outbox rows: one `tool_confirmation` per call."""
        out = []
        for call in self.calls:
            payload: dict[str, Any] = {"tool_use_id": call.tool_use_id, "allow": self.allow}
            if not self.allow and deny_message.strip():
                payload["deny_message"] = deny_message.strip()
            out.append(Planned(call.session_id, "tool_confirmation", payload))
        return out


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def title_of(row: SessionRow) -> str:
    """A session's title as one inert line (its id when untitled)."""
    return inert_line(row.title or row.id)


def pending_calls(row: SessionRow) -> tuple[list[PendingCall], bool]:
    """A session's confirmable pending calls, and whether any pending call was not confirmable."""
    calls, other = [], False
    for pending in row.pending_actions:
        if pending.get("type") not in CONFIRMABLE or not pending.get("event_id"):
            other = True
            continue
        calls.append(
            PendingCall(
                session_id=row.id,
                session_title=title_of(row),
                tool_use_id=str(pending["event_id"]),
                tool=inert_line(str(pending.get("name") or "tool")),
                summary=fmt.preview(pending.get("input"), 56),
            )
        )
    return calls, other


def plan_confirmations(rows: Sequence[SessionRow], allow: bool) -> ConfirmationPlan:
    """Plan `y` (allow) or `n` (deny) for every pending call of `rows`."""
    calls: list[PendingCall] = []
    skipped: list[str] = []
    for row in rows:
        found, other = pending_calls(row)
        calls.extend(found)
        if not found or other:
            skipped.append(title_of(row))
    return ConfirmationPlan(allow, tuple(calls), len(rows), tuple(skipped))


def plan_interrupts(rows: Iterable[SessionRow]) -> list[Planned]:
    """One `interrupt` per session (of the whole session: every thread stops)."""
    return [Planned(row.id, "interrupt", {}) for row in rows]


def interrupt_question(rows: Sequence[SessionRow]) -> str:
    """The interrupt dialog's headline."""
    if len(rows) == 1:
        return f"Interrupt {title_of(rows[0])}?"
    return f"Interrupt {_count(len(rows), 'session')}?"
