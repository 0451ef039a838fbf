"""Outbox operations: the user's actions, persisted before they are sent.

States: `queued` → `sending` → `sent` (with the server's event ids from the send receipt) or
`failed` (with a reason). `sending` rows found at start-up mean drover died mid-send: because
the API has no idempotency key, sync must check recent history before re-sending them.
"""

from __future__ import annotations

from drover.store.dialect import Conn
from drover.store.extract import dumps, now_key
from drover.store.models import SQLValue

OUTBOX_STATES = ("queued", "sending", "sent", "failed")


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
