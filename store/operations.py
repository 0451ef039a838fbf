"""The writer's operations: what each named operation runs on the write connection, what its
caller gets back, and which sessions' change notices it sends.

`MirrorWriter.submit(name, …)` looks an operation up here; every one runs inside the batch's
transaction under its own savepoint (see `drover.store.writer`). The notices extractor runs in
the same transaction and returns `{session_id: high_water_seq}` for `on_change` (and, on
PostgreSQL, for `NOTIFY`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from drover.store import imports, objects, outbox, quarantine
from drover.store.account import bind_account
from drover.store.derive import recompute_session
from drover.store.dialect import Conn
from drover.store.hub_status import hub_heartbeat
from drover.store.ingest import IngestResult, ingest_events
from drover.store.launches import LAUNCH_OPS
from drover.store.writer_steer import STEER_OPS

__all__ = ["OPERATIONS", "OPS"]


def _high_water(conn: Conn, session_ids: list[str]) -> dict[str, int]:
    out = {}
    for sid in session_ids:
        row = conn.execute("SELECT high_water_seq FROM sessions WHERE id = ?", (sid,)).fetchone()
        out[sid] = row[0] if row else 0
    return out


def _ingest_notices(conn: Conn, result: tuple[IngestResult, bool]) -> dict[str, int]:
    res, touched = result
    return {res.session_id: res.high_water_seq} if touched else {}


# Operation name -> (function run on the write connection, result -> public result,
# notices extractor (runs inside the transaction; returns {session_id: high_water_seq})).
OPS: dict[str, tuple[Callable[..., Any], Callable[[Any], Any], Callable[..., dict[str, int]]]] = {
    "ingest": (ingest_events, lambda r: r[0], _ingest_notices),
    "upsert_sessions": (objects.upsert_sessions, lambda r: r, _high_water),
    "upsert_threads": (objects.upsert_threads, lambda r: r, _high_water),
    "upsert_agents": (objects.upsert_agents, lambda r: r, lambda c, r: {}),
    "upsert_environments": (objects.upsert_environments, lambda r: r, lambda c, r: {}),
    "enqueue_action": (
        outbox.enqueue_action,
        lambda r: r,
        lambda c, r: _high_water(
            c, [c.execute("SELECT session_id FROM outbox WHERE id = ?", (r,)).fetchone()[0]]
        ),
    ),
    "mark_sending": (outbox.mark_sending, lambda r: None, lambda c, r: _high_water(c, [r])),
    "claim_action": (
        outbox.claim_action,
        lambda r: r,
        lambda c, r: _high_water(c, [r]) if r is not None else {},
    ),
    "renew_leases": (outbox.renew_leases, lambda r: r, lambda c, r: {}),
    "quarantine": (
        quarantine.quarantine_items,
        lambda r: r.new_ids,
        lambda c, r: _high_water(c, [r.session_id]) if r.new_ids else {},
    ),
    "mark_sent": (outbox.mark_sent, lambda r: None, lambda c, r: _high_water(c, [r])),
    "mark_failed": (outbox.mark_failed, lambda r: None, lambda c, r: _high_water(c, [r])),
    "recompute_session": (
        recompute_session,
        lambda r: r,
        lambda c, r: {r.session_id: r.high_water_seq},
    ),
    "import_session": (
        imports.import_session,
        lambda r: r,
        lambda c, r: {r.session_id: r.high_water_seq} if r.changed else {},
    ),
    "bind_account": (bind_account, lambda r: r, lambda c, r: {}),
    "hub_heartbeat": (hub_heartbeat, lambda r: r, lambda c, r: {}),
    "noop": (lambda conn: None, lambda r: None, lambda c, r: {}),
    **STEER_OPS,
    **LAUNCH_OPS,
}
OPERATIONS = tuple(OPS)
