"""What an inbox key would do to a set of sessions, decided before anything is sent (no Textual).

`y`/`n` answer *every* pending tool call of every targeted session (the highlighted row, or
all marked rows). Answering only some calls would leave the session idle with the rest still
pending, so the one-key path is all-or-nothing; the confirmation dialog lists each call, so
nothing is approved unseen. Only a single session with a single pending call (whose tool and
input are on the row) is allowed without a dialog. Custom-tool calls need a result, not a
confirmation, so they are skipped; the dialog's headline counts them (and the targeted
sessions with nothing waiting), its details name them, and the notice after queueing repeats
what was skipped and why. `o` answers one custom tool call at a time (`custom_calls`).
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
CUSTOM = "agent.custom_tool_use"
"""The pending type a `user.custom_tool_result` answers."""

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
        input: the tool's input as sent (for the result dialog; render it inertly).
    """

    session_id: str
    session_title: str
    tool_use_id: str
    tool: str
    summary: str
    input: Any = None


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
        skipped: titles of targeted sessions left (partly) alone: nothing to confirm, or
            custom tool calls.
        custom: the custom tool calls left alone (they need a result: `o`).
        idle: titles of targeted sessions with nothing waiting at all.
    """

    allow: bool
    calls: tuple[PendingCall, ...]
    sessions: int
    skipped: tuple[str, ...]
    custom: tuple[PendingCall, ...] = ()
    idle: tuple[str, ...] = ()

    @property
    def needs_dialog(self) -> bool:
        """Deny always asks (for the optional message); allow asks unless it is one call."""
        return not self.allow or len(self.calls) > 1 or self.sessions > 1

    def question(self) -> str:
        """The dialog's headline: what happens to how many calls in how many sessions, and
        how much is skipped."""
        verb = "Allow" if self.allow else "Deny"
        calls = _count(len(self.calls), "tool call")
        touched = len({c.session_id for c in self.calls})
        skipping = self.skipping()
        return f"{verb} {calls} in {_count(touched, 'session')}?" + (
            f" (skipping {skipping})" if skipping else ""
        )

    def skipping(self) -> str:
        """What is left alone, counted: `1 custom tool call, 2 sessions with nothing waiting`."""
        parts = []
        if self.custom:
            parts.append(_count(len(self.custom), "custom tool call"))
        if self.idle:
            parts.append(f"{_count(len(self.idle), 'session')} with nothing waiting")
        return ", ".join(parts)

    def skip_lines(self) -> list[str]:
        """What is left alone and why, one line per reason (names capped at `LISTED`)."""
        lines = []
        if self.custom:
            names = [f"{c.session_title} · {c.tool}" for c in self.custom]
            lines.append(
                f"skipped {_count(len(self.custom), 'custom tool call')} (they need a result, "
                f"not an approval: o answers one): {_listing(names)}"
            )
        if self.idle:
            lines.append(f"skipped (nothing waiting): {_listing(self.idle)}")
        return lines

    def details(self) -> list[str]:
        """One line per call (capped at `LISTED`), then what is skipped and why."""
        lines = [f"{c.session_title} · {c.tool}: {c.summary}" for c in self.calls[:LISTED]]
        if len(self.calls) > LISTED:
            lines.append(f"… and {len(self.calls) - LISTED} more")
        return lines + self.skip_lines()

    def notice(self) -> str:
        """What was queued, and what was skipped and why (after the act)."""
        verb = "allow" if self.allow else "deny"
        done = f"{verb} queued for {_count(len(self.calls), 'tool call')}"
        if self.custom:
            done += (
                f"; skipped {_count(len(self.custom), 'custom tool call')} "
                "(they need a result: press o)"
            )
        if self.idle:
            done += f"; skipped {_count(len(self.idle), 'session')} with nothing waiting"
        return done

    def nothing_notice(self) -> str:
        """Why nothing can be allowed or denied here."""
        if not self.custom:
            return "Nothing is waiting for approval here."
        first = self.custom[0]
        more = f" (and {len(self.custom) - 1} more)" if len(self.custom) > 1 else ""
        return (
            f"Nothing to approve: custom tool {first.tool} wants a result{more}, "
            "not an approval. Press o to send it."
        )

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


def _listing(names: Sequence[str]) -> str:
    shown = ", ".join(names[:LISTED])
    return shown + (f" … and {len(names) - LISTED} more" if len(names) > LISTED else "")


def title_of(row: SessionRow) -> str:
    """A session's title as one inert line (its id when untitled)."""
    return inert_line(row.title or row.id)


def _call(row: SessionRow, pending: Mapping[str, Any]) -> PendingCall:
    return PendingCall(
        session_id=row.id,
        session_title=title_of(row),
        tool_use_id=str(pending["event_id"]),
        tool=inert_line(str(pending.get("name") or "tool")),
        summary=fmt.preview(pending.get("input"), 56),
        input=pending.get("input"),
    )


def pending_calls(row: SessionRow) -> tuple[list[PendingCall], bool]:
    """A session's confirmable pending calls, and whether any pending call was not confirmable."""
    calls, other = [], False
    for pending in row.pending_actions:
        if pending.get("type") not in CONFIRMABLE or not pending.get("event_id"):
            other = True
            continue
        calls.append(_call(row, pending))
    return calls, other


def custom_calls(row: SessionRow, answered: Iterable[str] = ()) -> list[PendingCall]:
    """A session's custom tool calls waiting for a result (those in `answered` left out)."""
    done = set(answered)
    return [
        _call(row, pending)
        for pending in row.pending_actions
        if pending.get("type") == CUSTOM
        and pending.get("event_id")
        and pending["event_id"] not in done
    ]


def plan_confirmations(rows: Sequence[SessionRow], allow: bool) -> ConfirmationPlan:
    """Plan `y` (allow) or `n` (deny) for every pending call of `rows`."""
    calls: list[PendingCall] = []
    custom: list[PendingCall] = []
    skipped: list[str] = []
    idle: list[str] = []
    for row in rows:
        found, other = pending_calls(row)
        calls.extend(found)
        custom.extend(custom_calls(row))
        if not found or other:
            skipped.append(title_of(row))
        if not row.pending_actions:
            idle.append(title_of(row))
    return ConfirmationPlan(
        allow, tuple(calls), len(rows), tuple(skipped), tuple(custom), tuple(idle)
    )


def plan_interrupts(rows: Iterable[SessionRow]) -> list[Planned]:
    """One `interrupt` per session (of the whole session: every thread stops)."""
    return [Planned(row.id, "interrupt", {}) for row in rows]


def interrupt_question(rows: Sequence[SessionRow]) -> str:
    """The interrupt dialog's headline."""
    if len(rows) == 1:
        return f"Interrupt {title_of(rows[0])}?"
    return f"Interrupt {_count(len(rows), 'session')}?"


def act_hint(row: SessionRow | None, *, can_act: bool = True) -> str:
    """The keys that act on a session where it is shown (a grid pane's border): what its state
    asks for, or nothing."""
    if row is None or not can_act or row.origin == "import":
        return ""
    if row.needs_you == "requires_action":
        custom = any(a.get("type") == "agent.custom_tool_use" for a in row.pending_actions)
        return "o result · m reply" if custom else "y allow · n deny · m reply"
    if row.needs_you and row.needs_you != "terminated":
        return "m reply"
    if row.status in ("running", "rescheduling"):
        return "i interrupt"
    return ""
