"""What differs between the mirror's two SQL backends, in one small object.

Every query module takes a `Conn`: anything with sqlite3's `execute`/`executemany` shape and
`?`/`:name` parameters. That is a `sqlite3.Connection` for the embedded mirror, and
`drover.store.pg.conn.PgConn` (psycopg 3 behind the same shape) for a PostgreSQL mirror. Most
SQL in the store is written in the subset both understand (`ON CONFLICT … DO NOTHING`,
`RETURNING`, explicit `NULLS FIRST/LAST`, columns qualified next to `excluded`, aliased
subqueries); the few fragments that are not come from `dialect_of(conn)`:

* scalar `max(a, b)`/`min(a, b)` (SQLite) are `greatest`/`least` (PostgreSQL);
* SQLite's `NOCASE` (ASCII letters folded, then bytes) is `lower(x COLLATE "C")`, which folds
  ASCII only: `nocase` for comparisons, `ordering` for an ORDER BY list written with
  `COLLATE NOCASE` (PostgreSQL's text columns are `"C"`, SQLite's byte order);
* a JSON field as text: `json_extract(x, '$.k.j')` / `(x)::jsonb #>> '{k,j}'`, and an
  event's or session's stored `raw` as JSON text: `drover_raw(raw)` (deflated,
  `drover.store.event_raw`) / `raw`;
* days between two timestamps (replay's timeline cells), and truncation to an integer;
* claiming a row: `FOR UPDATE SKIP LOCKED` on PostgreSQL, nothing on SQLite;
* "no limit": `LIMIT -1` / `LIMIT NULL`; SQLite's `+column` planner hint (`unindexed`);
* the fleet's regular expressions run in SQL on SQLite (a Python `regexp` function each
  connection registers) and in Python over the selected rows on PostgreSQL, so a pattern
  means exactly the same on both.

Nothing here imports a database driver.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = ["POSTGRESQL", "SQLITE", "Conn", "Cursor", "Dialect", "dialect_of"]

_NOCASE_TERM = re.compile(r"([\w.]+) COLLATE NOCASE\b", re.IGNORECASE)


class Cursor(Protocol):
    """The part of a DB-API cursor the store uses."""

    @property
    def rowcount(self) -> int:
        """Rows the last statement changed."""
        ...

    def fetchone(self) -> Any:
        """The next row, or None."""
        ...

    def fetchall(self) -> list[Any]:
        """Every remaining row."""
        ...

    def __iter__(self) -> Iterator[Any]: ...


class Conn(Protocol):
    """A mirror connection: `sqlite3.Connection`, or `PgConn` for PostgreSQL.

    SQL takes `?` (a sequence of parameters) or `:name` (a mapping) placeholders on both.
    """

    @property
    def in_transaction(self) -> bool:
        """A transaction is open."""
        ...

    def execute(self, sql: str, parameters: Any = ..., /) -> Cursor:
        """Run one statement."""
        ...

    def executemany(self, sql: str, parameters: Iterable[Any], /) -> Cursor:
        """Run one statement once per parameter set."""
        ...

    def close(self) -> None:
        """Close the connection."""
        ...


@dataclass(frozen=True, slots=True)
class Dialect:
    """The SQL fragments that differ between the backends (see the module docstring).

    Attributes:
        name: `sqlite` or `postgresql`.
        greatest: the scalar maximum of several values.
        least: the scalar minimum of several values.
        no_limit: the `LIMIT` parameter that means "every row".
        sql_regexp: the connection has a `regexp` function (else patterns are matched in
            Python over the selected rows).
    """

    name: str
    greatest: str
    least: str
    no_limit: int | None
    sql_regexp: bool
    _json: str
    _days: str
    _int: str

    def nocase(self, expr: str) -> str:
        """SQL for `expr` compared as SQLite's `NOCASE` compares (on both sides of a test)."""
        return f"{expr} COLLATE NOCASE" if self.name == "sqlite" else f'lower(({expr}) COLLATE "C")'

    def unindexed(self, expr: str) -> str:
        """`expr` as a test no index may serve: SQLite's unary `+` planner hint (PostgreSQL
        has no hints; its planner goes by the statistics autovacuum keeps)."""
        return f"+{expr}" if self.name == "sqlite" else expr

    def nocase_value(self, expr: str) -> str:
        """The other side of a `nocase(x) = …` or `IN (…)` test (SQLite's collation already
        applies to it)."""
        return expr if self.name == "sqlite" else self.nocase(expr)

    def ordering(self, terms: str) -> str:
        """An ORDER BY list written for SQLite, its `x COLLATE NOCASE` terms in this dialect."""
        if self.name == "sqlite":
            return terms
        return _NOCASE_TERM.sub(lambda found: self.nocase(found[1]), terms)

    def json_text(self, expr: str, key: str) -> str:
        """SQL for the field `key` of the JSON text `expr`, as text (`a.b`: field `b` of the
        object in field `a`)."""
        return self._json.format(expr=expr, key=key, path=key.replace(".", ","))

    def stored_json(self, expr: str) -> str:
        """SQL for a stored `raw` column `expr` (an event's or a session's) as JSON text
        (SQLite deflates it, `drover.store.event_raw`)."""
        return f"drover_raw({expr})" if self.name == "sqlite" else expr

    def days_since(self, expr: str) -> str:
        """SQL for the days (fractional) from a `?` timestamp parameter to `expr`.

        The parameter is a UTC time as `YYYY-MM-DD HH:MM:SS.fff`.
        """
        return self._days.format(expr=expr)

    @property
    def skip_locked(self) -> str:
        """What a subquery choosing rows to claim ends with: PostgreSQL locks the rows it
        picks and skips rows another transaction holds (`FOR UPDATE SKIP LOCKED`); SQLite has
        one writer at a time and no row locks."""
        return "" if self.name == "sqlite" else " FOR UPDATE SKIP LOCKED"

    def to_int(self, expr: str) -> str:
        """SQL truncating a number towards zero to an integer."""
        return self._int.format(expr=expr)


SQLITE = Dialect(
    name="sqlite",
    greatest="max",
    least="min",
    no_limit=-1,
    sql_regexp=True,
    _json="json_extract({expr}, '$.{key}')",
    _days="(julianday({expr}) - julianday(?))",
    _int="CAST({expr} AS INTEGER)",
)
POSTGRESQL = Dialect(
    name="postgresql",
    greatest="greatest",
    least="least",
    no_limit=None,
    sql_regexp=False,
    _json="(({expr})::jsonb #>> '{{{path}}}')",
    _days="(extract(epoch FROM ({expr})::timestamptz - (?)::timestamptz) / 86400)",
    _int="trunc({expr})::bigint",
)


def dialect_of(conn: object) -> Dialect:
    """The dialect of a connection: its `dialect` attribute, else SQLite (`sqlite3` has none)."""
    dialect = getattr(conn, "dialect", SQLITE)
    assert isinstance(dialect, Dialect)
    return dialect
