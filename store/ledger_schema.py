"""The cost ledger's schema (SQLite v13, PostgreSQL step 8): what keeps its queries
(`drover.store.ledger`) off the wide session rows and off grouping every per-day row."""

from __future__ import annotations

from drover.store.daily import SESSION_REQUESTS, session_requests_ddl
from drover.store.dialect import SQLITE, Dialect

__all__ = ["ledger_index_ddl", "ledger_schema", "pg_plan_index_ddl"]


def ledger_schema(dialect: Dialect, columns: set[str]) -> list[str]:
    """SQLite v13, PostgreSQL step 8: the sessions' request totals (`drover.store.daily`),
    then the ledger's indexes; `columns` are those `sessions` has (the step may run again)."""
    return [*session_requests_ddl(dialect, columns), *ledger_index_ddl(dialect)]


def ledger_index_ddl(dialect: Dialect = SQLITE) -> list[str]:
    """The ledger's indexes.

    * `sessions_ledger`: the id, labels and figures every ledger query reads of a session, so
      the all-time figures walk this narrow index instead of every (wide) session row, and a
      window's sessions are found in it by id (SQLite reads it alone: a covering index).
    * `sessions_budget`: the sessions with a server budget still shown, for `budget_states`.
    * `sessions_imported`: the imported sessions, which a spend against the user's caps leaves
      out (`window_spend`).
    * `daily_cost_spend`, `daily_usage_figures`: a window's per-day figures in day order,
      read without visiting the tables' rows.

    PostgreSQL's copies leave out free text (agent names, titles): an index entry there must
    fit a third of a page, and its plans are not checked (see tests/store/test_query_plans.py).
    """
    sqlite = dialect.name == "sqlite"
    return [
        "CREATE INDEX IF NOT EXISTS sessions_ledger ON sessions(id, agent_id, environment_id, "
        "model_id, list_cost_cents, active_seconds, input_tokens, output_tokens, "
        f"cache_read_tokens, cache_creation_tokens, {', '.join(SESSION_REQUESTS)}"
        f"{', agent_name' if sqlite else ''})",
        f"CREATE INDEX IF NOT EXISTS sessions_budget ON sessions(id, {'title, ' if sqlite else ''}"
        "list_cost_cents, budget_cents, deleted, archived_at) "
        "WHERE budget_cents > 0 AND deleted = 0 AND archived_at IS NULL",
        "CREATE INDEX IF NOT EXISTS sessions_imported ON sessions(origin, id) "
        "WHERE origin IS NOT NULL",
        # A window's per-day figures, read by day alone (the tables are keyed by session).
        "CREATE INDEX IF NOT EXISTS daily_cost_spend "
        "ON daily_cost(day, session_id, spent_cents, runtime_seconds)",
        "CREATE INDEX IF NOT EXISTS daily_usage_figures ON daily_usage(day, session_id, requests, "
        "input_tokens, output_tokens, cache_read_tokens, cache_write_tokens)",
    ]


def pg_plan_index_ddl() -> list[str]:
    """PostgreSQL step 9: what its plans lacked (tests/store/test_pg_query_plans.py).

    * `sessions_agent_name_exact`: a budget capped by agent name finds that agent's sessions
      by the exact name (`window_spend`); SQLite finds them in `sessions_ledger`, which holds
      the name, and PostgreSQL's only index on names is case-folded (`sessions_agent_name`).
      A hash index: equality is all it answers, and it takes a name of any length (a btree
      entry must fit a third of a page).
    """
    return [
        "CREATE INDEX IF NOT EXISTS sessions_agent_name_exact ON sessions USING hash (agent_name)"
    ]
