"""Budgets in the cost ledger (`drover.store.ledger`): the user's daily and monthly caps, all
agents' or one agent's, against what synced sessions spent; and sessions near their server budget.
Imported sessions (another account's runs loaded for review) never count against a cap.
"""

from __future__ import annotations

from collections.abc import Iterable

from drover.store.dialect import Conn
from drover.store.models import WARN_PERCENT, BudgetState, SQLValue

__all__ = ["Cap", "budget_states", "window_spend"]

Cap = tuple[str, str | None, int]
"""A user budget: (`daily` | `monthly`, agent id or name or None for all, cap in cents)."""


def window_spend(conn: Conn, since: str, until: str, *, agent: str | None = None) -> int:
    """List cost spent between two UTC days (inclusive) by synced sessions, in cents.

    Args:
        conn: a read connection.
        since: first day.
        until: last day.
        agent: only sessions of this agent (its id or its name).
    """
    # The days' rows from `daily_cost_spend` alone, less the (few) imported sessions' from
    # `sessions_imported`: no session row is read per day row.
    sql = (
        "SELECT coalesce(sum(d.spent_cents), 0) FROM daily_cost d WHERE d.day BETWEEN ? AND ? "
        "AND d.session_id NOT IN (SELECT id FROM sessions WHERE origin IS NOT NULL)"
    )
    params: list[SQLValue] = [since, until]
    if agent is not None:  # its sessions by id, or by name (a walk of `sessions_ledger`)
        sql += (
            " AND d.session_id IN (SELECT id FROM sessions WHERE agent_id = ? "
            "UNION SELECT id FROM sessions WHERE agent_name = ?)"
        )
        params += [agent, agent]
    return int(conn.execute(sql, params).fetchone()[0])


def budget_states(
    conn: Conn, caps: Iterable[Cap] = (), *, today: str, session_limit: int = 50
) -> list[BudgetState]:
    """The user's caps (every one, whatever its level), then sessions whose server budget is
    at `WARN_PERCENT`% or more (most consumed first; archived and deleted ones left out).

    Imported sessions (another account's runs loaded for review) never count against a cap.

    Args:
        conn: a read connection.
        caps: the user's budgets (see `Cap`).
        today: the current UTC day, `YYYY-MM-DD`.
        session_limit: most session budgets listed.
    """
    states = []
    for period, agent, cap_cents in caps:
        since = today[:8] + "01" if period == "monthly" else today
        spent = window_spend(conn, since, today, agent=agent)
        states.append(BudgetState(period, agent, agent, spent, cap_cents))
    rows = conn.execute(
        "SELECT id, title, list_cost_cents, budget_cents FROM sessions "
        "WHERE budget_cents > 0 AND list_cost_cents * 100 >= budget_cents * ? "
        "AND deleted = 0 AND archived_at IS NULL "
        "ORDER BY list_cost_cents * 1.0 / budget_cents DESC, id LIMIT ?",
        (WARN_PERCENT, session_limit),
    )
    states.extend(BudgetState("session", sid, title, cents, cap) for sid, title, cents, cap in rows)
    return states
