"""Derived per-session state (§15 "Per-session state machine" and "Needs attention rules").

The state is a fold over a session's events, kept in the `sessions` row so that ingest only
applies the new events (incremental) while `recompute_session` replays the whole log through
the same `apply_event` (from scratch). Facts carry the server time they describe; a fact older
than the one already applied is ignored ("newest wins"), so a back-filled gap or a lagging
`GET /v1/sessions/{id}` never rolls the state back.

Pending actions: the tool-use ids named by the latest session-level `session.status_idle`
and by each thread's latest `session.thread_status_idle` with `requires_action` (so a blocked
child shows before the session itself idles), minus those already answered by a
`user.tool_confirmation.tool_use_id` / `user.custom_tool_result.custom_tool_use_id` /
`user.tool_result.tool_use_id` (answers may arrive before the idle). Only `ask` tool uses and
custom tool uses count; an id whose tool use is not mirrored yet still counts (type None).

Error badge: `session.error` (seen on the session stream) sets it to its `retry_status`
(`retrying` | `exhausted` | `terminal`); a later turn ending normally, or a new turn starting
after idle, clears `retrying`/`exhausted`; `terminal` never clears. `last_error` keeps the
latest error whatever the badge.

Precedence for `needs_you` (first match wins):
  deleted → none; terminated → `error_terminal` if the last error was terminal, `terminated`
  unless archived; unanswered pending actions → `requires_action`; a vault credential the
  session uses failed its validation → `credential` (`drover.store.credential_health`: nothing
  it runs next can reach that server until it is fixed); idle with stop reason
  `budget_reached` / `retries_exhausted` / `refusal` → that reason; an error badge still
  `terminal` / `exhausted` (turn dead, idle not yet seen) → `error_terminal` / `error_exhausted`.
  Time-based rules (rescheduling too long, stream not recovering) belong to sync/the UI.

Outcomes (`user.define_outcome` and the evaluation spans, the Session object's
`outcome_evaluations`) are collected as facts and recorded by `finalize` in
`drover.store.outcomes`.
"""

from __future__ import annotations

import json

from drover.store import outcomes
from drover.store.credential_health import credential_issue
from drover.store.daily import (
    REQUEST_EVENT,
    add_request,
    clear_daily,
    clear_session_requests,
    write_daily,
)
from drover.store.dialect import Conn
from drover.store.event_raw import raw_json
from drover.store.extract import (
    ANSWER_TYPES,
    budget_cents,
    json_object,
    now_key,
    ts_key,
    usage_columns,
)
from drover.store.models import JSONObject
from drover.store.state import PRIMARY_KEY, SessionState, load_state, save_state

_STATUS_BY_EVENT = {
    "session.status_running": "running",
    "session.status_idle": "idle",
    "session.status_rescheduled": "rescheduling",
    "session.status_terminated": "terminated",
}
_THREAD_STATUS_BY_EVENT = {
    "session.thread_status_running": "running",
    "session.thread_status_idle": "idle",
    "session.thread_status_rescheduled": "rescheduling",
    "session.thread_status_terminated": "terminated",
}
_IDLE_NEEDS = ("budget_reached", "retries_exhausted", "refusal")
_TOOL_USE_TYPES = ("agent.tool_use", "agent.mcp_tool_use", "agent.custom_tool_use")


def _newer(at: str | None, than: str | None) -> bool:
    """True when a fact stamped `at` may replace one stamped `than` (ties: later arrival).

    An unstamped fact (a Session object without `updated_at`) only fills a gap: it never
    replaces a stamped one.
    """
    if than is None:
        return True
    return at is not None and at >= than


def _apply_usage(st: SessionState, usage: object, at: str | None) -> None:
    cols = usage_columns(usage)
    if at is not None and "list_cost_cents" in cols:
        # Every dated report goes to the per-day table, even one older than the figures
        # already folded (a back-filled gap, or a Session object polled before the events):
        # each day keeps its largest cumulative figure, so arrival order does not matter.
        st.cost_reports.append((at[:10], cols["list_cost_cents"], cols.get("active_seconds")))
    if cols and _newer(at, st.usage_at):
        st.usage.update(cols)
        st.usage_at = at


def _apply_budget(st: SessionState, holder: JSONObject, at: str | None) -> None:
    if "budget" in holder and _newer(at, st.budget_at):
        st.budget_cents = budget_cents(holder["budget"])
        st.budget_at = at


def apply_event(
    st: SessionState, event: JSONObject, *, on_primary: bool, at: str | None = None
) -> None:
    """Fold one stored event into the state. Unknown types change nothing.

    Args:
        st: the state to update in place.
        event: the raw wire event.
        on_primary: the event was delivered on the session (primary) stream; errors seen only
            on a thread stream are that thread's business, not the session badge's.
        at: the event's `ts_key(processed_at)` if the caller already computed it.
    """
    etype = event.get("type")
    if at is None:
        at = ts_key(event.get("processed_at"))
    if at is not None and (st.last_event_at is None or at > st.last_event_at):
        st.last_event_at = at
    if etype in _STATUS_BY_EVENT:
        _apply_status(st, etype, event, at)
    elif etype in _THREAD_STATUS_BY_EVENT or etype == "session.thread_created":
        _apply_thread(st, etype, event, at)
    elif etype == "session.error" and on_primary:
        error = json_object(event.get("error"))
        st.last_error = {"event_id": event.get("id"), "at": at, "error": error}
        retry = error.get("retry_status")
        st.error_badge = retry.get("type") if isinstance(retry, dict) else "unknown"
    elif etype == REQUEST_EVENT:
        # Additive per-day totals: the caller folds each stored event once (see store.daily).
        if at is not None:
            add_request(st.request_usage, event.get("model_usage"), at[:10])
    elif etype == "session.usage":
        _apply_usage(st, event.get("usage"), at)
        _apply_budget(st, event, at)
    elif etype == "session.updated":
        if isinstance(event.get("title"), str) or "title" in event:
            st.title = event.get("title")
        _apply_budget(st, event, at)
        agent = event.get("agent")
        if isinstance(agent, dict):
            st.agent_name = agent.get("name", st.agent_name)
            model = agent.get("model")
            if isinstance(model, dict):
                st.model_id = model.get("id", st.model_id)
    elif etype == "session.deleted":
        st.deleted = True
        st.requires.clear()
    elif etype in outcomes.OUTCOME_EVENTS:
        st.outcome_facts.append({**event, "_at": at})


def _apply_status(st: SessionState, etype: str, event: JSONObject, at: str | None) -> None:
    if not _newer(at, st.status_at):
        return
    previous = st.status
    st.status = _STATUS_BY_EVENT[etype]
    st.status_at = at
    if etype == "session.status_idle":
        reason = json_object(event.get("stop_reason"))
        st.stop_reason = reason.get("type")
        ids = reason.get("event_ids")
        st.stop_event_ids = (
            [i for i in ids if isinstance(i, str)] if isinstance(ids, list) else None
        )
        st.stop_details = event.get("stop_details")
        st.stop_event_id = event.get("id")
        st.stop_at = at
        if st.stop_reason == "requires_action":
            st.requires[PRIMARY_KEY] = st.stop_event_ids or []
        else:
            st.requires.pop(PRIMARY_KEY, None)
        # A turn that ended any other way than exhaustion clears a degraded/failed badge.
        if st.stop_reason != "retries_exhausted" and st.error_badge in ("retrying", "exhausted"):
            st.error_badge = None
    elif etype == "session.status_running":
        # A new turn starting after idle clears the previous turn's failure.
        if previous == "idle" and st.error_badge in ("retrying", "exhausted"):
            st.error_badge = None
    elif etype == "session.status_terminated":
        st.requires.clear()


def _apply_thread(st: SessionState, etype: str, event: JSONObject, at: str | None) -> None:
    thread_id = event.get("session_thread_id")
    if not isinstance(thread_id, str) or not thread_id:
        return
    agent_name = event.get("agent_name") if isinstance(event.get("agent_name"), str) else None
    status = _THREAD_STATUS_BY_EVENT.get(etype)
    reason = json_object(event.get("stop_reason"))
    stop = reason.get("type") if status == "idle" else None
    st.thread_facts.append((thread_id, agent_name, status, stop, at))
    if status == "idle":
        if stop == "requires_action":
            ids = reason.get("event_ids")
            st.requires[thread_id] = [i for i in ids if isinstance(i, str)] if ids else []
        else:
            st.requires.pop(thread_id, None)
    elif status == "terminated":
        st.requires.pop(thread_id, None)


def apply_session_object(st: SessionState, obj: JSONObject) -> None:
    """Reconcile the state with a server `Session` object (newest fact wins)."""
    at = ts_key(obj.get("updated_at"))
    st.archived_at = obj.get("archived_at")
    if isinstance(obj.get("title"), str) or obj.get("title") is None:
        st.title = obj.get("title")
    agent = json_object(obj.get("agent"))
    st.agent_name = agent.get("name", st.agent_name)
    model = agent.get("model")
    if isinstance(model, dict):
        st.model_id = model.get("id", st.model_id)
    status = obj.get("status")
    if st.archived_at:
        # Archiving is irreversible; no later event can make the session live again.
        st.status = "terminated"
        st.status_at = max(filter(None, (at, st.status_at)), default=None)
    elif isinstance(status, str) and _newer(at, st.status_at):
        st.status = status
        st.status_at = at
    if status == "terminated" or st.archived_at:
        st.requires.clear()
    _apply_usage(st, obj.get("usage"), at)
    _apply_budget(st, obj, at)
    st.outcome_facts.extend(outcomes.facts_of_session(obj))


def _pending(conn: Conn, st: SessionState) -> list[JSONObject]:
    """Resolve the open requires_action ids into unanswered pending actions."""
    ordered: list[str] = []
    for key in sorted(st.requires, key=lambda k: (k != PRIMARY_KEY, k)):
        ordered.extend(i for i in st.requires[key] if i not in ordered)
    if not ordered or st.deleted or st.status == "terminated":
        return []
    marks = ",".join("?" * len(ordered))
    answered = {
        row[0]
        for row in conn.execute(
            f"SELECT ref_id FROM events WHERE ref_id IN ({marks}) "
            f"AND type IN ({','.join('?' * len(ANSWER_TYPES))})",
            (*ordered, *ANSWER_TYPES),
        )
    }
    uses = {
        row[0]: (row[1], row[2], json.loads(raw_json(row[3])))
        for row in conn.execute(
            f"SELECT id, type, thread_id, raw FROM events WHERE id IN ({marks})", ordered
        )
    }
    pending: list[JSONObject] = []
    for eid in ordered:
        if eid in answered:
            continue
        etype, thread_id, raw = uses.get(eid, (None, None, {}))
        if etype is not None and not (
            etype == "agent.custom_tool_use"
            or (etype in _TOOL_USE_TYPES and raw.get("evaluated_permission") == "ask")
        ):
            continue
        pending.append(
            {
                "event_id": eid,
                "type": etype,  # None: the tool use itself is not mirrored yet
                "name": raw.get("name"),
                "input": raw.get("input"),
                "mcp_server_name": raw.get("mcp_server_name"),
                "session_thread_id": raw.get("session_thread_id") or thread_id,
                "processed_at": raw.get("processed_at"),
            }
        )
    return pending


def _needs(conn: Conn, st: SessionState) -> str | None:
    if st.deleted:
        return None
    if st.status == "terminated":
        if st.error_badge == "terminal":
            return "error_terminal"
        return None if st.archived_at else "terminated"
    if st.pending:
        return "requires_action"
    if not st.archived_at and credential_issue(conn, st.session_id) is not None:
        return "credential"
    if st.status == "idle" and st.stop_reason in _IDLE_NEEDS:
        return st.stop_reason
    if st.error_badge == "terminal":
        return "error_terminal"
    if st.error_badge == "exhausted":
        return "error_exhausted"
    return None


def finalize(conn: Conn, st: SessionState) -> None:
    """Recompute pending actions and the needs-you reason, then save the row."""
    st.pending = _pending(conn, st)
    if st.outcome_facts:
        outcomes.record(conn, st.session_id, st.outcome_facts)
        st.outcome_facts.clear()
    reason = _needs(conn, st)
    if reason != st.needs_you:
        st.needs_you = reason
        st.needs_since = None if reason is None else (st.last_event_at or now_key())
    save_state(conn, st)


def recompute_session(conn: Conn, session_id: str) -> SessionState:
    """Rebuild a session's derived state from scratch: its Session object, then every event.

    Args:
        conn: the write connection, inside a transaction.
        session_id: the session to rebuild.

    Returns:
        The saved state.
    """
    found = conn.execute("SELECT raw FROM sessions WHERE id = ?", (session_id,)).fetchone()
    raw = found[0] if found else None
    st = SessionState(session_id=session_id)
    st.attention = load_state(conn, session_id).attention  # a rebuild alone is no change
    clear_daily(conn, session_id)
    clear_session_requests(conn, session_id)
    for seq, on_primary, event_raw in conn.execute(
        "SELECT seq, on_primary, raw FROM events WHERE session_id = ? ORDER BY seq", (session_id,)
    ):
        apply_event(st, json.loads(raw_json(event_raw)), on_primary=bool(on_primary))
        st.high_water_seq = seq
        st.event_count += 1
    if raw:
        apply_session_object(st, json.loads(raw_json(raw)))
    finalize(conn, st)
    return st


def backfill_daily(conn: Conn) -> None:
    """Rebuild every session's per-day rows from its mirrored usage events (migration v3).

    Reads only `session.usage` and `span.model_request_end` events (one index range per
    session), folded by the same `apply_event` as ingest, then the session's Session object
    as `recompute_session` does, so the rows equal what a full recompute would write.
    """
    sessions = conn.execute("SELECT id, raw FROM sessions").fetchall()
    for session_id, raw in sessions:
        st = SessionState(session_id=session_id)
        for on_primary, event_raw in conn.execute(
            "SELECT on_primary, raw FROM events WHERE session_id = ? AND type IN (?, ?) "
            "ORDER BY seq",
            (session_id, "session.usage", REQUEST_EVENT),
        ):
            apply_event(st, json.loads(raw_json(event_raw)), on_primary=bool(on_primary))
        if raw:
            apply_session_object(st, json.loads(raw_json(raw)))
        clear_daily(conn, session_id)
        write_daily(conn, session_id, st.cost_reports, st.request_usage)
