"""Fixtures for the mirror tests: real SQLite files in tmp_path and the protocol's examples."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

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


@pytest.fixture
def mirror(tmp_path: Path) -> Iterator[Mirror]:
    """A fresh mirror file, closed after the test."""
    m = Mirror.open(tmp_path / "mirror.db")
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
        """(rows in the FTS index, rows in events), read straight from the file."""
        conn = sqlite3.connect(self.mirror.writer.path)
        try:
            indexed = conn.execute("SELECT count(*) FROM events_fts_docsize").fetchone()[0]
            content = conn.execute("SELECT count(*) FROM events").fetchone()[0]
        finally:
            conn.close()
        return indexed, content

    def fts_integrity(self) -> None:
        """FTS5 integrity check including the content table (raises on ghost/missing rows)."""
        conn = sqlite3.connect(self.mirror.writer.path)
        try:
            conn.execute("INSERT INTO events_fts(events_fts, rank) VALUES ('integrity-check', 1)")
        finally:
            conn.close()


@pytest.fixture
def kit(mirror: Mirror, scenarios: dict[str, list[Delivery]]) -> Kit:
    """Helpers bound to the test's mirror."""
    return Kit(mirror, scenarios)
