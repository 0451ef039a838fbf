"""`SessionHeader`: status badge, title, cost vs budget, usage, the needs-you reason, and a
warning when events could not be mirrored (their ids are stored for another session)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

from drover.store.models import OutboxRow, SessionRow
from drover.store.outbox import actor_label
from drover.sync.connection import ConnectionState
from drover.text import format as fmt
from drover.text.inert import inert_line
from drover.text.steer import outcome_summary
from drover.themes import SESSION_STATES
from drover.tui.viewmodel.connection_text import connection_detail


class SessionHeader(Vertical):
    """Two lines about one session; the badge's colour follows its `-state` class."""

    DEFAULT_CSS = """
    SessionHeader { height: auto; background: $panel; padding: 0 1; }
    SessionHeader Horizontal { height: 1; }
    SessionHeader #badge { width: auto; padding: 0 1; text-style: bold; }
    SessionHeader #badge.-running { background: $session-running 30%; color: $session-running; }
    SessionHeader #badge.-idle { background: $session-idle 25%; color: $session-idle; }
    SessionHeader #badge.-needs-you {
        background: $session-needs-you 30%; color: $session-needs-you;
    }
    SessionHeader #badge.-error { background: $session-error 30%; color: $session-error; }
    SessionHeader #badge.-terminated { color: $session-terminated; }
    SessionHeader #title { width: 1fr; padding-left: 1; text-style: bold; }
    SessionHeader #figures { color: $text-muted; }
    SessionHeader #reason { color: $session-needs-you; }
    SessionHeader #outcome { color: $accent; }
    SessionHeader #sent { color: $text-muted; }
    SessionHeader #collisions { color: $warning; }
    """

    row: reactive[SessionRow | None] = reactive(None, always_update=True)
    """The session shown (None until loaded)."""
    connection: reactive[ConnectionState | None] = reactive(None)
    """sync's connection state for it (None when not followed)."""
    sent: reactive[tuple[OutboxRow, ...]] = reactive(())
    """The latest actions the user sent to it, with their delivery state (newest last)."""
    collided_with: reactive[tuple[str, ...]] = reactive(())
    """Sessions holding ids that events of this one arrived with (`row.id_collisions`)."""

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Static(id="badge")
            yield Static(id="title")
        yield Static(id="figures")
        yield Static(id="reason")
        outcome = Static(id="outcome")
        outcome.display = False  # until the session has an outcome
        yield outcome
        collisions = Static(id="collisions")
        collisions.display = False
        yield collisions
        sent = Static(id="sent")
        sent.display = False  # until there is something sent to show
        yield sent

    def _wall_clock(self) -> float:
        """Seconds since the epoch by the app's injected clock (sync stamps states in those)."""
        now = getattr(self.app, "now", None)
        return now().timestamp() if now is not None else time.time()

    def watch_row(self) -> None:
        self._show()

    def watch_connection(self) -> None:
        self._show()

    def watch_collided_with(self) -> None:
        self._show()

    def watch_sent(self) -> None:
        if not self.is_mounted:
            return
        line = self.query_one("#sent", Static)
        line.update(Content(outbox_line(self.sent)))
        line.display = bool(self.sent)

    def _show(self) -> None:
        row = self.row
        if row is None or not self.is_mounted:
            return
        badge = self.query_one("#badge", Static)
        state = fmt.visual_state(row)
        for name in SESSION_STATES:
            badge.set_class(name == state, f"-{name}")
        badge.update(Content(fmt.status_label(row)))
        agent = inert_line(f"{row.agent_name or '-'} · {row.model_id or '-'}")
        self.query_one("#title", Static).update(
            Content(f"{inert_line(row.title or row.id)}  ({agent})")
        )
        budget = f" of {fmt.money(row.budget_cents)} budget" if row.budget_cents else ""
        # Server-supplied error text can ride along in last_error: shown inertly like agent text.
        conn = inert_line(connection_detail(self.connection, self._wall_clock))
        figures = (
            f"cost {fmt.money(row.list_cost_cents)}{budget} · "
            f"in {fmt.tokens(row.input_tokens)} · out {fmt.tokens(row.output_tokens)} · "
            f"cache r/w {fmt.tokens(row.cache_read_tokens)}/{fmt.tokens(row.cache_creation_tokens)}"
            f" · active {fmt.duration(row.active_seconds)} · {row.event_count} events"
            f" · conn {conn} · {row.id}"
        )
        self.query_one("#figures", Static).update(Content(figures))
        # Read-only (no key, --readonly): describe what waits instead of asking for it.
        can_act = not getattr(self.app, "readonly", False)
        reason = fmt.needs_reason(row, can_act=can_act)
        if can_act and any(p.get("type") == "agent.custom_tool_use" for p in row.pending_actions):
            reason += " · o sends the result"
        if can_act and row.needs_you == "budget_reached":
            reason += " · b raises it"
        self.query_one("#reason", Static).update(Content(f"▲ {reason}" if reason else ""))
        self.query_one("#reason", Static).display = bool(reason)
        outcome = self.query_one("#outcome", Static)
        outcome.update(Content(f"outcome {outcome_summary(row.outcome)}" if row.outcome else ""))
        outcome.display = row.outcome is not None
        lost = self.query_one("#collisions", Static)
        lost.update(Content(collision_line(row.id_collisions, self.collided_with)))
        lost.display = row.id_collisions > 0


def collision_line(count: int, others: tuple[str, ...]) -> str:
    """The warning for events kept out of the mirror because their ids collide."""
    if count <= 0:
        return ""
    where = ", ".join(others[:3]) + (" …" if len(others) > 3 else "") or "another session"
    return (
        f"⚠ {count} event{'s' if count != 1 else ''} of this session not mirrored: "
        f"{'their ids are' if count != 1 else 'its id is'} already stored for {where} "
        "(a server reissuing event ids?)"
    )


_STATE_MARKS = {"queued": "⧗ queued", "sending": "⧗ sending", "sent": "✓ sent", "failed": "✗"}


def outbox_line(rows: tuple[OutboxRow, ...], now: datetime | None = None) -> str:
    """`you sent: …` — each action, what it was, and where its delivery stands.

    On a team's mirror (an action carries its actor's display name, or two actors acted) it is
    the audit line instead: `actions: allow by Ana (ana_viewer) 3s ago ✓ sent · …`.
    """
    audit = any(r.actor_name for r in rows) or len({r.actor_role for r in rows}) > 1
    parts = []
    for row in rows:
        payload = row.payload if isinstance(row.payload, dict) else {}
        if row.kind == "message":
            what = f"message “{inert_line(str(payload.get('text', '')))[:40]}”"
        elif row.kind == "tool_confirmation":
            what = "allow" if payload.get("allow") else "deny"
            if payload.get("rule"):
                what += f" by rule {inert_line(str(payload['rule']))}"
        else:
            what = row.kind.replace("_", " ")
        if audit:
            who = inert_line(actor_label(row.actor_role, row.actor_name))
            what += f" by {who} {fmt.age(row.created_at, now or datetime.now(UTC))} ago"
        state = _STATE_MARKS.get(row.state, row.state)
        if row.state == "failed":
            state += f" failed: {inert_line(row.error or 'unknown reason')}"
        elif row.state == "sending" and row.attempts > 1:
            state += f" (attempt {row.attempts})"
        parts.append(f"{what} {state}")
    if not parts:
        return ""
    return ("actions: " if audit else "you sent: ") + " · ".join(parts)
