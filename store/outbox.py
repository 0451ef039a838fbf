"""Outbox operations: the user's actions, persisted before they are sent.

States: `queued` → `sending` → `sent` (with the server's event ids from the send receipt) or
`failed` (with a reason). Because the API has no idempotency key, a `sending` row whose sender
died must be checked against recent history before it is sent again.

Several drover processes may share one mirror (the TUI and `drover send`, or a script running
sends in parallel), so a `sending` row has an **owner** (``host:pid:token`` of the process that
claimed it) and a **lease** (epoch seconds) the owner renews while it lives. Only a row whose
owner is dead may be taken over; every claim is a compare-and-set on the state and the owner,
so two processes can never both believe they own a row.
"""

from __future__ import annotations

from drover.store.dialect import Conn
from drover.store.extract import dumps, now_key
from drover.store.models import SQLValue

OUTBOX_STATES = ("queued", "sending", "sent", "failed")

OUTBOX_LEASE_V7 = (
    "ALTER TABLE outbox ADD COLUMN owner TEXT",  # host:pid:token of the sending process
    "ALTER TABLE outbox ADD COLUMN lease_until REAL",  # epoch seconds; renewed while it lives
)


class OutboxStateError(ValueError):
    """An outbox transition named an unknown row or was not allowed from its current state."""


def enqueue_action(conn: Conn, session_id: str, kind: str, payload: object) -> int:
    """Persist a new queued action and return its local id."""
    now = now_key()
    (action_id,) = conn.execute(
        "INSERT INTO outbox(session_id, kind, payload, state, created_at, updated_at) "
        "VALUES (?, ?, ?, 'queued', ?, ?) RETURNING id",
        (session_id, kind, dumps(payload), now, now),
    ).fetchone()
    return int(action_id)


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
            "lease_until = ?, updated_at = ? WHERE id = ? AND state IN ('queued', 'failed') "
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
