"""Outbox operations: the user's actions, persisted before they are sent.

States: `queued` → `sending` → `sent` (with the server's event ids from the send receipt) or
`failed` (with a reason). Because the API has no idempotency key, a `sending` row whose sender
died must be checked against recent history before it is sent again.

Several drover processes may share one mirror (the TUI and `drover send`, or a script running
sends in parallel), so a `sending` row has an **owner** (``host:pid:token`` of the process that
claimed it) and a **lease** (epoch seconds) the owner renews while it lives. Only a row whose
owner is dead may be taken over; every claim is a compare-and-set on the state and the owner,
so two processes can never both believe they own a row.

**Who acted.** Every row records its actor: `actor_role` (on PostgreSQL the database role
that inserted it, the column's default `current_user`, which a viewer's role may not set; on
SQLite the OS user) and `actor_name` (a display name the actor chose, optional). **One answer
per tool call**: a tool confirmation or custom tool result carries the id it answers
(`answer_ref`), and a partial unique index lets only one such row live per (session, id)
outside `failed`. A second answer is refused as it is inserted (`ActionTakenError`, naming the
first), so when two viewers answer the same call at once exactly one answer exists to deliver.
A claim locks the row it takes (`FOR UPDATE SKIP LOCKED` on PostgreSQL), so concurrent
claimers skip it rather than queue behind each other.
"""

from __future__ import annotations

import getpass
from datetime import UTC, datetime

from drover.store.dialect import Conn, dialect_of
from drover.store.extract import dumps, key_moment, loads_object, now_key
from drover.store.models import SQLValue

OUTBOX_STATES = ("queued", "sending", "sent", "failed")

OUTBOX_LEASE_V7 = (
    "ALTER TABLE outbox ADD COLUMN owner TEXT",  # host:pid:token of the sending process
    "ALTER TABLE outbox ADD COLUMN lease_until REAL",  # epoch seconds; renewed while it lives
)


# SQLite's v9 (PostgreSQL's v4): who took each action, and one live answer per tool call.
OUTBOX_ACTOR_V9 = (
    "ALTER TABLE outbox ADD COLUMN actor_role TEXT",  # who inserted it (a role, an OS user)
    "ALTER TABLE outbox ADD COLUMN actor_name TEXT",  # the name they go by, if they gave one
    "ALTER TABLE outbox ADD COLUMN answer_ref TEXT",  # the tool use an answer answers
    "CREATE UNIQUE INDEX outbox_one_answer ON outbox(session_id, answer_ref) "
    "WHERE answer_ref IS NOT NULL AND state <> 'failed'",
)
ANSWER_REFS = {"tool_confirmation": "tool_use_id", "custom_tool_result": "custom_tool_use_id"}
"""The payload field naming the tool use an answer answers, by action kind."""


class OutboxStateError(ValueError):
    """An outbox transition named an unknown row or was not allowed from its current state."""


class ActionTakenError(ValueError):
    """The tool call already has a live answer: this one was not queued.

    Attributes:
        session_id: the session.
        answer_ref: the tool use both answers answer.
        kind: the first answer's kind.
        allowed: for a confirmation, whether the first answer allowed the call (else None).
        actor_role: who gave the first answer (a database role or an OS user).
        actor_name: the name they go by, if they gave one.
        created_at: when the first answer was queued (`ts_key` form).
        state: where its delivery stands (`queued`, `sending`, `sent`).
    """

    def __init__(
        self,
        session_id: str,
        answer_ref: str,
        kind: str,
        allowed: bool | None,
        actor_role: str | None,
        actor_name: str | None,
        created_at: str,
        state: str,
    ) -> None:
        self.session_id = session_id
        self.answer_ref = answer_ref
        self.kind = kind
        self.allowed = allowed
        self.actor_role = actor_role
        self.actor_name = actor_name
        self.created_at = created_at
        self.state = state
        super().__init__(self.sentence(datetime.now(UTC)))  # "… 3s ago" as it was refused

    @property
    def actor(self) -> str:
        """The first answerer as people know them: `Ana (ana_viewer)`, or the role alone."""
        return actor_label(self.actor_role, self.actor_name)

    def sentence(self, now: datetime | None = None) -> str:
        """`already allowed by Ana (ana_viewer) 3s ago` (`now`: the time to count from)."""
        did = "answered" if self.allowed is None else "allowed" if self.allowed else "denied"
        when = ""
        then = key_moment(self.created_at)
        if now is not None and then is not None:
            when = f" {_ago((now - then).total_seconds())}"
        return f"already {did} by {self.actor}{when}"


def actor_label(role: str | None, name: str | None) -> str:
    """An actor as people know them: `Ana (ana_viewer)`, `ana_viewer`, or `someone`."""
    if name and role and name != role:
        return f"{name} ({role})"
    return name or role or "someone"


def _ago(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{int(seconds)}s ago"
    if seconds < 3600:
        return f"{int(seconds // 60)}m ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)}h ago"
    return f"{int(seconds // 86400)}d ago"


def answer_ref(kind: str, payload: object) -> str | None:
    """The tool use an action answers (None for messages and interrupts)."""
    field = ANSWER_REFS.get(kind)
    if field is None or not isinstance(payload, dict):
        return None
    ref = payload.get(field)
    return str(ref) if ref else None


def enqueue_action(
    conn: Conn, session_id: str, kind: str, payload: object, *, actor_name: str | None = None
) -> int:
    """Persist a new queued action and return its local id.

    Args:
        conn: the write connection.
        session_id: the session it goes to.
        kind: the action kind.
        payload: its payload.
        actor_name: the name the actor goes by (the role is the connection's, or the OS
            user's on SQLite).

    Raises:
        ActionTakenError: an answer to the same tool call is already queued, sending or sent.
    """
    now = now_key()
    ref = answer_ref(kind, payload)
    columns = "session_id, kind, payload, answer_ref, actor_name, created_at, updated_at"
    values: tuple[SQLValue, ...] = (session_id, kind, dumps(payload), ref, actor_name, now, now)
    if dialect_of(conn).name == "sqlite":  # PostgreSQL's column default is current_user
        columns += ", actor_role"
        values += (os_user(),)
    marks = ", ".join("?" * len(values))
    row = conn.execute(
        f"INSERT INTO outbox({columns}) VALUES ({marks}) ON CONFLICT DO NOTHING RETURNING id",
        values,
    ).fetchone()
    if row is not None:
        return int(row[0])
    taken = conn.execute(
        "SELECT kind, payload, actor_role, actor_name, created_at, state FROM outbox "
        "WHERE session_id = ? AND answer_ref = ? AND state <> 'failed' ORDER BY id LIMIT 1",
        (session_id, ref),
    ).fetchone()
    if taken is None:  # pragma: no cover - the conflict was on this very row
        raise OutboxStateError(f"outbox: {kind} for {session_id} conflicted with nothing")
    first = loads_object(taken[1])
    allowed = first.get("allow") if taken[0] == "tool_confirmation" else None
    raise ActionTakenError(
        session_id, ref or "", taken[0], allowed if isinstance(allowed, bool) else None,
        taken[2], taken[3], taken[4], taken[5],
    )  # fmt: skip


def os_user() -> str | None:
    """The OS user's login name (who acts on an SQLite mirror), if it has one."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container)
        return None


def _transition(
    conn: Conn,
    action_id: int,
    allowed_from: tuple[str, ...],
    sets: str,
    params: tuple[SQLValue, ...],
) -> str:
    """Apply a guarded state change and return the row's session id."""
    row = conn.execute("SELECT session_id, state FROM outbox WHERE id = ?", (action_id,)).fetchone()
    if row is None:
        raise OutboxStateError(f"no outbox action {action_id}")
    if row[1] not in allowed_from:
        raise OutboxStateError(f"outbox action {action_id} is {row[1]}, not {allowed_from}")
    conn.execute(
        f"UPDATE outbox SET {sets}, updated_at = ? WHERE id = ?", (*params, now_key(), action_id)
    )
    session_id: str = row[0]
    return session_id


def mark_sending(conn: Conn, action_id: int) -> str:
    """queued/failed → sending, counting the attempt."""
    return _transition(
        conn, action_id, ("queued", "failed"), "state = 'sending', attempts = attempts + 1", ()
    )


def claim_action(
    conn: Conn,
    action_id: int,
    owner: str,
    lease_until: float,
    *,
    take_over: str | None = None,
) -> str | None:
    """Make `owner` the sender of a row, atomically; None when another process got there first.

    Args:
        conn: the write connection.
        action_id: the row.
        owner: the claiming process (``host:pid:token``).
        lease_until: epoch seconds until which the claim holds unless renewed.
        take_over: claim a `sending` row from this (dead) owner ('' for a row that has none,
            written before owners existed); None claims a `queued` or `failed` row, counting
            an attempt.

    Returns:
        The row's session id when the claim succeeded, else None.
    """
    if take_over is None:
        cur = conn.execute(
            "UPDATE outbox SET state = 'sending', attempts = attempts + 1, owner = ?, "
            "lease_until = ?, updated_at = ? WHERE id IN (SELECT id FROM outbox WHERE id = ? "
            f"AND state IN ('queued', 'failed'){dialect_of(conn).skip_locked}) "
            "RETURNING session_id",
            (owner, lease_until, now_key(), action_id),
        )
    else:
        cur = conn.execute(
            "UPDATE outbox SET owner = ?, lease_until = ?, updated_at = ? "
            "WHERE id = ? AND state = 'sending' AND coalesce(owner, '') = ? RETURNING session_id",
            (owner, lease_until, now_key(), action_id, take_over),
        )
    row = cur.fetchone()
    return str(row[0]) if row is not None else None


def renew_leases(conn: Conn, owner: str, lease_until: float) -> int:
    """Extend the lease of every row `owner` is sending; returns how many."""
    cur = conn.execute(
        "UPDATE outbox SET lease_until = ? WHERE owner = ? AND state = 'sending'",
        (lease_until, owner),
    )
    return cur.rowcount


def mark_sent(conn: Conn, action_id: int, server_ids: list[str]) -> str:
    """sending → sent, recording the server event ids from the send receipt."""
    return _transition(
        conn, action_id, ("sending",), "state = 'sent', server_event_ids = ?, error = NULL",
        (dumps(list(server_ids)),),
    )  # fmt: skip


def mark_failed(conn: Conn, action_id: int, reason: str) -> str:
    """queued/sending → failed with a human-readable reason."""
    return _transition(
        conn, action_id, ("queued", "sending"), "state = 'failed', error = ?", (reason,)
    )
