"""Launches: fleets of sessions started from one template over a list of items.

A launch is recorded before anything is sent, one row per item, so it can be resumed after a
crash or Ctrl-C and read back as a record (item → session → state, with its spend). An item's
state moves ``queued`` → ``creating`` (committed *before* the create request goes out) →
``created`` (with its session id) or ``failed`` (with the reason). ``sessions.create`` has no
idempotency key, so an item left ``creating`` by a process that died is *in doubt*: the
session may exist. Every session of a launch carries the launch id and the item's index in its
metadata (``drover_launch``, ``drover_item``), and sync checks the server for it before the
item may be queued again (`drover.sync.launch`).

Launch states: ``running`` (a process is creating, or was when it died), ``paused`` (stopped by
Ctrl-C, or early on an error; ``--resume`` carries on), ``cancelled`` (stopped by you; a resume
still carries on), ``done`` (every item created or failed).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from drover.store.dialect import Conn
from drover.store.extract import dumps, loads_object, now_key
from drover.store.models import JSONObject

__all__ = [
    "ITEM_STATES",
    "LAUNCHES_V10",
    "LAUNCH_OPS",
    "LAUNCH_STATES",
    "LaunchItemRow",
    "LaunchRow",
    "NewLaunch",
    "item_outcome",
]

LAUNCH_STATES = ("running", "paused", "cancelled", "done")
ITEM_STATES = ("queued", "creating", "created", "failed")

LAUNCHES_V10 = """
CREATE TABLE launches (
    id TEXT PRIMARY KEY,            -- lch_…: every session of it has drover_launch = id
    name TEXT,                      -- the template's name, if it came from a saved one
    spec TEXT NOT NULL,             -- JSON: what every item shares (agent, environment, …)
    source TEXT,                    -- where the items came from (a file, "--count 20")
    total INTEGER NOT NULL,
    state TEXT NOT NULL,            -- running | paused | cancelled | done
    created_at TEXT NOT NULL,       -- local UTC time key
    updated_at TEXT NOT NULL,
    error TEXT                      -- why it stopped early, if it did
);
CREATE TABLE launch_items (
    launch_id TEXT NOT NULL REFERENCES launches(id),
    idx INTEGER NOT NULL,           -- 0-based; in the session's metadata as drover_item
    item TEXT NOT NULL,             -- JSON: the item's fields (what the placeholders took)
    request TEXT NOT NULL,          -- JSON: the rendered title, message, metadata, resources
    state TEXT NOT NULL,            -- queued | creating | created | failed
    session_id TEXT,
    error TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (launch_id, idx)
);
CREATE INDEX launch_items_session ON launch_items(session_id);
CREATE INDEX launch_items_state ON launch_items(launch_id, state);
"""


@dataclass(frozen=True, slots=True)
class NewLaunch:
    """A launch to record.

    Attributes:
        id: its id (``lch_…``).
        name: the template's name, or None.
        spec: what every item shares (JSON-able).
        source: where the items came from, for people.
        items: per item, ``(fields, request)``: what its placeholders took and what it sends.
    """

    id: str
    name: str | None
    spec: Mapping[str, Any]
    source: str | None
    items: Sequence[tuple[Mapping[str, Any], Mapping[str, Any]]]


@dataclass(frozen=True, slots=True)
class LaunchRow:
    """One launch with its items counted by state.

    Attributes:
        counts: items per item state (`ITEM_STATES`).
        outcomes: created items per outcome (`item_outcome`: running, needs you, done, …).
        cost_cents: the list cost of its sessions so far.
    """

    id: str
    name: str | None
    spec: JSONObject
    source: str | None
    total: int
    state: str
    created_at: str
    updated_at: str
    error: str | None
    counts: Mapping[str, int]
    outcomes: Mapping[str, int]
    cost_cents: int

    @property
    def settled(self) -> int:
        """Items that need no more work: created or failed."""
        return self.counts.get("created", 0) + self.counts.get("failed", 0)


@dataclass(frozen=True, slots=True)
class LaunchItemRow:
    """One item of a launch, with its session as the mirror has it."""

    launch_id: str
    idx: int
    item: JSONObject
    request: JSONObject
    state: str
    session_id: str | None
    error: str | None
    attempts: int
    title: str | None = None
    status: str | None = None
    needs_you: str | None = None
    error_badge: str | None = None
    stop_reason: str | None = None
    list_cost_cents: int | None = None
    archived: bool = False
    deleted: bool = False

    @property
    def outcome(self) -> str:
        """What became of it: see `item_outcome`."""
        return item_outcome(self)


def item_outcome(row: LaunchItemRow) -> str:
    """``queued``, ``creating``, ``failed`` (not created, or its session failed for good),
    ``needs you``, ``running``, ``done`` (idle after its turn, or ended), or ``created`` (its
    session is not mirrored yet)."""
    if row.state != "created":
        return row.state
    if row.status is None and not row.deleted:
        return "created"
    if row.needs_you in ("error_terminal", "error_exhausted", "retries_exhausted"):
        return "failed"
    if row.needs_you is not None and row.needs_you != "terminated":
        return "needs you"
    if row.status in ("running", "rescheduling"):
        return "running"
    return "done"


# -- writes (run on the writer thread, each inside its own savepoint) -------------------------


def create_launch(conn: Conn, launch: NewLaunch) -> str:
    """Record a launch and its items (all ``queued``)."""
    now = now_key()
    conn.execute(
        "INSERT INTO launches(id, name, spec, source, total, state, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, 'running', ?, ?)",
        (launch.id, launch.name, dumps(launch.spec), launch.source, len(launch.items), now, now),
    )
    conn.executemany(
        "INSERT INTO launch_items(launch_id, idx, item, request, state, updated_at) "
        "VALUES (?, ?, ?, ?, 'queued', ?)",
        [
            (launch.id, idx, dumps(fields), dumps(request), now)
            for idx, (fields, request) in enumerate(launch.items)
        ],
    )
    return launch.id


def set_launch_state(conn: Conn, launch_id: str, state: str, error: str | None = None) -> None:
    """A launch → `state` (`LAUNCH_STATES`), with why it stopped early when it did."""
    if state not in LAUNCH_STATES:
        raise ValueError(f"unknown launch state {state!r}")
    conn.execute(
        "UPDATE launches SET state = ?, error = ?, updated_at = ? WHERE id = ?",
        (state, error, now_key(), launch_id),
    )


def item_creating(conn: Conn, launch_id: str, idx: int) -> bool:
    """queued → creating (an attempt counted); False when the item was not queued."""
    cur = conn.execute(
        "UPDATE launch_items SET state = 'creating', attempts = attempts + 1, error = NULL, "
        "updated_at = ? WHERE launch_id = ? AND idx = ? AND state = 'queued'",
        (now_key(), launch_id, idx),
    )
    return cur.rowcount == 1


def item_created(conn: Conn, launch_id: str, idx: int, session_id: str) -> str:
    """→ created, with its session (also for an in-doubt item found on the server)."""
    conn.execute(
        "UPDATE launch_items SET state = 'created', session_id = ?, error = NULL, "
        "updated_at = ? WHERE launch_id = ? AND idx = ?",
        (session_id, now_key(), launch_id, idx),
    )
    return session_id


def item_failed(conn: Conn, launch_id: str, idx: int, error: str) -> None:
    """→ failed, with the reason (the server's refusal)."""
    conn.execute(
        "UPDATE launch_items SET state = 'failed', error = ?, updated_at = ? "
        "WHERE launch_id = ? AND idx = ?",
        (error, now_key(), launch_id, idx),
    )


def requeue_items(
    conn: Conn,
    launch_id: str,
    idxs: Iterable[int],
    *,
    states: tuple[str, ...] = ("creating",),
    note: str | None = None,
) -> int:
    """Items in `states` → queued again (in-doubt ones the server showed were not created, or
    failed ones being retried); returns how many."""
    marks = ",".join("?" * len(states))
    count = 0
    for idx in idxs:
        cur = conn.execute(
            f"UPDATE launch_items SET state = 'queued', error = ?, updated_at = ? "
            f"WHERE launch_id = ? AND idx = ? AND state IN ({marks})",
            (note, now_key(), launch_id, idx, *states),
        )
        count += cur.rowcount
    return count


def _session_notice(conn: Conn, session_id: str) -> dict[str, int]:
    row = conn.execute("SELECT high_water_seq FROM sessions WHERE id = ?", (session_id,)).fetchone()
    return {session_id: row[0] if row else 0}


LAUNCH_OPS: dict[str, tuple[Any, Any, Any]] = {
    "create_launch": (create_launch, lambda r: r, lambda c, r: {}),
    "set_launch_state": (set_launch_state, lambda r: None, lambda c, r: {}),
    "launch_item_creating": (item_creating, lambda r: r, lambda c, r: {}),
    "launch_item_created": (item_created, lambda r: None, _session_notice),
    "launch_item_failed": (item_failed, lambda r: None, lambda c, r: {}),
    "launch_items_requeue": (requeue_items, lambda r: r, lambda c, r: {}),
}
"""The writer's launch operations: name → (function, result, change notices)."""


# -- reads ------------------------------------------------------------------------------------

LAUNCH_COLUMNS = "id, name, spec, source, total, state, created_at, updated_at, error"
ITEM_COLUMNS = (
    "i.launch_id, i.idx, i.item, i.request, i.state, i.session_id, i.error, i.attempts, "
    "s.title, s.status, s.needs_you, s.error_badge, s.stop_reason, s.list_cost_cents, "
    "s.archived_at IS NOT NULL AS archived, coalesce(s.deleted, 0) AS deleted"
)


def launch_row(conn: Conn, row: Any) -> LaunchRow:
    """A `LaunchRow` from a row of `LAUNCH_COLUMNS`, its items counted."""
    launch_id = row[0]
    counts = dict(
        conn.execute(
            "SELECT state, count(*) FROM launch_items WHERE launch_id = ? GROUP BY state",
            (launch_id,),
        ).fetchall()
    )
    outcomes: dict[str, int] = {}
    cost = 0
    for item in items_of(conn, launch_id, states=("created",)):
        outcomes[item.outcome] = outcomes.get(item.outcome, 0) + 1
        cost += item.list_cost_cents or 0
    return LaunchRow(
        id=launch_id,
        name=row[1],
        spec=loads_object(row[2]),
        source=row[3],
        total=row[4],
        state=row[5],
        created_at=row[6],
        updated_at=row[7],
        error=row[8],
        counts=counts,
        outcomes=outcomes,
        cost_cents=cost,
    )


def items_of(
    conn: Conn, launch_id: str, *, states: Sequence[str] | None = None
) -> list[LaunchItemRow]:
    """A launch's items in order, each with its session's mirrored state."""
    where = "i.launch_id = ?"
    params: list[Any] = [launch_id]
    if states:
        where += f" AND i.state IN ({','.join('?' * len(states))})"
        params += list(states)
    rows = conn.execute(
        f"SELECT {ITEM_COLUMNS} FROM launch_items i LEFT JOIN sessions s ON s.id = i.session_id "
        f"WHERE {where} ORDER BY i.idx",
        params,
    ).fetchall()
    return [
        LaunchItemRow(
            launch_id=r[0],
            idx=r[1],
            item=loads_object(r[2]),
            request=loads_object(r[3]),
            state=r[4],
            session_id=r[5],
            error=r[6],
            attempts=r[7],
            title=r[8],
            status=r[9],
            needs_you=r[10],
            error_badge=r[11],
            stop_reason=r[12],
            list_cost_cents=r[13],
            archived=bool(r[14]),
            deleted=bool(r[15]),
        )
        for r in rows
    ]
