"""Upserts of server objects (agents, environments, sessions, threads) on the writer thread.

These tables have no FTS index, so `INSERT … ON CONFLICT DO UPDATE` is safe here (the
REPLACE/UPSERT ban applies to `events` only). The raw JSON of every object is kept whole.
"""

from __future__ import annotations

from typing import cast

from drover.store.derive import apply_session_object, finalize
from drover.store.dialect import Conn
from drover.store.event_raw import stored_session
from drover.store.extract import dumps, json_object, money_cents
from drover.store.models import JSONObject, SQLValue
from drover.store.platform import record_session_refs
from drover.store.state import load_state
from drover.store.upsert import upsert_by_id


def _require_id(obj: object, kind: str) -> str:
    if not isinstance(obj, dict) or not isinstance(obj.get("id"), str) or not obj["id"]:
        raise ValueError(f"{kind} object without a string id")
    object_id: str = obj["id"]
    return object_id


def _model_id(agent: object) -> str | None:
    model = agent.get("model") if isinstance(agent, dict) else None
    if isinstance(model, dict):
        model_id: str | None = model.get("id")
        return model_id
    return model if isinstance(model, str) else None


def upsert_agents(conn: Conn, agents: list[JSONObject]) -> list[str]:
    """Insert or refresh `Agent` objects; returns their ids."""
    rows: list[dict[str, SQLValue]] = [
        {
            "id": _require_id(a, "agent"),
            "name": a.get("name"),
            "version": a.get("version"),
            "model_id": _model_id(a),
            "created_at": a.get("created_at"),
            "updated_at": a.get("updated_at"),
            "archived_at": a.get("archived_at"),
            "raw": dumps(a),
        }
        for a in agents
    ]
    upsert_by_id(conn, "agents", rows)
    return [cast(str, r["id"]) for r in rows]  # _require_id checked each


def upsert_environments(conn: Conn, envs: list[JSONObject]) -> list[str]:
    """Insert or refresh `Environment` objects; returns their ids."""
    rows: list[dict[str, SQLValue]] = [
        {
            "id": _require_id(e, "environment"),
            "name": e.get("name"),
            "created_at": e.get("created_at"),
            "updated_at": e.get("updated_at"),
            "archived_at": e.get("archived_at"),
            "raw": dumps(e),
        }
        for e in envs
    ]
    upsert_by_id(conn, "environments", rows)
    return [cast(str, r["id"]) for r in rows]  # _require_id checked each


def upsert_threads(conn: Conn, threads: list[JSONObject]) -> list[str]:
    """Insert or refresh `Thread` objects; returns the session ids they belong to."""
    rows: list[dict[str, SQLValue]] = []
    for t in threads:
        agent = json_object(t.get("agent"))
        usage = json_object(t.get("usage"))
        rows.append(
            {
                "id": _require_id(t, "thread"),
                "session_id": t.get("session_id"),
                "parent_thread_id": t.get("parent_thread_id"),
                "agent_name": agent.get("name"),
                "status": t.get("status"),
                "list_cost_cents": money_cents(usage.get("list_cost")),
                "created_at": t.get("created_at"),
                "updated_at": t.get("updated_at"),
                "archived_at": t.get("archived_at"),
                "raw": dumps(t),
            }
        )
        if not isinstance(rows[-1]["session_id"], str):
            raise ValueError("thread object without a session_id")
    upsert_by_id(conn, "threads", rows)
    return sorted({cast(str, r["session_id"]) for r in rows})  # checked in the loop


def upsert_sessions(conn: Conn, sessions: list[JSONObject]) -> list[str]:
    """Insert or refresh `Session` objects and reconcile their derived state.

    Returns:
        The ids of the sessions written.
    """
    ids = []
    for obj in sessions:
        sid = _require_id(obj, "session")
        record_session_refs(conn, [obj])  # before the fold: a failing credential needs you
        st = load_state(conn, sid)
        apply_session_object(st, obj)
        finalize(conn, st)
        agent = json_object(obj.get("agent"))
        conn.execute(
            "UPDATE sessions SET raw = ?, agent_id = ?, environment_id = ?, created_at = ?, "
            "updated_at = ? WHERE id = ?",
            (
                stored_session(conn, dumps(obj)), agent.get("id"), obj.get("environment_id"),
                obj.get("created_at"),
                obj.get("updated_at"), sid,
            ),
        )  # fmt: skip
        ids.append(sid)
    return ids
