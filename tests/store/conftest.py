"""Fixtures for the mirror tests: real SQLite files in tmp_path and the protocol's examples."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from drover.store.location import is_postgres
from drover.store.migrations import connect
from drover.store.mirror import Mirror

Delivery = tuple[str | None, dict[str, Any]]  # (thread id or None for the session stream, event)


@pytest.fixture(scope="session")
def protocol_dir() -> Path:
    """The protocol's example events, as the repository keeps them (tests/store/data)."""
    return Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def scenarios(protocol_dir: Path) -> dict[str, list[Delivery]]:
    """Scenario name -> deliveries in file order, previews included (as a stream sends them)."""
    out: dict[str, list[Delivery]] = {}
    for line in (protocol_dir / "example-events.jsonl").read_text().splitlines():
        if not line.strip():
            continue
        wrapper = json.loads(line)
        stream = wrapper["stream"]
        thread = None if stream == "session" else stream.split(":", 1)[1]
        out.setdefault(wrapper["scenario"], []).append((thread, wrapper["event"]))
    return out


BACKENDS = ("sqlite", "postgresql")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run every test on a mirror once per backend, except those marked `sqlite_only` (they
    look inside the SQLite file: FTS5 tables, pragmas, crash safety of the WAL)."""
    if "backend" in metafunc.fixturenames and not metafunc.definition.get_closest_marker(
        "sqlite_only"
    ):
        metafunc.parametrize("backend", BACKENDS, indirect=True)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Leave out the PostgreSQL runs (from `module_location`) of `sqlite_only` tests."""
    dropped = [
        item
        for item in items
        if item.get_closest_marker("sqlite_only")
        and getattr(getattr(item, "callspec", None), "params", {}).get("module_location")
        == "postgresql"
    ]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if item not in dropped]


@pytest.fixture(scope="module", params=BACKENDS)
def module_location(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> str | Path:
    """Where a module's shared mirror lives, once per backend (a file, or a schema)."""
    if request.param == "postgresql":
        return str(request.getfixturevalue("pg_cluster").new_schema())
    return tmp_path_factory.mktemp("mirror") / "mirror.db"


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """The mirror's backend: `sqlite` or `postgresql` (see `pytest_generate_tests`)."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture
def mirror_location(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str | Path:
    """Where the test's mirror lives: a file, or an empty PostgreSQL schema."""
    if backend == "postgresql":
        return str(request.getfixturevalue("pg_url"))
    return tmp_path / "mirror.db"


@pytest.fixture
def mirror(mirror_location: str | Path) -> Iterator[Mirror]:
    """A fresh mirror (on each backend), closed after the test."""
    m = Mirror.open(mirror_location)
    yield m
    m.close()


class Kit:
    """Helpers bound to one mirror (a fixture, since test modules can't import each other)."""

    def __init__(self, mirror: Mirror, scenarios: dict[str, list[Delivery]]) -> None:
        self.mirror = mirror
        self.scenarios = scenarios

    def deliver(self, session_id: str, deliveries: list[Delivery]) -> list[Any]:
        """Ingest deliveries one call per event, as a live stream would; returns the results."""
        return [
            self.mirror.writer.submit("ingest", session_id, [event], thread_id=thread).result()
            for thread, event in deliveries
        ]

    def scenario(self, name: str, upto: int | None = None) -> str:
        """Ingest a scenario (its first `upto` lines) into session `sesn_<name>`."""
        session_id = f"sesn_{name}"
        self.deliver(session_id, self.scenarios[name][:upto])
        return session_id

    def persisted(self, name: str) -> list[dict[str, Any]]:
        """A scenario's events that the server would persist (no previews), deduplicated."""
        seen: dict[str, dict[str, Any]] = {}
        for _, event in self.scenarios[name]:
            if event["type"] not in ("event_start", "event_delta"):
                seen.setdefault(event["id"], event)
        return list(seen.values())

    def index_at(self, name: str, event_id: str) -> int:
        """Position of the first delivery of `event_id` in a scenario."""
        return next(i for i, (_, e) in enumerate(self.scenarios[name]) if e.get("id") == event_id)

    def fts_rows(self) -> tuple[int, int]:
        """(rows in the search index, rows in events), read straight from the database."""
        if is_postgres(self.mirror.location):
            row = self.sql("SELECT count(tsv), count(*) FROM events")[0]
            return row[0], row[1]
        conn = sqlite3.connect(self.mirror.location)
        try:
            indexed = conn.execute("SELECT count(*) FROM events_fts_docsize").fetchone()[0]
            content = conn.execute("SELECT count(*) FROM events").fetchone()[0]
        finally:
            conn.close()
        return indexed, content

    def sql(self, statement: str, params: Any = ()) -> list[Any]:
        """Rows of a statement run on a connection of its own (either backend)."""
        if is_postgres(self.mirror.location):
            from drover.store.pg.conn import connect

            pg = connect(self.mirror.location)
            try:
                cursor = pg.execute(statement, params)
                return cursor.fetchall() if cursor.description else []
            finally:
                pg.close()
        conn = sqlite3.connect(self.mirror.location)
        try:
            rows = conn.execute(statement, params).fetchall()
            conn.commit()
            return rows
        finally:
            conn.close()

    def columns(self, table: str) -> list[str]:
        """A table's columns, in order."""
        if is_postgres(self.mirror.location):
            return [
                row[0]
                for row in self.sql(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                    "AND table_schema = current_schema() ORDER BY ordinal_position",
                    (table,),
                )
            ]
        return [row[1] for row in self.sql(f"PRAGMA table_info({table})")]

    def fts_integrity(self) -> None:
        """FTS5 integrity check including the content table (raises on ghost/missing rows);
        on PostgreSQL, every event's `tsv` is what the text derived from its raw JSON gives."""
        if is_postgres(self.mirror.location):
            from drover.store.fts_text import PG_TSV as TSV
            from drover.store.pg.event_text import texts_of

            rows = self.sql("SELECT seq, raw FROM events")
            stale = self.sql(
                "SELECT count(*) FROM events e JOIN unnest(?::bigint[], ?::text[]) AS u(seq, text) "
                f"ON e.seq = u.seq WHERE e.tsv IS DISTINCT FROM {TSV}",
                ([row[0] for row in rows], texts_of([row[1] for row in rows])),
            )[0][0]
            assert stale == 0, f"{stale} events with a stale search row"
            return
        conn = connect(self.mirror.location).conn  # the index's content needs drover_event_text
        try:
            conn.execute("INSERT INTO events_fts(events_fts, rank) VALUES ('integrity-check', 1)")
        finally:
            conn.close()


@pytest.fixture
def kit(mirror: Mirror, scenarios: dict[str, list[Delivery]]) -> Kit:
    """Helpers bound to the test's mirror."""
    return Kit(mirror, scenarios)
