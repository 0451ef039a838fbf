"""An event's text is stored once, in the search index (SQLite v12, PostgreSQL step 7): a
mirror written before keeps finding what it found, new events are found, the column is gone."""

from __future__ import annotations

import json

import pytest

from drover.store.migrations import connect, migrate
from drover.store.mirror import Mirror
from drover.store.search import SNIPPET_CLOSE, SNIPPET_OPEN

OLD = {
    "type": "agent.message",
    "id": "sevt_old",
    "content": [{"type": "text", "text": "the persistent narwhal swims"}],
    "processed_at": "2026-05-12T09:00:00Z",
}
NEW = {**OLD, "id": "sevt_new", "content": [{"type": "text", "text": "a narwhal returns"}]}
_V11_INSERT = (
    "INSERT INTO events(id, session_id, on_primary, type, processed_at, text, raw) "
    "VALUES (?, 'sesn_1', 1, ?, ?, ?, ?)"
)


def _found(mirror: Mirror, word: str) -> dict[str, str]:
    return {hit.event_id: hit.snippet for hit in mirror.reader.search(word)}


def _finds_old_and_new(mirror: Mirror) -> None:
    """The event stored before the migration is found as before, one ingested after too."""
    assert _found(mirror, "narwhal") == {
        "sevt_old": f"the persistent {SNIPPET_OPEN}narwhal{SNIPPET_CLOSE} swims"
    }
    mirror.writer.submit("ingest", "sesn_1", [NEW]).result()
    assert set(_found(mirror, "narwhal")) == {"sevt_old", "sevt_new"}
    assert _found(mirror, "returns") == {
        "sevt_new": f"a narwhal {SNIPPET_OPEN}returns{SNIPPET_CLOSE}"
    }


@pytest.mark.parametrize("version", [1, 7, 11])
def test_an_older_sqlite_mirror_keeps_its_index_and_drops_the_column(tmp_path, version):
    path = tmp_path / "m.db"
    db = connect(path)
    migrate(db, upto=version)
    conn = db.conn
    conn.execute(_V11_INSERT, ("sevt_old", OLD["type"], OLD["processed_at"],
                               "the persistent narwhal swims", json.dumps(OLD)))  # fmt: skip
    conn.close()
    with Mirror.open(path) as m:
        _finds_old_and_new(m)
    conn = connect(path).conn
    assert "text" not in {row[1] for row in conn.execute("PRAGMA table_info(events)")}
    before = conn.execute("SELECT rowid FROM events_fts('narwhal') ORDER BY rowid").fetchall()
    conn.execute("INSERT INTO events_fts(events_fts, rank) VALUES ('integrity-check', 1)")
    conn.execute("INSERT INTO events_fts(events_fts) VALUES ('rebuild')")  # from the raw JSON
    after = conn.execute("SELECT rowid FROM events_fts('narwhal') ORDER BY rowid").fetchall()
    conn.close()
    assert before == after and len(after) == 2


def test_deleting_an_event_takes_its_text_out_of_the_index(tmp_path):
    with Mirror.open(tmp_path / "m.db") as m:
        m.writer.submit("ingest", "sesn_1", [OLD, NEW]).result()
    conn = connect(tmp_path / "m.db").conn
    conn.execute("DELETE FROM events WHERE id = 'sevt_old'")
    found = conn.execute("SELECT rowid FROM events_fts('persistent')").fetchall()
    conn.execute("INSERT INTO events_fts(events_fts, rank) VALUES ('integrity-check', 1)")
    conn.close()
    assert found == []


def test_a_step_6_postgresql_mirror_keeps_its_search_and_drops_the_column(pg_url):
    from drover.store.pg.conn import connect as pg_connect
    from drover.store.pg.schema import MIGRATIONS as PG_MIGRATIONS

    pg = pg_connect(pg_url)
    try:
        for step in PG_MIGRATIONS[:6]:
            step(pg)
        pg.execute("CREATE TABLE schema_version (id integer PRIMARY KEY, version integer)")
        pg.execute("INSERT INTO schema_version VALUES (1, 6)")
        pg.execute(_V11_INSERT, ("sevt_old", OLD["type"], OLD["processed_at"],
                                 "the persistent narwhal swims", json.dumps(OLD)))  # fmt: skip
    finally:
        pg.close()
    with Mirror.open(pg_url) as m:
        _finds_old_and_new(m)
    pg = pg_connect(pg_url)
    try:
        columns = dict(
            pg.execute(
                "SELECT column_name, is_generated FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = 'events'"
            ).fetchall()
        )
    finally:
        pg.close()
    assert "text" not in columns and columns["tsv"] == "NEVER"


def test_a_completed_event_is_searched_by_its_completed_text(mirror, kit):
    queued = {**OLD, "id": "sevt_q", "processed_at": None}
    mirror.writer.submit("ingest", "sesn_1", [queued]).result()
    done = {**queued, "processed_at": "2026-05-12T09:01:00Z",
            "content": [{"type": "text", "text": "the final walrus"}]}  # fmt: skip
    assert mirror.writer.submit("ingest", "sesn_1", [done]).result().completed_ids == ["sevt_q"]
    assert set(_found(mirror, "walrus")) == {"sevt_q"}
    assert _found(mirror, "narwhal") == {}
    kit.fts_integrity()
