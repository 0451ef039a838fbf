"""The fleet list's query: which sessions, in which order (ids only, never rows).

One index-friendly query returns ids, not rows, so a re-sort of 10k sessions parses no JSON;
the visible rows are then point lookups (`MirrorReader.fleet_rows`). It applies the fleet's
rules in SQL: needs-you first in every ordering, then the sort key, ties by id. The regex
filter runs through a `regexp` function every reader connection registers
(`register_functions`).
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

from drover.store.dialect import SQLITE, Conn, Dialect, dialect_of

if TYPE_CHECKING:  # a type alias only: `drover ls` loads none of the other row classes
    from drover.store.models import SQLValue

__all__ = [
    "SORT_KEYS",
    "VISIBLE",
    "FleetQuery",
    "SortKey",
    "fleet_ids",
    "fleet_index_ddl",
    "fleet_sql",
    "register_functions",
]

SortKey = Literal["needs", "waiting", "age", "active", "tokens", "cost", "title", "agent"]
SORT_KEYS: tuple[SortKey, ...] = (
    "needs", "waiting", "age", "active", "tokens", "cost", "title", "agent",
)  # fmt: skip
"""Fleet sort keys in the order the sort binding cycles through them."""


@dataclass(frozen=True, slots=True)
class FleetQuery:
    """What the fleet list shows and in which order.

    Attributes:
        pattern: a regular expression matched case-insensitively against title, agent, model,
            session id, status and the needs-you reason; empty matches everything.
        invert: keep the sessions that do NOT match `pattern` (k9s `/!`).
        sort: the ordering key; every ordering puts sessions that need you first.
        needs_only: keep only sessions with a needs-you reason (the inbox).
        archived: show archived sessions too (hidden by default).
        launch_id: keep only the sessions of this launch (by the mirror's launch record, or
            the `drover_launch` tag in their metadata for a launch run elsewhere).
        deployment: keep only the sessions this deployment's runs created (its id).
    """

    pattern: str = ""
    invert: bool = False
    sort: SortKey = "needs"
    needs_only: bool = False
    archived: bool = False
    launch_id: str | None = None
    deployment: str | None = None


_TOKENS = (
    "coalesce(input_tokens, 0) + coalesce(output_tokens, 0) + coalesce(cache_read_tokens, 0)"
    " + coalesce(cache_creation_tokens, 0)"
)
# Each ordering as (expression, descending) terms after "needs you first", ties by id. NULLs
# sort as SQLite sorts them, first ascending and last descending (the terms are written so
# that is what each ordering wants), so one index per ordering serves it on both backends
# (`fleet_index_ddl`): the fleet's order is read down an index, never sorted.
_ORDER: dict[SortKey, tuple[tuple[str, bool], ...]] = {
    # Longest-waiting first, then working sessions, then the most recently active.
    "needs": (("needs_since", False), ("(status != 'running')", False), ("last_event_at", True)),
    # The newest waits first (what just came in), then the most recently active.
    "waiting": (("needs_since", True), ("last_event_at", True)),
    "age": (("created_at", True),),
    "active": (("active_seconds", True),),
    "tokens": ((f"({_TOKENS})", True),),
    "cost": (("list_cost_cents", True),),
    "title": (("(title IS NULL)", False), ("title COLLATE NOCASE", False)),
    "agent": (("agent_name COLLATE NOCASE", False), ("created_at", True)),
}
_COLUMNS: dict[SortKey, tuple[str, ...]] = {  # those only inside an expression above
    "needs": ("status",),
    "tokens": ("input_tokens", "output_tokens", "cache_read_tokens", "cache_creation_tokens"),
    "title": ("title",),
    "agent": ("agent_name",),
}
VISIBLE = "deleted = 0 AND archived_at IS NULL"
"""The sessions the fleet shows (also the order indexes' WHERE clause: keep them identical)."""


def _terms(sort: SortKey, dialect: Dialect) -> list[str]:
    """The ORDER BY terms of `sort` in `dialect`, NULLs placed as SQLite places them."""
    terms = ["(needs_you IS NULL)"]
    for expr, desc in _ORDER[sort]:
        term = dialect.ordering(expr)
        if dialect.name == "sqlite":
            terms.append(f"{term} DESC" if desc else term)
        else:  # an expression index needs its own parentheses on PostgreSQL
            term = term if term.startswith("(") else f"({term})"
            terms.append(f"{term} DESC NULLS LAST" if desc else f"{term} NULLS FIRST")
    return [*terms, "id"]


def fleet_index_ddl(sort: SortKey, dialect: Dialect = SQLITE) -> str:
    """The partial index whose order is `sort`'s (migration v11 creates one per sort key).

    It holds the id and the visibility columns too, so reading the order never touches the
    (wide) session rows: on SQLite a walk of a covering index, with no sort.
    """
    columns = _terms(sort, dialect)
    if dialect.name == "sqlite":  # every column the reads name, plain: a covering index
        columns += ["needs_you", *_COLUMNS.get(sort, ()), "deleted", "archived_at"]
    return (
        f"CREATE INDEX IF NOT EXISTS sessions_fleet_{sort} ON sessions({', '.join(columns)}) "
        f"WHERE {VISIBLE}"
    )


REASON_WORDS = (
    "CASE needs_you WHEN 'requires_action' THEN 'approve approval' "
    "WHEN 'budget_reached' THEN 'budget reached' "
    "WHEN 'retries_exhausted' THEN 'retries exhausted error' "
    "WHEN 'error_terminal' THEN 'error terminal' "
    "WHEN 'error_exhausted' THEN 'error turn failed' "
    "WHEN 'credential' THEN 'credential vault failed' ELSE coalesce(needs_you, '') END"
)
"""The words the NEEDS YOU column shows for each reason, so `/approve` finds what it says."""
_PENDING = {  # each pending tool call's name and input, by dialect (`json`, not `jsonb`, keeps
    # the input's text as stored, as SQLite's json_extract gives it)
    "sqlite": "(SELECT group_concat(json_extract(value, '$.name') || ': ' || "
    "coalesce(json_extract(value, '$.input'), ''), ' ') FROM json_each(pending_actions))",
    "postgresql": "(SELECT string_agg((value ->> 'name') || ': ' || "
    "coalesce(value ->> 'input', ''), ' ') FROM json_array_elements(pending_actions::json))",
}
_HAYSTACK = (
    "id || ' ' || coalesce(title, '') || ' ' || coalesce(agent_name, '') || ' ' || "
    "coalesce(model_id, '') || ' ' || coalesce(status, '') || ' ' || coalesce(needs_you, '') "
    f"|| ' ' || {REASON_WORDS} "
    "|| ' ' || coalesce({pending}, '')"
)
HAYSTACK = _HAYSTACK.format(pending=_PENDING["sqlite"])
"""What the fleet filter matches: id, title, agent, model, status, the needs-you reason (its
code and the words the list shows), and each pending tool call's name and input."""


LAUNCH_CLAUSE = (
    "(id IN (SELECT session_id FROM launch_items WHERE launch_id = ? AND session_id IS NOT NULL)"
    " OR {tag} = ?)"
)
"""A launch's sessions: by the mirror's record, or by their tag (a launch run elsewhere)."""


@lru_cache(maxsize=32)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def _regexp(pattern: str, value: str | None) -> bool:
    return value is not None and _compiled(pattern).search(value) is not None


def register_functions(conn: sqlite3.Connection) -> None:
    """Give a connection the `regexp` function the fleet filter uses."""
    conn.create_function("regexp", 2, _regexp, deterministic=True)


def fleet_sql(query: FleetQuery, dialect: Dialect = SQLITE) -> tuple[str, list[SQLValue]]:
    """The id query for `query` (with a pattern and no `regexp` in SQL, ids and haystacks:
    `fleet_ids` matches them in Python).

    NULLs sort as SQLite sorts them (first when ascending); the orderings say so explicitly,
    since PostgreSQL's default is the opposite.

    Raises:
        re.error: the pattern is not a valid regular expression (checked before querying).
    """
    clauses = ["deleted = 0"] if query.archived else [VISIBLE]  # VISIBLE: the indexes serve it
    params: list[SQLValue] = []
    columns = "id"
    if query.needs_only:
        clauses.append("needs_you IS NOT NULL")
    if query.launch_id:
        clauses.append(
            LAUNCH_CLAUSE.format(
                tag=dialect.json_text(dialect.stored_json("raw"), "metadata.drover_launch")
            )
        )
        params += [query.launch_id, query.launch_id]
    if query.deployment:
        clauses.append("id IN (SELECT session_id FROM session_refs WHERE deployment_id = ?)")
        params.append(query.deployment)
    if query.pattern:
        _compiled(query.pattern)
        if dialect.sql_regexp:
            clauses.append(f"(({HAYSTACK}) REGEXP ?) = ?")
            params += [query.pattern, 0 if query.invert else 1]
        else:
            columns = f"id, {_HAYSTACK.format(pending=_PENDING[dialect.name])}"
    sql = (
        f"SELECT {columns} FROM sessions WHERE {' AND '.join(clauses)} "
        f"ORDER BY {', '.join(_terms(query.sort, dialect))}"
    )
    return sql, params


def fleet_ids(conn: Conn, query: FleetQuery, limit: int | None = None) -> list[str]:
    """Ids of the sessions the fleet list shows for `query`, in display order.

    The pattern is always a Python regular expression: in SQL through `regexp` where the
    connection has it, else over the selected haystacks here. With `limit`, the first
    `limit` ids only: a walk of the order's index that stops there (the first page, read
    before the first paint), whatever the fleet's size.
    """
    dialect = dialect_of(conn)
    sql, params = fleet_sql(query, dialect)
    in_sql = not query.pattern or dialect.sql_regexp
    if limit is not None and in_sql:
        sql, params = f"{sql} LIMIT ?", [*params, limit]
    rows = conn.execute(sql, params).fetchall()
    if in_sql:
        return [row[0] for row in rows]
    keep = not query.invert
    found = [row[0] for row in rows if _regexp(query.pattern, row[1]) is keep]
    return found if limit is None else found[:limit]
