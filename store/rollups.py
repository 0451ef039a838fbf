"""Cost rollups and header counts (cheap: `sessions` and the small `daily_cost` table).

Per-day spend comes from `daily_cost`: for each session, its cumulative list cost at the last
usage report of each UTC day. A day's spend is the growth of that figure over the day, so a
session running across midnight is split correctly without scanning events.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from drover.store.extract import now_key
from drover.store.models import HeaderCounts


def cost_by_session(conn: sqlite3.Connection, *, limit: int = 100) -> list[dict[str, Any]]:
    """Sessions by list cost, most expensive first."""
    rows = conn.execute(
        "SELECT id AS session_id, title, agent_id, agent_name, list_cost_cents, budget_cents "
        "FROM sessions WHERE list_cost_cents IS NOT NULL AND deleted = 0 "
        "ORDER BY list_cost_cents DESC, id LIMIT ?",
        [limit],
    )
    return [dict(r) for r in rows]


def cost_by_agent(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Total list cost and session count per agent, most expensive first."""
    rows = conn.execute(
        "SELECT agent_id, max(agent_name) AS agent_name, count(*) AS sessions, "
        "coalesce(sum(list_cost_cents), 0) AS list_cost_cents FROM sessions "
        "WHERE deleted = 0 GROUP BY agent_id ORDER BY list_cost_cents DESC, agent_id"
    )
    return [dict(r) for r in rows]


def cost_by_day(conn: sqlite3.Connection, *, since: str | None = None) -> list[dict[str, Any]]:
    """Spend per UTC day: each session's growth in cumulative list cost over that day."""
    rows = conn.execute(
        "SELECT day, sum(cents - prev) AS list_cost_cents FROM ("
        "  SELECT day, list_cost_cents AS cents, coalesce(lag(list_cost_cents) OVER "
        "    (PARTITION BY session_id ORDER BY day), 0) AS prev FROM daily_cost"
        ") WHERE day >= coalesce(?, '') GROUP BY day ORDER BY day",
        [since],
    )
    return [dict(r) for r in rows]


def header_counts(conn: sqlite3.Connection, *, today: str | None = None) -> HeaderCounts:
    """Counts for the header; `today` is a UTC `YYYY-MM-DD` (default: the clock's)."""
    day = today or now_key()[:10]
    total, running, needs, errored = conn.execute(
        "SELECT count(*), coalesce(sum(status = 'running'), 0), "
        "coalesce(sum(needs_you IS NOT NULL), 0), coalesce(sum(error_badge IS NOT NULL), 0) "
        "FROM sessions WHERE deleted = 0 AND archived_at IS NULL"
    ).fetchone()
    spend = conn.execute(
        "SELECT coalesce(sum(d.list_cost_cents - coalesce((SELECT p.list_cost_cents "
        "FROM daily_cost p WHERE p.session_id = d.session_id AND p.day < d.day "
        "ORDER BY p.day DESC LIMIT 1), 0)), 0) FROM daily_cost d WHERE d.day = ?",
        (day,),
    ).fetchone()[0]
    return HeaderCounts(total, running, needs, errored, spend)
