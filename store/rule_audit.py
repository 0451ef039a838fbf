"""Automatic answers by rule: the audit table, the pause switch, and the one write that answers.

A rule (`drover.config.rules`, matched by `drover.sync.rules`) answers a pending tool call by
`answer_by_rule`, one transaction that

1. refuses when rules are paused (`rule_pause`: one row while they are), when the call is no
   longer pending, when the outbox already holds an answer to it, or when a rule answered it
   before (`UNIQUE (session_id, tool_use_id)`: two processes deciding at once both try, one
   wins);
2. queues the `tool_confirmation` in the outbox, which delivers it exactly once like any
   answer;
3. writes the audit row (which rule, the rule as it stood, the call it matched, when, the
   outbox row);
4. adds a local `drover.rule_answer` event to the session's transcript (id prefix
   `drover_rule_`, which no server id has; it never moves a sync cursor), so the transcript,
   replay's timeline and search show "allowed by rule R" where it happened.

The pause is kept in the mirror, so it holds for every drover process on the profile and
across restarts, until resumed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from drover.store.dialect import Conn, dialect_of
from drover.store.extract import dumps, now_key
from drover.store.ingest import ingest_events
from drover.store.models import JSONObject
from drover.store.outbox import enqueue_action

__all__ = [
    "RULES_V8",
    "RULE_EVENT",
    "RULE_ID_PREFIX",
    "AuditRow",
    "RuleAnswer",
    "answer_by_rule",
    "audit_rows",
    "paused_at",
    "set_paused",
]

RULE_EVENT = "drover.rule_answer"
"""The local event type that shows an automatic answer in a transcript."""
RULE_ID_PREFIX = "drover_rule_"
CALL_CHARS = 2_000
"""Characters of a call's input kept in the audit row."""

RULES_V8 = """
CREATE TABLE rule_audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id TEXT NOT NULL,
    tool_use_id TEXT NOT NULL,
    rule TEXT NOT NULL,             -- the rule's name
    decision TEXT NOT NULL,         -- allow | deny
    tool TEXT,
    agent TEXT,
    call TEXT,                      -- the input the rule matched (cut to CALL_CHARS)
    rule_json TEXT NOT NULL,        -- the rule as it stood: tool, agent, input pattern, until
    outbox_id INTEGER,
    local_event_id TEXT,
    decided_at TEXT NOT NULL,
    UNIQUE (session_id, tool_use_id)
);
CREATE INDEX rule_audit_decided ON rule_audit(decided_at);
CREATE TABLE rule_pause (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    paused_at TEXT NOT NULL,
    paused_by TEXT
)
"""


@dataclass(frozen=True)
class RuleAnswer:
    """A rule's decision on one pending call.

    Attributes:
        session_id: the session.
        tool_use_id: the call answered.
        rule: the rule's name.
        allow: allow (True) or deny.
        tool: the tool as the rule named it (`bash`, `github/create_issue`).
        agent: the session's agent (name, else id).
        call: the input text the rule's pattern matched.
        rule_json: the rule as it stood (for the audit).
        deny_message: told to the agent on a deny.
        decided_at: when (`ts_key` form); now when empty.
    """

    session_id: str
    tool_use_id: str
    rule: str
    allow: bool
    tool: str
    agent: str | None
    call: str
    rule_json: JSONObject = field(default_factory=dict)
    deny_message: str | None = None
    decided_at: str = ""


@dataclass(frozen=True)
class AuditRow:
    """One automatic answer, as the audit table keeps it (with its delivery state)."""

    id: int
    session_id: str
    tool_use_id: str
    rule: str
    decision: str
    tool: str | None
    agent: str | None
    call: str | None
    rule_json: JSONObject
    outbox_id: int | None
    local_event_id: str | None
    decided_at: str
    delivery: str | None = None
    """The outbox row's state: queued, sending, sent or failed."""


def paused_at(conn: Conn) -> str | None:
    """When rules were paused (None: they apply)."""
    row = conn.execute("SELECT paused_at FROM rule_pause WHERE id = 1").fetchone()
    return str(row[0]) if row else None


def set_paused(conn: Conn, paused: bool, by: str | None = None) -> str | None:
    """Pause (or resume) every rule of this mirror's profile; returns `paused_at` after."""
    if paused:
        conn.execute(
            "INSERT INTO rule_pause(id, paused_at, paused_by) VALUES (1, ?, ?) "
            "ON CONFLICT DO NOTHING",
            (now_key(), by),
        )
    else:
        conn.execute("DELETE FROM rule_pause")
    return paused_at(conn)


def _still_pending(conn: Conn, session_id: str, tool_use_id: str) -> bool:
    row = conn.execute(
        "SELECT pending_actions FROM sessions WHERE id = ? AND deleted = 0", (session_id,)
    ).fetchone()
    pending = json.loads(row[0]) if row and row[0] else []
    return any(p.get("event_id") == tool_use_id for p in pending if isinstance(p, dict))


def _answer_queued(conn: Conn, session_id: str, tool_use_id: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM outbox WHERE session_id = ? AND kind = 'tool_confirmation' "
        f"AND state != 'failed' AND {dialect_of(conn).json_text('payload', 'tool_use_id')} = ? "
        "LIMIT 1",
        (session_id, tool_use_id),
    ).fetchone()
    return row is not None


def answer_by_rule(conn: Conn, answer: RuleAnswer) -> int | None:
    """Queue a rule's answer and audit it, in one transaction (see the module docstring).

    Returns:
        The audit row's id, or None when nothing was done (paused, no longer pending, already
        answered or being answered).
    """
    sid, use = answer.session_id, answer.tool_use_id
    if paused_at(conn) is not None or not _still_pending(conn, sid, use):
        return None
    if _answer_queued(conn, sid, use):
        return None
    decided = answer.decided_at or now_key()
    verdict = "allow" if answer.allow else "deny"
    cur = conn.execute(
        "INSERT INTO rule_audit(session_id, tool_use_id, rule, decision, tool, agent, call, "
        "rule_json, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING "
        "RETURNING id",
        (sid, use, answer.rule, verdict, answer.tool, answer.agent, answer.call[:CALL_CHARS],
         dumps(answer.rule_json), decided),
    )  # fmt: skip
    inserted = cur.fetchone()
    if inserted is None:  # another process answered this call first
        return None
    audit_id = int(inserted[0])
    payload: dict[str, Any] = {"tool_use_id": use, "allow": answer.allow, "rule": answer.rule}
    if not answer.allow:
        payload["deny_message"] = answer.deny_message or f"Denied by drover rule {answer.rule}."
    outbox_id = enqueue_action(conn, sid, "tool_confirmation", payload)
    local_id = f"{RULE_ID_PREFIX}{audit_id}_{use}"[:80]
    event = {
        "type": RULE_EVENT,
        "id": local_id,
        "processed_at": decided,
        "rule": answer.rule,
        "decision": verdict,
        "tool_use_id": use,
        "tool": answer.tool,
        "call": answer.call[:200],
    }
    ingest_events(conn, sid, [event], cursor=None)
    conn.execute(
        "UPDATE rule_audit SET outbox_id = ?, local_event_id = ? WHERE id = ?",
        (outbox_id, local_id, audit_id),
    )
    return audit_id


def audit_rows(conn: Conn, *, session_id: str | None = None, limit: int = 200) -> list[AuditRow]:
    """Automatic answers, newest first, with their outbox state."""
    where, params = ("WHERE a.session_id = ?", [session_id]) if session_id else ("", [])
    rows = conn.execute(
        "SELECT a.id, a.session_id, a.tool_use_id, a.rule, a.decision, a.tool, a.agent, a.call, "
        "a.rule_json, a.outbox_id, a.local_event_id, a.decided_at, o.state FROM rule_audit a "
        f"LEFT JOIN outbox o ON o.id = a.outbox_id {where} ORDER BY a.id DESC LIMIT ?",
        [*params, limit],
    ).fetchall()
    out = []
    for r in rows:
        rid, sid, use, rule, decision, tool, agent, call, rule_json, *rest = r
        outbox_id, local_id, decided, delivery = rest
        out.append(AuditRow(rid, sid, use, rule, decision, tool, agent, call,
                            json.loads(rule_json or "{}"), outbox_id, local_id, decided,
                            delivery))  # fmt: skip
    return out
