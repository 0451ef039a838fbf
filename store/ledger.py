"""The cost ledger: spend, tokens, runtime and requests per session, agent, environment, model,
deployment and UTC day, and the state of budgets. Reads `sessions`, the per-day tables (see
`drover.store.daily`) and their rollups; never `events`. Totals, days and the groupings by agent,
environment and model read the rollups (`drover.store.ledger_rollups`, `ledger_windows`): a row
per group, day or (day, group), whatever the fleet's size; sessions, deployments and budgets
read a narrow index entry per session (`drover.store.ledger_schema`).

Definitions (the UI and `drover cost` show them as a legend):

* **list cost** — the server's `usage.list_cost`: cumulative list-price cost of a session,
  *including* runtime. Authoritative; it is what session budgets enforce.
* **input** — uncached input tokens; **cache read** — input tokens served from the prompt
  cache; **cache write** — input tokens written to the cache; **output** — generated tokens.
* **runtime** — `usage.active_seconds` (time with at least one thread running), billed at
  $0.08 per session-hour; its cost is part of the list cost, shown apart.
* **requests** — model requests (`span.model_request_end`), errored ones included.

Two kinds of window:

* No dates: each session's own cumulative figures (the `sessions` row), tokens being the larger
  of the server's last usage report and the sum of the requests mirrored (a report lags a
  running turn; requests are missing for a session whose events were never mirrored).
* `since`/`until` (UTC days, inclusive): what happened within those days — cost and runtime
  growth from `daily_cost`, tokens and requests from `daily_usage` (mirrored requests only).
  Per-day rows always use this definition.

Every mirrored session counts, archived and deleted ones too (their money was spent), and
sessions imported from export files too, except against the user's budgets (`budget_states`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal, TypedDict

from drover.store.dialect import Conn, dialect_of

# Budgets (the user's caps, the sessions' own) are in `ledger_budgets`; re-exported here.
from drover.store.ledger_budgets import Cap as Cap
from drover.store.ledger_budgets import budget_states as budget_states
from drover.store.ledger_budgets import window_spend as window_spend
from drover.store.ledger_rollups import FIGURES as _FIGURE_NAMES
from drover.store.ledger_rollups import GROUP_COLUMNS as _GROUP_COLUMNS
from drover.store.ledger_rollups import decode_key

# The ledger's row types and figures are plain data in `models`, where `drover.text` (pure
# formatting) may reach them too; re-exported here for callers that import them from the ledger.
from drover.store.models import RUNTIME_CENTS_PER_HOUR as RUNTIME_CENTS_PER_HOUR
from drover.store.models import WARN_PERCENT as WARN_PERCENT
from drover.store.models import BudgetState as BudgetState
from drover.store.models import LedgerRow as LedgerRow
from drover.store.models import SQLValue

DIMENSIONS = ("session", "agent", "environment", "model", "day", "deployment")
"""What `ledger_rows` can group by."""

Dimension = Literal["session", "agent", "environment", "model", "day", "deployment"]


class Window(TypedDict, total=False):
    """The UTC days a ledger query covers (see the module docstring); both ends inclusive."""

    since: str | None
    until: str | None


class RowsQuery(Window, total=False):
    """A `ledger_rows` query's window and page."""

    limit: int | None
    offset: int


_FIRST_DAY, _LAST_DAY = "0000-00-00", "9999-99-99"
_FIGURES = ", ".join(_FIGURE_NAMES)  # the rollups' columns, in their order
_SUMS = ", ".join(f"sum({f}) AS {f}" for f in _FIGURE_NAMES)
# What every grouping labels rows with; a session row's own labels (title, status, budget) are
# read for its page only (see `_session_page`).
_LABELS = "agent_id, environment_id, model_id"
_S_LABELS = ", ".join(f"s.{c}" for c in _LABELS.split(", "))


def _facts(only: str) -> str:
    """Each day's spend and runtime (`drover.store.daily` keeps them) and its mirrored
    requests in the window, as one stream of per-(session, day) facts (`only`: of the sessions
    whose ids it selects; '': all)."""
    where = "WHERE day BETWEEN :since AND :until" + (f" AND session_id IN ({only})" if only else "")
    return f"""facts(session_id, day, {_FIGURES}) AS (
    SELECT session_id, day, spent_cents, runtime_seconds, 0, 0, 0, 0, 0 FROM daily_cost {where}
    UNION ALL
    SELECT session_id, day, 0, 0, input_tokens, output_tokens, cache_read_tokens,
        cache_write_tokens, requests FROM daily_usage {where}
)"""


# Per session: its figures and the columns every grouping labels rows with (carried along so
# the groupings never join `sessions`, a wide table, a second time). Every column read here is
# in `sessions_ledger` (SQLite), so no session row is read: a walk of that narrow index, or a
# probe of it per session of a window (`drover.store.ledger_schema`).
_PER_SESSION_WINDOW = f"""WITH {{facts}},
per_day AS (SELECT session_id, {_SUMS} FROM facts GROUP BY session_id),
per_session AS (
    SELECT f.session_id, {_S_LABELS}, {", ".join(f"f.{f}" for f in _FIGURE_NAMES)}
    FROM per_day f JOIN sessions s ON s.id = f.session_id
)"""
_PER_SESSION_OPEN = f"""WITH per_session(session_id, {_LABELS}, {_FIGURES}) AS (
    SELECT s.id, s.agent_id || '', s.environment_id, s.model_id,
        coalesce(s.list_cost_cents, 0), coalesce(s.active_seconds, 0),
        {{greatest}}(coalesce(s.input_tokens, 0), s.req_input),
        {{greatest}}(coalesce(s.output_tokens, 0), s.req_output),
        {{greatest}}(coalesce(s.cache_read_tokens, 0), s.req_cache_read),
        {{greatest}}(coalesce(s.cache_creation_tokens, 0), s.req_cache_write),
        s.req_count
    FROM sessions s{{only}}
)"""
"""All time: the `req_*` columns are the session's `daily_usage` summed (`drover.store.daily`).
(`agent_id || ''`, the same value: grouped by the bare column, SQLite would walk
`sessions_agent` to skip a sort of a few groups, reading every session row.)"""

# Dimension -> (group key, joins to find it, label, joins to find the label). Labels are
# looked up once per group, after grouping (not once per session); sessions are `_session_page`.
_GROUPS: dict[str, tuple[str, str, str, str]] = {
    # An agent missing from `agents` is named as its sessions name it: a probe of its
    # sessions (`sessions_agent`) for that group alone, so no grouping reads `agent_name`,
    # which PostgreSQL's `sessions_ledger` leaves out (it would read every session row).
    "agent": (
        "ps.agent_id",
        "",
        "coalesce(a.name, (SELECT max(n.agent_name) FROM sessions n WHERE n.agent_id = g.key))",
        "LEFT JOIN agents a ON a.id = g.key",
    ),
    "environment": ("ps.environment_id", "", "e.name", "LEFT JOIN environments e ON e.id = g.key"),
    "model": ("ps.model_id", "", "g.key", ""),
    # The deployment whose run made the session (`drover.store.platform`); NULL: none.
    "deployment": (
        "dr.deployment_id",
        "JOIN session_refs dr ON dr.session_id = ps.session_id",
        "dp.name",
        "LEFT JOIN deployments dp ON dp.id = g.key",
    ),
}


def _window(since: str | None, until: str | None) -> dict[str, str]:
    return {"since": since or _FIRST_DAY, "until": until or _LAST_DAY}


def _per_session(conn: Conn, since: str | None, until: str | None, only: str = "") -> str:
    """`per_session` over the window (`only`: of the sessions whose ids it selects)."""
    if since is None and until is None:  # ({greatest}: the dialect's scalar maximum)
        where = f" WHERE s.id IN ({only})" if only else ""
        return _PER_SESSION_OPEN.format(greatest=dialect_of(conn).greatest, only=where)
    return _PER_SESSION_WINDOW.format(facts=_facts(only))


def _row(values: Iterable[Any]) -> LedgerRow:  # a row of the queries below
    key, label, sessions, cents, active, tin, tout, cread, cwrite, requests, *extra = values
    return LedgerRow(
        key, label, sessions or 0, int(cents or 0), int(tin or 0), int(tout or 0),
        int(cread or 0), int(cwrite or 0), int(requests or 0), float(active or 0.0), *extra,
    )  # fmt: skip


def ledger_totals(conn: Conn, *, since: str | None = None, until: str | None = None) -> LedgerRow:
    """Every session's figures added up, within the window (see the module docstring)."""
    # A row per group, or per (day, group) of the window (`drover.store.ledger_rollups`).
    table, sessions, where = _rollup(since, until)
    sql = f"SELECT NULL, NULL, {sessions}, {_SUMS} FROM {table}{where}"
    return _row(conn.execute(sql, _window(since, until)).fetchone())


def _rollup(since: str | None, until: str | None) -> tuple[str, str, str]:
    """(table, sessions counted, condition) of the rollup answering a window: `ledger_groups`
    all time, else `ledger_windows`, whose sessions are counted on their first day in the
    window (`drover.store.ledger_windows`)."""
    if since is None and until is None:
        return "ledger_groups", "sum(sessions)", ""
    firsts = "sum(CASE WHEN prev_day < :since THEN sessions ELSE 0 END)"
    return "ledger_windows", firsts, " WHERE day BETWEEN :since AND :until"


def ledger_rows(
    conn: Conn,
    by: Dimension,
    *,
    since: str | None = None,
    until: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[LedgerRow]:
    """Figures grouped by `by`: days in date order, every other grouping most expensive first.

    Args:
        conn: a read connection.
        by: one of `DIMENSIONS`.
        since: first UTC day (`YYYY-MM-DD`) to include; None: from the start.
        until: last UTC day to include; None: up to now.
        limit: most rows (None: all); page with `offset`.
        offset: rows to skip.
    """
    params: dict[str, SQLValue] = {**_window(since, until), "offset": offset}
    params["limit"] = dialect_of(conn).no_limit if limit is None else limit
    if by == "day":  # a row per day (`drover.store.ledger_rollups`)
        sql = (
            f"SELECT day, day, sessions, {_FIGURES} FROM ledger_days "
            "WHERE day BETWEEN :since AND :until AND sessions > 0 "
            "ORDER BY day LIMIT :limit OFFSET :offset"
        )
        return [_row(r) for r in conn.execute(sql, params)]
    if by not in _GROUPS and by != "session":
        raise ValueError(f"unknown ledger grouping {by!r}; choose from {', '.join(DIMENSIONS)}")
    if by == "session":
        return _session_page(conn, since, until, params)
    if by in _ROLLED_UP:
        return _rolled_up(conn, by, since, until, params)
    rows = _deployed(conn, since, until, params)
    page = rows[offset:] if limit is None else rows[offset : offset + limit]
    return page


def _deployed(
    conn: Conn, since: str | None, until: str | None, params: dict[str, SQLValue]
) -> list[LedgerRow]:
    """By deployment, most expensive first: the sessions a deployment made, per deployment
    (few: a walk of `session_refs_deployment`), and every other session (key None) as the
    totals (the rollups) less theirs, so no grouping reads a row per session of the fleet."""
    key, key_joins, label, label_joins = _GROUPS["deployment"]
    sums = ", ".join(f"sum(ps.{f}) AS {f}" for f in _FIGURE_NAMES)
    deployed = "SELECT session_id FROM session_refs WHERE deployment_id IS NOT NULL"
    sql = (
        f"{_per_session(conn, since, until, deployed)}, g AS (SELECT {key} AS key, "
        f"count(*) AS n, {sums} FROM per_session ps {key_joins} GROUP BY {key}) "
        f"{_labelled(label, label_joins)}"
    )
    rows = [_row(r) for r in conn.execute(sql, params)]
    total = ledger_totals(conn, since=since, until=until)
    rest = LedgerRow(
        None, None, *(getattr(total, f) - sum(getattr(r, f) for r in rows) for f in _ROW_FIGURES)
    )
    if rest.sessions > 0:
        rows.append(rest)
    return sorted(
        rows, key=lambda r: (-r.list_cost_cents, -_tokens(r), r.key is not None, r.key or "")
    )


def _labelled(label: str, label_joins: str) -> str:
    """The rows of groups `g` (key, n, figures), each with its label, looked up once."""
    figures = ", ".join(f"g.{f}" for f in _FIGURE_NAMES)
    return f"SELECT g.key, {label}, g.n, {figures} FROM g {label_joins}"


_ROW_FIGURES = (
    "sessions", "list_cost_cents", "input_tokens", "output_tokens", "cache_read_tokens",
    "cache_write_tokens", "requests", "active_seconds",
)  # fmt: skip


def _tokens(row: LedgerRow) -> int:
    return row.input_tokens + row.output_tokens + row.cache_read_tokens + row.cache_write_tokens


_ROLLED_UP = dict(zip(("agent", "environment", "model"), _GROUP_COLUMNS, strict=True))
"""The groupings the rollups answer, and their key column for each."""


def _rolled_up(
    conn: Conn, by: str, since: str | None, until: str | None, params: dict[str, SQLValue]
) -> list[LedgerRow]:
    """A grouping by agent, environment or model from the rollups (see `_rollup`)."""
    _key, _joins, label, label_joins = _GROUPS[by]
    table, sessions, where = _rollup(since, until)
    tokens = "sum(tok_in + tok_out + cache_read + cache_write)"
    sql = (
        f"WITH g AS (SELECT {decode_key(_ROLLED_UP[by])} AS key, {sessions} AS n, {_SUMS}, "
        f"{tokens} AS tokens FROM {table}{where} GROUP BY {_ROLLED_UP[by]} "
        f"HAVING {sessions} > 0) {_labelled(label, label_joins)} "
        "ORDER BY g.cents DESC, g.tokens DESC, g.key NULLS FIRST LIMIT :limit OFFSET :offset"
    )
    return [_row(r) for r in conn.execute(sql, params)]


def _session_page(
    conn: Conn, since: str | None, until: str | None, params: dict[str, SQLValue]
) -> list[LedgerRow]:
    """One page of sessions, most expensive first: ordered on the figures alone (all time, a
    walk of `sessions_ledger_top` that stops at the page's end), then the page's titles,
    statuses and budgets read from its session rows (a page of probes), put back in order
    here (a second sort in SQL would sort the whole statement's rows, as far as a plan says)."""
    figures = ", ".join(f"ps.{f}" for f in _FIGURE_NAMES)
    tokens = "ps.tok_in + ps.tok_out + ps.cache_read + ps.cache_write"  # a row per session
    sql = (
        f"{_per_session(conn, since, until)}, page AS ("
        f"SELECT ps.session_id AS key, 1 AS n, {figures}, {tokens} AS tokens "
        f"FROM per_session ps ORDER BY ps.cents DESC, {tokens} DESC, ps.session_id "
        "LIMIT :limit OFFSET :offset) "
        f"SELECT p.key, s.title, p.n, {', '.join(f'p.{f}' for f in _FIGURE_NAMES)}, "
        "s.agent_name, s.status, s.budget_cents FROM page p JOIN sessions s ON s.id = p.key"
    )
    rows = [_row(r) for r in conn.execute(sql, params)]
    return sorted(rows, key=lambda r: (-r.list_cost_cents, -_tokens(r), r.key))
