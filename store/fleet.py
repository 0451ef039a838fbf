"""The fleet list's query: which sessions, in which order, a page at a time (ids, never rows).

Every ordering is one text key per session, built by a SQL expression from the row's own
columns and indexed (a partial expression index over the sessions the fleet shows, created by
migration v8), so a page of the order is one index range read: `key > :after ORDER BY key
LIMIT n` never scans `sessions` nor sorts it, whatever the fleet's size. The key puts sessions
that need you first in every ordering (a leading `0`), then the sort key's components, each
fixed-width or terminated so that comparing keys as text compares the components in turn, and
ends with the session id, so ties break by id and the order is total (a keyset cursor is just
the last key read).

drover's own timestamps (`needs_since`, `last_event_at`: fixed-width `ts_key` text) sort as
text, descending ones with their digits flipped; the server's `created_at` by time through
`julianday()` (milliseconds; finer ties break by id; its text, whose fraction digits vary,
does not sort by time), descending as `10,000,000 - julianday(t)`; numbers as zero-padded
text; titles and agent names folded with `lower()`, which folds ASCII exactly as
`COLLATE NOCASE` does. NULLs sort where the former
`ORDER BY … NULLS LAST` put them.

The visible rows are then point lookups (`MirrorReader.fleet_rows`). The regex filter runs
through a `regexp` function every reader connection registers (`register_functions`); with a
pattern, a page walks the key index until it has `limit` matches (and counting matches reads
every visible row: a filter the user typed, not a hot path).
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from drover.store.models import SQLValue

__all__ = [
    "FLEET_PAGE",
    "SORT_KEYS",
    "FleetPage",
    "FleetQuery",
    "SortKey",
    "fleet_count_sql",
    "fleet_index_ddl",
    "fleet_key",
    "fleet_sql",
    "register_functions",
]

SortKey = Literal["needs", "waiting", "age", "active", "tokens", "cost", "title", "agent"]
SORT_KEYS: tuple[SortKey, ...] = (
    "needs", "waiting", "age", "active", "tokens", "cost", "title", "agent",
)  # fmt: skip
"""Fleet sort keys in the order the sort binding cycles through them."""

FLEET_PAGE = 500
"""Ids per page of the order: a screenful many times over, a few milliseconds to read."""

VISIBLE = "deleted = 0 AND archived_at IS NULL"
"""The sessions the fleet shows (also the key indexes' WHERE clause: keep them identical)."""


@dataclass(frozen=True, slots=True)
class FleetQuery:
    """What the fleet list shows and in which order.

    Attributes:
        pattern: a regular expression matched case-insensitively against title, agent, model,
            session id, status and the needs-you reason; empty matches everything.
        invert: keep the sessions that do NOT match `pattern` (k9s `/!`).
        sort: the ordering key; every ordering puts sessions that need you first.
        needs_only: keep only sessions with a needs-you reason (the inbox).
    """

    pattern: str = ""
    invert: bool = False
    sort: SortKey = "needs"
    needs_only: bool = False


@dataclass(frozen=True, slots=True)
class FleetPage:
    """One page of the fleet's order.

    Attributes:
        ids: session ids in display order.
        last_key: the keyset cursor: pass it as `after` for the next page (None: empty page).
        done: no session follows this page.
    """

    ids: list[str]
    last_key: str | None
    done: bool


_WIDTH = 17  # '%017.9f' of a julianday, and its NULL placeholder
_KEY_WIDTH = 27  # drover's own timestamps (`ts_key`): `YYYY-MM-DDTHH:MM:SS.ffffffZ`


def _asc_key(column: str) -> str:
    """A `ts_key` column oldest first, NULL first (as `ORDER BY column` puts it)."""
    return f"printf('%-{_KEY_WIDTH}.{_KEY_WIDTH}s', coalesce({column}, ''))"


def _desc_key(column: str) -> str:
    """A `ts_key` column newest first, NULL last: each digit d becomes the letter 'j' - d, so
    the text sorts backwards (the other characters sit at the same places in every value)."""
    flipped = f"printf('%-{_KEY_WIDTH}.{_KEY_WIDTH}s', {column})"
    for digit in range(10):
        flipped = f"replace({flipped}, '{digit}', '{chr(ord('j') - digit)}')"
    return f"CASE WHEN {column} IS NULL THEN '{'~' * _KEY_WIDTH}' ELSE {flipped} END"


def _desc_time(column: str) -> str:
    """A server timestamp newest first (by time, to the millisecond), NULL or unparseable
    last. Server times vary in their fraction digits, so their text does not sort by time."""
    return (
        f"CASE WHEN julianday({column}) IS NULL THEN '{'~' * _WIDTH}' "
        f"ELSE printf('%017.9f', 10000000.0 - julianday({column})) END"
    )


def _desc_int(expr: str) -> str:
    """Largest first, NULL last (integers below 10^18)."""
    flipped = f"printf('%019d', 1000000000000000000 - ({expr}))"
    return f"CASE WHEN ({expr}) IS NULL THEN '~' ELSE {flipped} END"


def _desc_real(expr: str) -> str:
    """Largest first, NULL last (non-negative values below 10^12)."""
    flipped = f"printf('%020.6f', 1000000000000.0 - ({expr}))"
    return f"CASE WHEN ({expr}) IS NULL THEN '~' ELSE {flipped} END"


def _folded(column: str, nulls_first: bool) -> str:
    """Case-folded text terminated by char(1) (below any character a name holds)."""
    flag = f"({column} IS NOT NULL)" if nulls_first else f"({column} IS NULL)"
    return f"{flag} || lower(coalesce({column}, '')) || char(1)"


_TOKENS = (
    "coalesce(input_tokens, 0) + coalesce(output_tokens, 0) + coalesce(cache_read_tokens, 0)"
    " + coalesce(cache_creation_tokens, 0)"
)
_RUNNING = "CASE WHEN status IS NULL THEN '0' WHEN status = 'running' THEN '1' ELSE '2' END"
_PARTS: dict[SortKey, tuple[str, ...]] = {
    # Longest-waiting first, then working sessions, then the most recently active.
    "needs": (_asc_key("needs_since"), _RUNNING, _desc_key("last_event_at")),
    # The newest waits first (what just came in), then the most recently active.
    "waiting": (_desc_key("needs_since"), _desc_key("last_event_at")),
    "age": (_desc_time("created_at"),),
    "active": (_desc_real("active_seconds"),),
    "tokens": (_desc_int(_TOKENS),),
    "cost": (_desc_int("list_cost_cents"),),
    "title": (_folded("title", nulls_first=False),),
    "agent": (_folded("agent_name", nulls_first=True), _desc_time("created_at")),
}


@lru_cache(maxsize=len(SORT_KEYS))
def fleet_key(sort: SortKey) -> str:
    """The SQL expression of a sort's key (the indexed expression: use it verbatim)."""
    return " || ".join(("(needs_you IS NULL)", *_PARTS[sort], "id"))


def fleet_index_ddl(sort: SortKey) -> str:
    """The partial expression index that serves `sort` (migration v8 creates one per key).

    The id is indexed beside the key so a page of ids never reads the (wide) session rows.
    """
    return (
        f"CREATE INDEX IF NOT EXISTS sessions_fleet_{sort} ON sessions({fleet_key(sort)}, id) "
        f"WHERE {VISIBLE}"
    )


REASON_WORDS = (
    "CASE needs_you WHEN 'requires_action' THEN 'approve approval' "
    "WHEN 'budget_reached' THEN 'budget reached' "
    "WHEN 'retries_exhausted' THEN 'retries exhausted error' "
    "WHEN 'error_terminal' THEN 'error terminal' "
    "WHEN 'error_exhausted' THEN 'error turn failed' ELSE coalesce(needs_you, '') END"
)
"""The words the NEEDS YOU column shows for each reason, so `/approve` finds what it says."""
HAYSTACK = (
    "id || ' ' || coalesce(title, '') || ' ' || coalesce(agent_name, '') || ' ' || "
    "coalesce(model_id, '') || ' ' || coalesce(status, '') || ' ' || coalesce(needs_you, '') "
    f"|| ' ' || {REASON_WORDS} "
    "|| ' ' || coalesce((SELECT group_concat(json_extract(value, '$.name') || ': ' || "
    "coalesce(json_extract(value, '$.input'), ''), ' ') FROM json_each(pending_actions)), '')"
)
"""What the fleet filter matches: id, title, agent, model, status, the needs-you reason (its
code and the words the list shows), and each pending tool call's name and input."""


@lru_cache(maxsize=32)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def _regexp(pattern: str, value: str | None) -> bool:
    return value is not None and _compiled(pattern).search(value) is not None


def register_functions(conn: sqlite3.Connection) -> None:
    """Give a connection the `regexp` function the fleet filter uses."""
    conn.create_function("regexp", 2, _regexp, deterministic=True)


def _filters(query: FleetQuery) -> tuple[list[str], list[SQLValue]]:
    """Conditions beyond visibility and the key range (the regex filter), checked first."""
    if not query.pattern:
        return [], []
    _compiled(query.pattern)
    return [f"(({HAYSTACK}) REGEXP ?) = ?"], [query.pattern, 0 if query.invert else 1]


def fleet_sql(
    query: FleetQuery,
    *,
    after: str | None = None,
    before: str | None = None,
    limit: int | None = None,
    among: int | None = None,
) -> tuple[str, list[SQLValue]]:
    """`SELECT id, key` for one page of `query`'s order.

    Args:
        query: the filter and sort.
        after: the keyset cursor (the previous page's last key); None: from the start.
        before: only keys below this one (None: to the end).
        limit: most ids (None: the rest of the order).
        among: only sessions among this many ids, bound as the last parameters (the caller
            appends them); None: every session.

    Raises:
        re.error: the pattern is not a valid regular expression (checked before querying).
    """
    key = fleet_key(query.sort)
    # A lower bound on the key always: the read is an index range (SEARCH), never a SCAN.
    clauses = [VISIBLE, f"{key} > ?"]
    params: list[SQLValue] = [after or ""]
    if query.needs_only:
        clauses.append(f"{key} < '1'")
    if before is not None:
        clauses.append(f"{key} < ?")
        params.append(before)
    extra, extra_params = _filters(query)
    clauses += extra
    params += extra_params
    if among is not None:
        clauses.append(f"id IN ({','.join('?' * among)})")
    tail = ""
    if limit is not None:
        tail = " LIMIT ?"
    sql = f"SELECT id, {key} FROM sessions WHERE {' AND '.join(clauses)} ORDER BY {key}{tail}"
    return sql, params if limit is None else [*params, limit]


def fleet_count_sql(query: FleetQuery) -> tuple[str, list[SQLValue]] | None:
    """How many sessions `query` shows, when that needs a query (None: read the rollup,
    `drover.store.rollups.fleet_counts`: no pattern means every visible session, or every one
    needing you)."""
    if not query.pattern:
        return None
    sql, params = fleet_sql(query)
    return f"SELECT count(*) FROM ({sql})", params
