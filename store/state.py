"""Persistence of the derived per-session state: the `SessionState` dataclass and its row.

`drover.store.derive` folds events into a `SessionState`; this module loads it from and saves
it to the `sessions` row (plus the thread facts and daily cost reports the fold collected).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from typing import Any, cast

from drover.store.attention import attention_category, attention_token
from drover.store.daily import CostReport, RequestTotals, add_session_requests, write_daily
from drover.store.dialect import Conn, dialect_of
from drover.store.extract import UsageColumns, dumps, now_key
from drover.store.models import JSONObject

USAGE_FIELDS = (
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_creation_tokens",
    "list_cost_cents",
    "active_seconds",
)
PRIMARY_KEY = ""  # key of the session-level list in `requires`


@dataclass
class SessionState:
    """The derived columns of one `sessions` row, plus fold bookkeeping."""

    session_id: str
    status: str | None = None
    status_at: str | None = None
    deleted: bool = False
    archived_at: str | None = None
    title: str | None = None
    agent_name: str | None = None
    model_id: str | None = None
    usage: UsageColumns = field(default_factory=UsageColumns)
    usage_at: str | None = None
    budget_cents: int | None = None
    budget_at: str | None = None
    stop_reason: str | None = None
    stop_event_ids: list[str] | None = None
    stop_details: object = None
    stop_event_id: str | None = None
    stop_at: str | None = None
    last_error: JSONObject | None = None
    error_badge: str | None = None
    pending: list[JSONObject] = field(default_factory=list)
    needs_you: str | None = None
    needs_since: str | None = None
    high_water_seq: int = 0
    event_count: int = 0
    last_event_at: str | None = None
    # The sessions row exists already (False: save_state must create it first).
    stored: bool = False
    # thread key ("" = session level) -> tool-use ids of that level's latest requires_action.
    requires: dict[str, list[str]] = field(default_factory=dict)
    # Set by apply_*; save_state writes them to `daily_cost` (see drover.store.daily).
    cost_reports: list[CostReport] = field(default_factory=list)
    # Model requests folded since the last save, per UTC day (written to `daily_usage`).
    request_usage: RequestTotals = field(default_factory=dict)
    # Thread facts discovered from events: (thread_id, agent_name, status, stop_reason, at).
    thread_facts: list[tuple[str, str | None, str | None, str | None, str | None]] = field(
        default_factory=list
    )
    # Outcome events and Session-object entries folded since the last save, each with its
    # `_at` (see drover.store.outcomes); `finalize` records them.
    outcome_facts: list[JSONObject] = field(default_factory=list)
    # (attention category, token) as stored, to tell when a save changes it (None: no row).
    attention: tuple[str, str | None] | None = None

    def attention_key(self) -> tuple[str, str | None]:
        """The state's (attention category, token) (see `drover.store.attention`)."""
        category = attention_category(
            deleted=self.deleted, archived_at=self.archived_at, needs_you=self.needs_you,
            status=self.status, stop_reason=self.stop_reason,
        )  # fmt: skip
        return category, attention_token(category, self.needs_since)


_SESSION_COLUMNS = (
    "status, status_at, deleted, archived_at, title, agent_name, model_id, "
    + ", ".join(USAGE_FIELDS)
    + ", usage_at, budget_cents, budget_at, stop_reason, stop_event_ids, stop_details, "
    "stop_event_id, stop_at, last_error, error_badge, pending_actions, needs_you, needs_since, "
    "high_water_seq, event_count, last_event_at, derive_state"
)


def _loads(value: str | None, default: Any = None) -> Any:
    return json.loads(value) if value else default


def load_state(conn: Conn, session_id: str) -> SessionState:
    """Load the derived state of a session (a blank state if the session is unknown)."""
    row = conn.execute(
        f"SELECT {_SESSION_COLUMNS} FROM sessions WHERE id = ?", (session_id,)
    ).fetchone()
    if row is None:  # the row is created by save_state, once there is something to save
        return SessionState(session_id=session_id)
    (status, status_at, deleted, archived_at, title, agent_name, model_id, *rest) = row
    usage_vals, rest = rest[: len(USAGE_FIELDS)], rest[len(USAGE_FIELDS) :]
    (
        usage_at, budget, budget_at, stop_reason, stop_ids, stop_details, stop_event_id,
        stop_at, last_error, badge, pending, needs, needs_since, hw, count, last_at, extra,
    ) = rest  # fmt: skip
    st = SessionState(
        session_id=session_id,
        stored=True,
        status=status,
        status_at=status_at,
        deleted=bool(deleted),
        archived_at=archived_at,
        title=title,
        agent_name=agent_name,
        model_id=model_id,
        usage=cast(  # USAGE_FIELDS are UsageColumns' keys, each column of its type
            UsageColumns,
            {k: v for k, v in zip(USAGE_FIELDS, usage_vals, strict=True) if v is not None},
        ),
        usage_at=usage_at,
        budget_cents=budget,
        budget_at=budget_at,
        stop_reason=stop_reason,
        stop_event_ids=_loads(stop_ids),
        stop_details=_loads(stop_details),
        stop_event_id=stop_event_id,
        stop_at=stop_at,
        last_error=_loads(last_error),
        error_badge=badge,
        pending=_loads(pending, []),
        needs_you=needs,
        needs_since=needs_since,
        high_water_seq=hw,
        event_count=count,
        last_event_at=last_at,
        requires=_loads(extra, {}).get("requires", {}),
    )
    st.attention = st.attention_key()
    return st


@functools.cache
def _update_sql(keys: tuple[str, ...]) -> str:
    """The UPDATE statement for a set of columns (built once; `id` is the key)."""
    assignments = ", ".join(f"{k} = :{k}" for k in keys if k != "id")
    return f"UPDATE sessions SET {assignments} WHERE id = :id"


def save_state(conn: Conn, st: SessionState) -> None:
    """Write the derived columns back, plus any thread facts and per-day usage."""
    values = {
        "status": st.status,
        "status_at": st.status_at,
        "deleted": int(st.deleted),
        "archived_at": st.archived_at,
        "title": st.title,
        "agent_name": st.agent_name,
        "model_id": st.model_id,
        **{k: st.usage.get(k) for k in USAGE_FIELDS},
        "usage_at": st.usage_at,
        "budget_cents": st.budget_cents,
        "budget_at": st.budget_at,
        "stop_reason": st.stop_reason,
        "stop_event_ids": None if st.stop_event_ids is None else dumps(st.stop_event_ids),
        "stop_details": None if st.stop_details is None else dumps(st.stop_details),
        "stop_event_id": st.stop_event_id,
        "stop_at": st.stop_at,
        "last_error": None if st.last_error is None else dumps(st.last_error),
        "error_badge": st.error_badge,
        "pending_actions": dumps(st.pending),
        "pending_count": len(st.pending),
        "needs_you": st.needs_you,
        "needs_since": st.needs_since,
        "high_water_seq": st.high_water_seq,
        "event_count": st.event_count,
        "last_event_at": st.last_event_at,
        "derive_state": dumps({"requires": st.requires}),
        "local_updated_at": now_key(),
    }
    attention = st.attention_key()
    if attention != st.attention:
        # Into another attention category: a rev past every reader's mark (one index probe).
        (values["attention_rev"],) = conn.execute(
            "SELECT coalesce(max(attention_rev), 0) + 1 FROM sessions"
        ).fetchone()
        st.attention = attention
    if not st.stored:
        conn.execute("INSERT INTO sessions(id) VALUES (?) ON CONFLICT DO NOTHING", (st.session_id,))
        st.stored = True
    values["id"] = st.session_id
    conn.execute(_update_sql(tuple(values)), values)
    write_daily(conn, st.session_id, st.cost_reports, st.request_usage)
    # (Not inside write_daily: migration v3 folds old logs with it, before these columns.)
    add_session_requests(conn, st.session_id, st.request_usage)
    st.cost_reports.clear()
    st.request_usage.clear()
    for thread_id, agent_name, status, stop_reason, at in st.thread_facts:
        conn.execute(
            "INSERT INTO threads(id, session_id, agent_name, status, status_at, stop_reason) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
            "agent_name = coalesce(excluded.agent_name, threads.agent_name), "
            "status = CASE WHEN excluded.status IS NOT NULL AND (threads.status_at IS NULL "
            "  OR excluded.status_at >= threads.status_at) THEN excluded.status "
            "  ELSE threads.status END, "
            "stop_reason = CASE WHEN excluded.status IS NOT NULL AND (threads.status_at IS NULL "
            "  OR excluded.status_at >= threads.status_at) THEN excluded.stop_reason "
            "  ELSE threads.stop_reason END, "
            f"status_at = {dialect_of(conn).greatest}(coalesce(threads.status_at, ''), "
            "coalesce(excluded.status_at, ''))",
            (thread_id, st.session_id, agent_name, status, at, stop_reason),
        )
    st.thread_facts.clear()
