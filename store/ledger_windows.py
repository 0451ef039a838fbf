"""The ledger's rollup for windows (SQLite v15, PostgreSQL step 10, with
`drover.store.ledger_rollups`): a window's totals and groupings by agent, environment and model
read a row per (day, group) instead of a row per session.

`ledger_windows` holds, per (day, previous day, agent, environment, model), the figures of the
sessions with a per-day row that day (`daily_cost` or `daily_usage`) and how many they are,
`prev_day` being each session's active day before that one (`''`: none). A window's count of
distinct sessions is not a sum of per-day counts (a session active on two days of it counts
once), but it is the count of the (session, day) pairs in the window whose previous day falls
before it: each session's first day in the window, exactly once. So a window reads
`sum(CASE WHEN prev_day < since THEN sessions END)` over its days' rows.

Only sessions with a session row count here (as the ledger's per-session windows join
`sessions`). Triggers keep the rows in the same statement as the change:

* a per-day row inserted or deleted where the other table has none for that (session, day):
  the session appears on (or leaves) that day, and its next active day's previous day becomes
  that day (or the one before it): that next day's whole contribution moves between rows;
* otherwise a per-day row's figures are added, taken away or changed in place;
* a session row inserted or deleted, or moved to another agent, environment or model: all its
  days are added, taken away, or moved from the old group to the new.

A statement may insert or delete one per-day row of a session only (`clear_daily` deletes a
row per statement): PostgreSQL runs a statement's row triggers once the whole statement is
done, so each would see the session's other days already gone. (Updates of several rows are
fine: they never change which days a session has.)
"""

from __future__ import annotations

from drover.store.dialect import Dialect
from drover.store.ledger_rollups import (
    DAY_TABLES,
    FIGURES,
    GROUP_COLUMNS,
    GROUP_KEYS,
    column_types,
    day_facts,
    encode_key,
    rollup_triggers,
)

__all__ = ["ledger_window_ddl"]

_KEYS = ["day", "prev_day", *GROUP_COLUMNS]
_COLUMNS = [*_KEYS, "sessions", *FIGURES]


def _upsert(select: str) -> str:
    """Add the rows of `select` (columns in `_COLUMNS` order) to `ledger_windows`. (`select`
    must have a WHERE: SQLite would read `ON CONFLICT` as a join's `ON` otherwise.)"""
    sums = ", ".join(f"{c} = ledger_windows.{c} + excluded.{c}" for c in _COLUMNS[len(_KEYS) :])
    return (
        f"INSERT INTO ledger_windows({', '.join(_COLUMNS)}) {select} "
        f"ON CONFLICT({', '.join(_KEYS)}) DO UPDATE SET {sums}"
    )


def _days_of(sid: str, where: str) -> str:
    """The days (of either per-day table) of session `sid` matching `where` (on `day`)."""
    return (
        f"(SELECT day FROM daily_cost WHERE session_id = {sid} AND {where} "
        f"UNION ALL SELECT day FROM daily_usage WHERE session_id = {sid} AND {where})"
    )


def _prev(sid: str, day: str) -> str:
    return f"coalesce((SELECT max(day) FROM {_days_of(sid, f'day < {day}')} p), '')"


def _next(sid: str, day: str) -> str:
    return f"(SELECT min(day) FROM {_days_of(sid, f'day > {day}')} n)"


def _day_figures(sid: str, day: str, sign: str) -> list[str]:
    """The (session, day)'s figures in both tables, as they stand."""
    return [  # each figure from the table that holds it, in `FIGURES` order
        f"{sign}coalesce((SELECT {c} FROM {table} WHERE session_id = {sid} AND day = {day}), 0)"
        for table, (_other, columns) in DAY_TABLES.items()
        for c in columns
        if c
    ]


def _row_figures(table: str, row: str, sign: str) -> list[str]:
    """A per-day row's own figures (0 for the other table's)."""
    return [f"{sign}{row}.{c}" if c else "0" for c in DAY_TABLES[table][1]]


def _keys(row: str) -> list[str]:
    return [encode_key(f"{row}.{k}") for k in GROUP_KEYS]


def _select(sid: str, values: list[str], where: str = "", source: str = "") -> str:
    """One row for session `sid` under its session row's group (none without a session row)."""
    return (
        f"SELECT {', '.join(values[:2] + _keys('s') + values[2:])} FROM sessions s{source} "
        f"WHERE s.id = {sid}{where}"
    )


def _row_change(table: str, row: str, sign: str) -> list[str]:
    """A per-day row `row` of `table` inserted (`sign` '') or deleted ('-')."""
    other = DAY_TABLES[table][0]
    sid, day = f"{row}.session_id", f"{row}.day"
    alone = f"NOT EXISTS (SELECT 1 FROM {other} o WHERE o.session_id = {sid} AND o.day = {day})"
    # The day itself: its figures, and the session when the other table has no row that day.
    here = [day, _prev(sid, day), f"{sign}(CASE WHEN {alone} THEN 1 ELSE 0 END)"]
    out = [_upsert(_select(sid, here + _row_figures(table, row, sign)))]
    # The session's next active day: its previous day was (inserted) or becomes (deleted) the
    # day before this one, instead of this one.
    nxt = f", (SELECT {_next(sid, day)} AS day) nx"
    before = _prev(sid, day)
    was, now = (before, day) if sign == "" else (day, before)
    for prev, s in ((was, "-"), (now, "")):
        values = ["nx.day", prev, f"{s}1", *_day_figures(sid, "nx.day", s)]
        out.append(_upsert(_select(sid, values, f" AND nx.day IS NOT NULL AND {alone}", nxt)))
    return out


def _row_update(table: str) -> str:
    sid, day = "NEW.session_id", "NEW.day"
    delta = [f"NEW.{c} - OLD.{c}" if c else "0" for c in DAY_TABLES[table][1]]
    return _upsert(_select(sid, [day, _prev(sid, day), "0", *delta]))


def _whole_session(row: str, sign: str) -> str:
    """Every day of session `row` (NEW or OLD) added to, or taken from, its row's group."""
    per_day = (
        f"SELECT day, lag(day) OVER (ORDER BY day) AS prev, "
        f"{', '.join(f'sum({f}) AS {f}' for f in FIGURES)} "
        f"FROM ({day_facts(f'WHERE session_id = {row}.id')}) u GROUP BY day"
    )
    values = ["f.day", "coalesce(f.prev, '')", *_keys(row), f"{sign}1"]
    values += [f"{sign}f.{f}" for f in FIGURES]
    return _upsert(f"SELECT {', '.join(values)} FROM ({per_day}) f WHERE true")


def _fill() -> list[str]:
    per_day = (
        "SELECT session_id, day, lag(day) OVER (PARTITION BY session_id ORDER BY day) AS prev, "
        f"{', '.join(f'sum({f}) AS {f}' for f in FIGURES)} "
        f"FROM ({day_facts('', session=True)}) u GROUP BY session_id, day"
    )
    group = ["f.day", "coalesce(f.prev, '')", *_keys("s")]
    return [
        "DELETE FROM ledger_windows",
        f"INSERT INTO ledger_windows({', '.join(_COLUMNS)}) SELECT {', '.join(group)}, count(*), "
        f"{', '.join(f'sum(f.{f})' for f in FIGURES)} FROM ({per_day}) f "
        f"JOIN sessions s ON s.id = f.session_id GROUP BY {', '.join(group)}",
    ]


def _day_change(table: str, row: str, sign: str) -> str:
    if sign == "NEW-OLD":
        return _row_update(table)
    return "; ".join(_row_change(table, row, sign))


def ledger_window_ddl(dialect: Dialect) -> list[str]:
    """`ledger_windows`, its triggers, then its rows (safe to run again)."""
    integer, real, text = column_types(dialect)
    keys = ", ".join(f"{k} {text} NOT NULL" for k in _KEYS)
    figures = ", ".join(
        f"{f} {real if f == 'active' else integer} NOT NULL DEFAULT 0" for f in FIGURES
    )
    table = (
        f"CREATE TABLE IF NOT EXISTS ledger_windows ({keys}, "
        f"sessions {integer} NOT NULL DEFAULT 0, {figures}, PRIMARY KEY ({', '.join(_KEYS)}))"
    )
    # Sessions: inserted, deleted, or moved to another group (no other change moves a day).
    triggers = rollup_triggers(dialect, "windows", GROUP_KEYS, _whole_session, _day_change)
    return [table, *triggers, *_fill()]
