"""psycopg 3 behind the store's `Conn` shape, so the store's query modules run unchanged.

`PgConn.execute` takes the store's SQL as it is written for SQLite's driver: `?` placeholders
with a sequence, or `:name` with a mapping. `translate` turns them into psycopg's `%s` /
`%(name)s` once per distinct statement (cached), doubling any literal `%` and leaving
string literals, quoted names and `::` casts alone. Rows index by position and by column name
(`PgRow`, like `sqlite3.Row`), and `numeric` values (what `sum()` of a `bigint` gives) come back
as `int` or `float`, never `Decimal`, so row dataclasses hold the same types on both backends.

Connections are in autocommit mode: a reader sees the last committed state at every statement
(as an SQLite reader under WAL does), and the writer opens its transactions itself. Every
session runs in UTC; readers are read-only (`default_transaction_read_only`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar

import psycopg
from psycopg.adapt import Buffer, Loader
from psycopg.conninfo import conninfo_to_dict
from psycopg.pq import TransactionStatus
from psycopg.rows import RowMaker

from drover.store.dialect import POSTGRESQL, Dialect
from drover.store.location import MirrorUnavailableError, describe

__all__ = ["PgConn", "PgRow", "connect", "translate"]

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PLAIN = re.compile(r"[^'\"?:%-]+")


@functools.lru_cache(maxsize=4096)
def translate(sql: str) -> str:
    """The statement with psycopg placeholders: `?` → `%s`, `:name` → `%(name)s`, `%` → `%%`.

    Raises:
        ValueError: a numbered `?N` placeholder (write it as `:name`), or an open quote.
    """
    out: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        plain = _PLAIN.match(sql, i)
        if plain:
            out.append(plain[0])
            i = plain.end()
            continue
        char = sql[i]
        if char in "'\"":
            end = i + 1
            while True:
                end = sql.find(char, end)
                if end < 0:
                    raise ValueError(f"unterminated {char} in SQL: {sql!r}")
                if sql.startswith(char * 2, end):
                    end += 2
                    continue
                break
            out.append(sql[i : end + 1].replace("%", "%%"))
            i = end + 1
        elif char == "?":
            if i + 1 < n and sql[i + 1].isdigit():
                raise ValueError("numbered ?N parameters are not supported; use :name")
            out.append("%s")
            i += 1
        elif char == ":":
            name = _NAME.match(sql, i + 1)
            if sql.startswith("::", i):
                out.append("::")
                i += 2
            elif name:
                out.append(f"%({name[0]})s")
                i = name.end()
            else:
                out.append(":")
                i += 1
        elif char == "%":
            out.append("%%")
            i += 1
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            i = n if end < 0 else end
        else:  # a lone "-"
            out.append(char)
            i += 1
    return "".join(out)


class PgRow(tuple[Any, ...]):
    """A row that indexes by position and by column name, and converts with `dict(row)`."""

    __slots__ = ()
    _index: ClassVar[dict[str, int]] = {}

    def keys(self) -> list[str]:
        """The column names."""
        return list(self._index)

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return tuple.__getitem__(self, self._index[key])
        return tuple.__getitem__(self, key)


@functools.lru_cache(maxsize=512)
def _row_class(names: tuple[str, ...]) -> type[PgRow]:
    index = {name: position for position, name in enumerate(names)}
    return type("PgRow", (PgRow,), {"__slots__": (), "_index": index})


def _rows(cursor: psycopg.Cursor[Any]) -> RowMaker[PgRow]:
    names = tuple(column.name for column in cursor.description or ())
    cls = _row_class(names)

    def make(values: Sequence[Any]) -> PgRow:
        return cls(values)

    return make


class _NumberLoader(Loader):
    """`numeric` as `int` when whole, else `float` (sums of bigints are numeric)."""

    def load(self, data: Buffer) -> int | float:
        text = bytes(data)
        if text.isdigit() or (text[:1] == b"-" and text[1:].isdigit()):
            return int(text)
        return float(text)


class PgConn:
    """A psycopg connection with the store's `Conn` shape (see the module docstring).

    Args:
        raw: an autocommit psycopg connection.
    """

    dialect: ClassVar[Dialect] = POSTGRESQL

    def __init__(self, raw: psycopg.Connection[PgRow]) -> None:
        self.raw = raw

    @property
    def in_transaction(self) -> bool:
        """A transaction is open (or failed and not yet rolled back); never on a lost
        connection, which has nothing left to roll back."""
        if self.raw.broken or self.raw.closed:
            return False
        return self.raw.info.transaction_status != TransactionStatus.IDLE

    @property
    def backend_pid(self) -> int:
        """The server process of this connection (it tags the notices this one sends)."""
        return self.raw.info.backend_pid

    def execute(self, sql: str, parameters: Any = (), /) -> psycopg.Cursor[PgRow]:
        """Run one statement written with `?` or `:name` placeholders."""
        return self.raw.execute(translate(sql), parameters)

    def executemany(self, sql: str, parameters: Iterable[Any], /) -> psycopg.Cursor[PgRow]:
        """Run one statement per parameter set (pipelined by psycopg)."""
        cursor = self.raw.cursor()
        cursor.executemany(translate(sql), parameters)
        return cursor

    def close(self) -> None:
        """Close the connection."""
        self.raw.close()

    def begin(self, lock: int | None = None) -> None:
        """`BEGIN`, then wait for advisory lock `lock` (held until the transaction ends)."""
        self.execute("BEGIN")
        if lock is not None:
            self.execute(f"SELECT pg_advisory_xact_lock({int(lock)})")

    @contextmanager
    def transaction(self, lock: int | None = None) -> Iterator[None]:
        """One transaction (see `begin`): committed at the end, rolled back on any error."""
        self.begin(lock)
        try:
            yield
        except BaseException:
            self.execute("ROLLBACK")
            raise
        self.execute("COMMIT")


def connect(url: str, *, read_only: bool = False) -> PgConn:
    """Open an autocommit connection in UTC (`read_only`: refuse writes, for readers).

    Options already in the URL (`?options=-csearch_path%3Ddrover`) are kept.

    Raises:
        MirrorUnavailableError: the server cannot be reached or refuses the login.
    """
    settings = "-c TimeZone=UTC" + (" -c default_transaction_read_only=on" if read_only else "")
    given = conninfo_to_dict(url)
    options = f"{given['options']} {settings}" if given.get("options") else settings
    try:
        raw = psycopg.connect(
            url,
            autocommit=True,
            row_factory=_rows,
            options=options,
            application_name=given.get("application_name") or "drover",
        )
    except psycopg.OperationalError as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise MirrorUnavailableError(
            f"cannot reach the mirror at {describe(url)}: {reason}"
        ) from exc
    raw.adapters.register_loader("numeric", _NumberLoader)
    return PgConn(raw)
