"""Migrations, re-opening, FTS trigger repair and settings."""

from __future__ import annotations

import json
import sqlite3

import pytest

from drover.store.migrations import SCHEMA_VERSION, MirrorVersionError, connect
from drover.store.mirror import Mirror
from drover.store.schema import FTS_TRIGGERS

EVENT = {
    "type": "agent.message",
    "id": "sevt_1",
    "content": [{"type": "text", "text": "persistent narwhal"}],
    "processed_at": "2026-05-12T09:00:00Z",
}


def _pragma(path, name):
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f"PRAGMA {name}").fetchone()[0]
    finally:
        conn.close()


def test_migrates_an_empty_file(tmp_path):
    path = tmp_path / "empty.db"
    path.touch()
    with Mirror.open(path):
        pass
    assert _pragma(path, "user_version") == SCHEMA_VERSION >= 1
    assert _pragma(path, "journal_mode") == "wal"
    conn = sqlite3.connect(path)
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    conn.close()
    expected = {"agents", "environments", "sessions", "threads", "events", "outbox",
                "sync_cursors", "daily_cost", "events_fts", *FTS_TRIGGERS}  # fmt: skip
    assert expected <= names


def test_reopen_keeps_data_and_does_not_migrate_again(tmp_path):
    path = tmp_path / "m.db"
    with Mirror.open(path) as m:
        m.writer.submit("ingest", "sesn_1", [EVENT]).result()
        action = m.writer.submit("enqueue_action", "sesn_1", "user.message", {"t": 1}).result()
    with Mirror.open(path, synchronous="FULL") as m:
        assert m.reader.event_ids("sesn_1") == {"sevt_1"}
        assert [h.event_id for h in m.reader.search("narwhal")] == ["sevt_1"]
        assert m.reader.outbox("sesn_1")[0].id == action
        assert m.reader.cursor("sesn_1").last_processed_at == EVENT["processed_at"]
        again = m.writer.submit("ingest", "sesn_1", [{**EVENT, "id": "sevt_2"}]).result()
        assert again.high_water_seq > m.reader.event_by_id("sevt_1").seq
    assert _pragma(path, "user_version") == SCHEMA_VERSION


def test_missing_fts_trigger_is_recreated_and_index_rebuilt(tmp_path):
    path = tmp_path / "m.db"
    with Mirror.open(path) as m:
        m.writer.submit("ingest", "sesn_1", [EVENT]).result()
    conn = sqlite3.connect(path)
    conn.execute("DROP TRIGGER events_fts_ai")  # what sqlite-utils' transform() does
    orphan = {**EVENT, "id": "sevt_2", "content": [{"type": "text", "text": "orphaned quokka"}]}
    conn.execute(
        "INSERT INTO events(id, session_id, type, raw) VALUES ('sevt_2', 'sesn_1', ?, ?)",
        (orphan["type"], json.dumps(orphan)),
    )
    conn.commit()
    conn.close()
    with Mirror.open(path) as m:
        assert [h.event_id for h in m.reader.search("quokka")] == ["sevt_2"]
        m.writer.submit("ingest", "sesn_1", [{**EVENT, "id": "sevt_3"}]).result()
        assert len(m.reader.search("narwhal")) == 2
    conn = connect(path).conn  # has drover_event_text, which the index's content derives with
    triggers = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='trigger'")}
    conn.execute("INSERT INTO events_fts(events_fts, rank) VALUES ('integrity-check', 1)")
    conn.close()
    assert set(FTS_TRIGGERS) <= triggers


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "m.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(MirrorVersionError, match="newer"):
        Mirror.open(path)


def test_synchronous_setting_is_applied(tmp_path):
    path = tmp_path / "m.db"
    with Mirror.open(path):
        pass
    assert connect(path, synchronous="FULL").execute("PRAGMA synchronous").fetchone()[0] == 2
    assert connect(path).execute("PRAGMA synchronous").fetchone()[0] == 1


def test_reader_cannot_write(tmp_path):
    with Mirror.open(tmp_path / "m.db") as m, pytest.raises(sqlite3.OperationalError):
        m.reader._conn().execute("DELETE FROM events")
