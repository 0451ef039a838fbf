"""SQLite stores each event's raw JSON deflated against a preset dictionary, and each Session
object deflated (v14): a mirror written before keeps its events, hits, snippets, tool names and
Session objects, stored plain until `drover doctor --compact` deflates them; new ones are stored
deflated; every reader sees the JSON as received."""

from __future__ import annotations

import json

import pytest

from drover.store.compact import compact
from drover.store.event_raw import DICTIONARY_ID, RawDecodeError, raw_json, shipped_dictionary
from drover.store.extract import event_text
from drover.store.fleet import FleetQuery
from drover.store.migrations import SCHEMA_VERSION, connect, migrate
from drover.store.mirror import Mirror
from drover.store.search import SNIPPET_CLOSE, SNIPPET_OPEN

USE = {
    "type": "agent.tool_use",
    "id": "sevt_use",
    "name": "bash",
    "input": {"command": "ls /srv/ocelot"},
    "processed_at": "2026-05-12T09:00:00Z",
}
RESULT = {
    "type": "user.tool_result",
    "id": "sevt_result",
    "tool_use_id": "sevt_use",
    "content": [{"type": "text", "text": "ocelot.conf — naïve ünïcode kept"}],
    "processed_at": "2026-05-12T09:00:01Z",
}
SESSION = {
    "type": "session", "id": "sesn_1", "title": "ocelot census", "status": "idle",
    "metadata": {"drover_launch": "lch_elsewhere"}, "agent": {"id": "agent_1", "name": "Zookeeper"},
}  # fmt: skip
_INSERT = (
    "INSERT INTO events(id, session_id, on_primary, type, processed_at, ref_id{text}, raw) "
    "VALUES (?, 'sesn_1', 1, ?, ?, ?{mark}, ?)"
)


def _stored(path) -> dict[str, tuple[str, str]]:
    """Every event's and session's raw value: its SQL type and its JSON."""
    conn = connect(path).conn
    try:
        rows = conn.execute(
            "SELECT id, typeof(raw), raw FROM events "
            "UNION ALL SELECT id, typeof(raw), raw FROM sessions"
        ).fetchall()
    finally:
        conn.close()
    return {eid: (kind, raw_json(raw)) for eid, kind, raw in rows}


def _reads_as_written(path) -> None:
    """Hits, snippets, tool names, transcript, Session object and launch filter."""
    with Mirror.open(path) as m:
        hits = {hit.event_id: hit for hit in m.reader.search("ocelot")}
        assert {eid: hit.tool for eid, hit in hits.items()} == {
            "sevt_use": "bash", "sevt_result": "bash"}  # fmt: skip
        assert hits["sevt_result"].snippet.startswith(f"{SNIPPET_OPEN}ocelot{SNIPPET_CLOSE}")
        assert {hit.event_id for hit in m.reader.search("tool:bash")} == set(hits)
        assert m.reader.search("tool:edit") == []
        assert [row.event for row in m.reader.transcript("sesn_1")] == [USE, RESULT]
        assert m.reader.session("sesn_1").raw == SESSION
        assert m.reader.fleet_ids(FleetQuery(launch_id="lch_elsewhere")) == ["sesn_1"]


@pytest.mark.parametrize("version", [11, 13])
def test_an_older_mirror_keeps_its_events_hits_and_tool_names(tmp_path, version):
    path = tmp_path / "m.db"
    db = connect(path)
    migrate(db, upto=version)
    text, mark = (", text", ", ?") if version < 12 else ("", "")
    for event, ref in ((USE, None), (RESULT, "sevt_use")):
        values = [event["id"], event["type"], event["processed_at"], ref]
        words = [event_text(event)] if text else []  # v11's column: what ingest extracted
        db.conn.execute(_INSERT.format(text=text, mark=mark), (*values, *words, json.dumps(event)))
    db.conn.execute("INSERT INTO sessions(id, raw) VALUES ('sesn_1', ?)", (json.dumps(SESSION),))
    db.conn.close()

    _reads_as_written(path)
    assert {kind for kind, _ in _stored(path).values()} == {"text"}  # v14 leaves them plain
    conn = connect(path).conn
    assert compact(conn).events == 2
    conn.close()
    _reads_as_written(path)
    stored = _stored(path)
    assert stored == {"sevt_use": ("blob", json.dumps(USE)),
                      "sevt_result": ("blob", json.dumps(RESULT)),
                      "sesn_1": ("blob", json.dumps(SESSION))}  # fmt: skip
    conn = connect(path).conn
    (dictionary,) = conn.execute(
        "SELECT dictionary FROM raw_dictionaries WHERE id = ?", (DICTIONARY_ID,)
    ).fetchone()
    assert dictionary == shipped_dictionary(DICTIONARY_ID)
    conn.execute("INSERT INTO events_fts(events_fts, rank) VALUES ('integrity-check', 1)")
    before = conn.execute("SELECT rowid FROM events_fts('ocelot') ORDER BY rowid").fetchall()
    conn.execute("INSERT INTO events_fts(events_fts) VALUES ('rebuild')")  # from the raw value
    after = conn.execute("SELECT rowid FROM events_fts('ocelot') ORDER BY rowid").fetchall()
    conn.close()
    assert before == after and len(after) == 2
    assert migrate(connect(path)) == SCHEMA_VERSION and _stored(path) == stored  # idempotent


def test_new_events_and_sessions_are_stored_deflated_and_a_completed_event_is_found_anew(tmp_path):
    queued = {"type": "user.message", "id": "sevt_q",
              "content": [{"type": "text", "text": "please tidy the aardvark pen"}]}  # fmt: skip
    with Mirror.open(tmp_path / "m.db") as m:
        m.writer.submit("ingest", "sesn_1", [USE, RESULT, queued]).result()
        done = {**queued, "processed_at": "2026-05-12T09:00:02Z"}
        m.writer.submit("ingest", "sesn_1", [done]).result()
        assert {hit.event_id for hit in m.reader.search("aardvark")} == {"sevt_q"}
        assert m.reader.event_by_id("sevt_q").event == done
        m.writer.submit("upsert_sessions", [SESSION]).result()
        assert m.reader.session("sesn_1").raw == SESSION
        assert m.reader.fleet_ids(FleetQuery(launch_id="lch_elsewhere")) == ["sesn_1"]
    stored = _stored(tmp_path / "m.db")
    assert {kind for kind, _ in stored.values()} == {"blob"}
    assert json.loads(stored["sevt_q"][1]) == done
    conn = connect(tmp_path / "m.db").conn
    sizes = dict(conn.execute("SELECT id, length(raw) FROM events").fetchall())
    conn.execute("INSERT INTO events_fts(events_fts, rank) VALUES ('integrity-check', 1)")
    conn.close()
    assert sizes["sevt_use"] < len(json.dumps(USE)) / 2


def test_a_damaged_or_unknown_stored_value_is_refused_with_a_reason():
    good = bytes((DICTIONARY_ID,)) + b"\x03\x00"  # an empty deflate stream: ''
    assert raw_json(good) == ""
    with pytest.raises(RawDecodeError, match="unknown compression dictionary 7"):
        raw_json(b"\x07abc")
    with pytest.raises(RawDecodeError, match="damaged"):
        raw_json(bytes((DICTIONARY_ID,)) + b"\xff\xff\xff")
    with pytest.raises(RawDecodeError, match="truncated"):
        raw_json(bytes((DICTIONARY_ID,)) + b"\x02")
    with pytest.raises(RawDecodeError, match="empty"):
        raw_json(b"")
