"""The seam between the store and its backends: both readers and both writers serve the whole
interface, the two schemas hold the same tables and columns, a location picks its backend, and
the PostgreSQL connection speaks the store's SQL."""

from __future__ import annotations

import inspect
import sqlite3
from typing import Any

import pytest

from drover.config.settings import check_store
from drover.store.api import OPERATION_NAMES, MirrorReads, MirrorWrites
from drover.store.location import describe, has_password, is_postgres
from drover.store.mirror import Mirror
from drover.store.pg.conn import translate
from drover.store.pg.reader import PgMirrorReader
from drover.store.pg.writer import PgMirrorWriter
from drover.store.reader import MirrorReader
from drover.store.writer import OPERATIONS, MirrorWriter


def _members(protocol: type) -> list[str]:
    return [
        name
        for name, value in vars(protocol).items()
        if not name.startswith("_") and (callable(value) or isinstance(value, property))
    ]


def _parameters(function: Any) -> list[tuple[str, Any, Any]]:
    return [(p.name, p.kind, p.default) for p in inspect.signature(function).parameters.values()]


@pytest.mark.parametrize(
    ("protocol", "implementations"),
    [
        (MirrorReads, (MirrorReader, PgMirrorReader)),
        (MirrorWrites, (MirrorWriter, PgMirrorWriter)),
    ],
)
def test_each_backend_implements_the_whole_interface_with_the_same_signatures(
    protocol: type, implementations: tuple[type, ...]
) -> None:
    members = _members(protocol)
    assert len(members) > 12
    for cls in implementations:
        for name in members:
            declared, implemented = getattr(protocol, name), getattr(cls, name, None)
            assert implemented is not None, f"{cls.__name__} has no {name}"
            if isinstance(declared, property):
                assert isinstance(implemented, property), (cls.__name__, name)
                continue
            assert _parameters(implemented) == _parameters(declared), (cls.__name__, name)


def test_the_interface_names_every_writer_operation() -> None:
    assert sorted(OPERATION_NAMES) == sorted(OPERATIONS)


def _sqlite_columns(path: Any) -> dict[str, set[str]]:
    conn = sqlite3.connect(path)
    try:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                "AND name NOT LIKE 'events_fts%'"
            )
        ]
        return {t: {row[1] for row in conn.execute(f"PRAGMA table_info({t})")} for t in tables}
    finally:
        conn.close()


def _sqlite_indexes(path: Any) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        query = "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        return {row[0] for row in conn.execute(query)}
    finally:
        conn.close()


def test_both_schemas_hold_the_same_tables_columns_and_indexes(tmp_path, pg_url) -> None:
    """A migration on one backend needs its twin on the other: this is where a missing one
    shows. PostgreSQL adds its search column and the threads' insertion order only; SQLite
    its events' compression dictionaries (PostgreSQL keeps `raw` as text, TOAST compresses)."""
    with Mirror.open(tmp_path / "m.db"), Mirror.open(pg_url) as pg:
        lite = _sqlite_columns(tmp_path / "m.db")
        conn = pg.reader._conn()  # type: ignore[attr-defined]
        rows = conn.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name <> 'schema_version'"
        ).fetchall()
        indexes = {
            row[0]
            for row in conn.execute(
                "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
            )
        }
    remote: dict[str, set[str]] = {}
    for table, column in rows:
        remote.setdefault(table, set()).add(column)
    remote["events"] -= {"tsv"}
    remote["threads"] -= {"rowid"}
    assert lite.pop("raw_dictionaries") == {"id", "dictionary"}
    assert remote == lite
    assert _sqlite_indexes(tmp_path / "m.db") <= indexes


def test_a_location_picks_its_backend_and_never_shows_a_password() -> None:
    assert is_postgres("postgresql://hub/drover") and is_postgres("POSTGRES://hub/db")
    assert not is_postgres("/data/default/mirror.db") and not is_postgres("mirror.db")
    secret = "postgresql://ops:hunter2@hub.example:5432/drover?sslmode=require"
    assert has_password(secret) and "hunter2" not in describe(secret)
    assert describe(secret) == "postgresql://ops:***@hub.example:5432/drover?sslmode=require"
    in_query = "postgresql://hub/drover?user=ops&password=hunter2"
    assert describe(in_query) == "postgresql://hub/drover?user=ops&password=***"
    assert describe("postgresql://ops@hub/drover") == "postgresql://ops@hub/drover"


@pytest.mark.parametrize(
    "store",
    [
        "postgresql://ops:hunter2@hub/drover",
        "postgresql://hub/drover?password=hunter2",
        "/var/lib/drover/mirror.db",
        "mysql://hub/drover",
    ],
)
def test_a_profile_store_is_a_postgresql_url_without_a_password(store: str) -> None:
    with pytest.raises(ValueError) as refused:
        check_store(store)
    assert "hunter2" not in str(refused.value)
    assert check_store("postgresql://ops@hub.example/drover")


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT * FROM t WHERE a = ? AND b IN (?, ?)",
         "SELECT * FROM t WHERE a = %s AND b IN (%s, %s)"),
        ("UPDATE t SET a = :a WHERE id = :id", "UPDATE t SET a = %(a)s WHERE id = %(id)s"),
        ("SELECT x::jsonb ->> 'name'", "SELECT x::jsonb ->> 'name'"),
        ("SELECT '?', ':x', 'it''s 100%', \"odd?\" FROM t",
         "SELECT '?', ':x', 'it''s 100%%', \"odd?\" FROM t"),
        ("SELECT 5 % 2 -- why?\n, 1", "SELECT 5 %% 2 \n, 1"),
        ("SELECT json_extract(raw, '$.name') - 1", "SELECT json_extract(raw, '$.name') - 1"),
    ],
)  # fmt: skip
def test_the_store_sql_is_translated_for_psycopg(sql: str, expected: str) -> None:
    assert translate(sql) == expected


def test_numbered_parameters_are_refused() -> None:
    with pytest.raises(ValueError, match="numbered"):
        translate("SELECT ?1")


def test_rows_read_by_name_and_sums_are_numbers_not_decimals(pg_url) -> None:
    with Mirror.open(pg_url) as mirror:
        conn = mirror.reader._conn()  # type: ignore[attr-defined]
        row = conn.execute("SELECT 2::bigint AS two, sum(x) AS total, avg(x) AS mean "
                           "FROM (VALUES (1::bigint), (2::bigint)) v(x)").fetchone()  # fmt: skip
        assert (row[0], row["total"], row["mean"]) == (2, 3, 1.5)
        assert dict(row) == {"two": 2, "total": 3, "mean": 1.5}
        assert type(row["total"]) is int and type(row["mean"]) is float


def test_a_postgresql_reader_refuses_writes(pg_url) -> None:
    import psycopg

    with Mirror.open(pg_url) as mirror, pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
        mirror.reader._conn().execute("DELETE FROM events")  # type: ignore[attr-defined]
