"""Header counts for the fleet view (cheap: `sessions` and one day of the per-day tables).

The cost ledger itself (spend, tokens and runtime by session, agent, environment, model and
day; budgets) lives in `drover.store.ledger`.
"""

from __future__ import annotations

from drover.store.dialect import Conn
from drover.store.fleet import VISIBLE
from drover.store.models import HeaderCounts


def header_counts(conn: Conn, *, today: str | None = None) -> HeaderCounts:
    """Counts for the header; `today` is a UTC `YYYY-MM-DD` (default: the clock's)."""
    from drover.store.extract import now_key
    from drover.store.ledger import window_spend

    day = today or now_key()[:10]
    total, running, needs, errored = conn.execute(
        "SELECT count(*), count(CASE WHEN status = 'running' THEN 1 END), count(needs_you), "
        "count(error_badge) "
        f"FROM sessions WHERE {VISIBLE}"  # the counts index's condition
    ).fetchone()
    return HeaderCounts(total, running, needs, errored, window_spend(conn, day, day))
