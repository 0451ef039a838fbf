"""The per-day tables behind the cost ledger: `daily_cost` and `daily_usage`.

* `daily_cost` (schema v1; v3 adds the rest): for each session and UTC day, the session's
  *cumulative* list cost and runtime at the day's last usage report (`list_cost_cents`,
  `active_seconds`), and what was spent *that day* (`spent_cents`, `runtime_seconds`): the
  growth over the day before, kept up to date whenever a report lands (a handful of rows per
  report, which comes once per turn) so the ledger sums days without window functions. A
  session running across midnight is split correctly, and a report delivered twice or out of
  order changes nothing: each day keeps its largest cumulative figure.
* `daily_usage` (v3): per-request token usage from `span.model_request_end.model_usage`,
  summed per session and UTC day of the request's `processed_at`. Rows are *additive*, so only
  an event stored for the first time may add to them: ingest folds new rows only (a duplicate
  delivery is never folded) and `recompute_session` deletes and refolds a session's rows.

* `sessions.req_*` (v13): each session's `daily_usage` summed over all its days, kept in the
  same transaction as the rows (`add_session_requests` beside `write_daily`, zeroed beside
  `clear_daily`), so the ledger's all-time figures read one narrow index entry per session and
  never group the per-day rows (`drover.store.ledger`).

A span is counted once it has a `processed_at` (spans are never queued, but a copy without one
would be counted when its processed copy completes it, never twice).
"""

from __future__ import annotations

from collections.abc import Iterable

from drover.store.dialect import Conn, Dialect, dialect_of

DAILY_V3 = """
ALTER TABLE daily_cost ADD COLUMN active_seconds REAL;     -- cumulative, at the last report
ALTER TABLE daily_cost ADD COLUMN spent_cents INTEGER NOT NULL DEFAULT 0;   -- growth that day
ALTER TABLE daily_cost ADD COLUMN runtime_seconds REAL NOT NULL DEFAULT 0;  -- growth that day
CREATE TABLE daily_usage (
    session_id TEXT NOT NULL,
    day TEXT NOT NULL,                          -- UTC date of the request's processed_at
    requests INTEGER NOT NULL DEFAULT 0,        -- model requests (errored ones included)
    input_tokens INTEGER NOT NULL DEFAULT 0,    -- uncached input
    output_tokens INTEGER NOT NULL DEFAULT 0,
    cache_read_tokens INTEGER NOT NULL DEFAULT 0,
    cache_write_tokens INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (session_id, day)
) WITHOUT ROWID;
CREATE INDEX daily_usage_day ON daily_usage(day);
"""

# A day's spend and runtime: growth of the cumulative figures over the largest ones of the
# session's earlier days (max, not the previous row: robust to a day without runtime figure).
# ({greatest}: the dialect's scalar maximum, `max` on SQLite.)
_GROWTH = """
UPDATE daily_cost SET
    spent_cents = {greatest}(list_cost_cents - coalesce((SELECT max(p.list_cost_cents)
        FROM daily_cost p WHERE p.session_id = daily_cost.session_id AND p.day < daily_cost.day
    ), 0), 0),
    runtime_seconds = {greatest}(coalesce(active_seconds - coalesce((SELECT max(p.active_seconds)
        FROM daily_cost p WHERE p.session_id = daily_cost.session_id AND p.day < daily_cost.day
    ), 0), 0), 0)
"""
# Each day keeps the largest cumulative report (SQLite's scalar max() is NULL if either side
# is: coalesce keeps the known one). Columns are qualified: PostgreSQL finds a bare name
# ambiguous next to `excluded`.
_COST_UPSERT = (
    "INSERT INTO daily_cost(session_id, day, list_cost_cents, active_seconds) "
    "VALUES (?, ?, ?, ?) ON CONFLICT(session_id, day) DO UPDATE SET "
    "list_cost_cents = {greatest}(daily_cost.list_cost_cents, excluded.list_cost_cents), "
    "active_seconds = {greatest}(coalesce(daily_cost.active_seconds, excluded.active_seconds), "
    "coalesce(excluded.active_seconds, daily_cost.active_seconds))"
)

REQUEST_EVENT = "span.model_request_end"
_MODEL_USAGE_KEYS = (
    "input_tokens",
    "output_tokens",
    "cache_read_input_tokens",
    "cache_creation_input_tokens",
)

CostReport = tuple[str, int, float | None]
"""(UTC day, cumulative list cost in cents, cumulative active seconds or None)."""
RequestTotals = dict[str, list[int]]
"""UTC day -> [requests, input, output, cache read, cache write] added since the last save."""


def add_request(totals: RequestTotals, model_usage: object, day: str) -> None:
    """Count one model request and its `model_usage` tokens on `day`.

    Missing or non-integer token fields count as 0; the request itself always counts.
    """
    row = totals.get(day)
    if row is None:
        row = totals[day] = [0, 0, 0, 0, 0]
    row[0] += 1
    if isinstance(model_usage, dict):
        for index, key in enumerate(_MODEL_USAGE_KEYS, start=1):
            value = model_usage.get(key)
            if type(value) is int:  # not bool, not a string
                row[index] += value


def write_daily(
    conn: Conn,
    session_id: str,
    cost_reports: Iterable[CostReport],
    requests: RequestTotals,
) -> None:
    """Fold a session's new usage reports and request totals into the per-day tables."""
    first_day = None
    greatest = dialect_of(conn).greatest
    for day, cents, active in cost_reports:
        first_day = day if first_day is None else min(first_day, day)
        # Cumulative figures only grow, so each day keeps the largest report seen that day.
        conn.execute(_COST_UPSERT.format(greatest=greatest), (session_id, day, cents, active))
    if first_day is not None:  # this day's growth changed, and so may every later day's
        conn.execute(
            _GROWTH.format(greatest=greatest) + "WHERE session_id = ? AND day >= ?",
            (session_id, first_day),
        )
    for day, (count, tokens_in, tokens_out, cache_read, cache_write) in requests.items():
        conn.execute(
            "INSERT INTO daily_usage(session_id, day, requests, input_tokens, output_tokens, "
            "cache_read_tokens, cache_write_tokens) VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(session_id, day) DO UPDATE SET "
            "requests = daily_usage.requests + excluded.requests, "
            "input_tokens = daily_usage.input_tokens + excluded.input_tokens, "
            "output_tokens = daily_usage.output_tokens + excluded.output_tokens, "
            "cache_read_tokens = daily_usage.cache_read_tokens + excluded.cache_read_tokens, "
            "cache_write_tokens = daily_usage.cache_write_tokens + excluded.cache_write_tokens",
            (session_id, day, count, tokens_in, tokens_out, cache_read, cache_write),
        )


def clear_daily(conn: Conn, session_id: str) -> None:
    """Drop a session's per-day rows (before refolding its whole log), a row per statement:
    the ledger's window rollup looks at a session's other days as each row goes, and
    PostgreSQL runs a statement's row triggers only once all its rows are gone
    (`drover.store.ledger_windows`)."""
    for table in ("daily_cost", "daily_usage"):
        days = conn.execute(f"SELECT day FROM {table} WHERE session_id = ?", (session_id,))
        for (day,) in days.fetchall():
            conn.execute(f"DELETE FROM {table} WHERE session_id = ? AND day = ?", (session_id, day))


SESSION_REQUESTS = ("req_count", "req_input", "req_output", "req_cache_read", "req_cache_write")
"""The `sessions` columns holding `daily_usage` summed over the session's days, in the order of
a `RequestTotals` row (requests, input, output, cache read, cache write)."""
_SUMS = "sum(requests), sum(input_tokens), sum(output_tokens), sum(cache_read_tokens), " \
    "sum(cache_write_tokens)"  # fmt: skip


def session_requests_ddl(dialect: Dialect, existing: set[str]) -> list[str]:
    """Add the `SESSION_REQUESTS` columns not in `existing` and fill every one from
    `daily_usage` (SQLite v13, PostgreSQL step 8; safe to run again)."""
    column = "INTEGER" if dialect.name == "sqlite" else "bigint"
    return [
        *(
            f"ALTER TABLE sessions ADD COLUMN {name} {column} NOT NULL DEFAULT 0"
            for name in SESSION_REQUESTS
            if name not in existing
        ),
        f"UPDATE sessions SET ({', '.join(SESSION_REQUESTS)}) = (SELECT {_SUMS} FROM daily_usage u "
        "WHERE u.session_id = sessions.id) "
        "WHERE id IN (SELECT session_id FROM daily_usage)",
    ]


def add_session_requests(conn: Conn, session_id: str, requests: RequestTotals) -> None:
    """Add what `write_daily` just folded into `daily_usage` to the session's totals."""
    if not requests:
        return
    totals = [sum(column) for column in zip(*requests.values(), strict=True)]
    assignments = ", ".join(f"{name} = {name} + ?" for name in SESSION_REQUESTS)
    conn.execute(f"UPDATE sessions SET {assignments} WHERE id = ?", (*totals, session_id))


def clear_session_requests(conn: Conn, session_id: str) -> None:
    """Zero the session's totals (with `clear_daily`, before refolding its whole log)."""
    zeroes = ", ".join(f"{name} = 0" for name in SESSION_REQUESTS)
    conn.execute(f"UPDATE sessions SET {zeroes} WHERE id = ?", (session_id,))
