"""What keeps the hot paths off the session rows (SQLite v11, PostgreSQL step 6).

At 100k sessions a read of every (wide) session row, or a sort of them, is what the user
waits for at every open and every re-sort. Each hot path reads an index instead:

* the fleet's order, one partial index per sort key in that key's order
  (`drover.store.fleet.fleet_index_ddl`): the order is read down it, never sorted;
* the header's counts, from a narrow partial index over the visible sessions holding the
  columns they count, so they never read a session row (they still count every visible
  session's entry: a rollup kept by triggers would not, and is left for later);
* search's `after:`, which prunes sessions by `last_event_at`;
* attention's baseline: the sessions needing you and the highest `attention_rev`
  (`drover.store.attention`), never every session.

The inbox (`sessions_needs`, `sessions_created`) and `agent:` (`sessions_agent_name`) had
theirs already. `tests/store/test_query_plans.py` checks every hot path's plans.
"""

from __future__ import annotations

from drover.store.attention import attention_rev_ddl
from drover.store.dialect import SQLITE, Dialect
from drover.store.fleet import SORT_KEYS, VISIBLE, fleet_index_ddl

__all__ = ["hot_path_schema"]


def hot_path_schema(dialect: Dialect = SQLITE) -> list[str]:
    """The DDL of the hot paths' column and indexes, in `dialect` (run once per mirror)."""
    return [
        *attention_rev_ddl(dialect),
        *(fleet_index_ddl(sort, dialect) for sort in SORT_KEYS),
        "CREATE INDEX IF NOT EXISTS sessions_counts "
        f"ON sessions(status, needs_you, error_badge, deleted, archived_at) WHERE {VISIBLE}",
        "CREATE INDEX IF NOT EXISTS sessions_last_event ON sessions(last_event_at)",
    ]
