"""Compaction on demand (`drover.store.compact`): migration v14 leaves a mirror's rows plain;
`compact` deflates them in batches, each its own transaction, so it can stop and continue, and
another connection writes between batches; search, tool names and transcripts are unchanged."""

from __future__ import annotations

import json
import threading
import time

from drover.store.compact import compact, plain_rows
from drover.store.health import check_mirror
from drover.store.migrations import SCHEMA_VERSION, connect, migrate
from drover.store.mirror import Mirror

ANIMALS = ("ocelot", "aardvark", "pangolin", "quokka", "tapir")
QUERIES = (*ANIMALS, "tool:bash ocelot", "tool:edit", "pen", '"tidy the"')


def _events(session: str, n: int, start: int = 0) -> list[dict]:
    """Tool uses and results and messages naming animals, `n` of them, ids from `start`."""
    out: list[dict] = []
    for i in range(start, start + n):
        animal = ANIMALS[i % len(ANIMALS)]
        at = f"2026-05-12T09:{i // 60 % 60:02d}:{i % 60:02d}Z"
        if i % 3 == 0:
            tool = "bash" if i % 2 else "edit"
            event = {"type": "agent.tool_use", "name": tool,
                     "input": {"command": f"feed the {animal} {i}"}}  # fmt: skip
        elif i % 3 == 1:
            text = f"{animal} fed — naïve ünïcode {i}"
            event = {"type": "user.tool_result", "tool_use_id": f"sevt_{session}_{i - 1}",
                     "content": [{"type": "text", "text": text}]}  # fmt: skip
        else:
            text = f"please tidy the {animal} pen"
            event = {"type": "user.message", "content": [{"type": "text", "text": text}]}
        event.update(id=f"sevt_{session}_{i}", processed_at=at)
        out.append(event)
    return out


def _old_mirror(path, sessions: int = 3, per_session: int = 40) -> None:
    """A mirror written by a drover before v14: every row plain JSON text."""
    db = connect(path)
    migrate(db, upto=13)
    for s in range(sessions):
        sid = f"sesn_{s}"
        session = {"type": "session", "id": sid, "title": f"zoo {s}", "status": "idle"}
        db.conn.execute("INSERT INTO sessions(id, raw) VALUES (?, ?)", (sid, json.dumps(session)))
        for event in _events(sid, per_session):
            db.conn.execute(
                "INSERT INTO events(id, session_id, on_primary, type, processed_at, ref_id, raw) "
                "VALUES (?, ?, 1, ?, ?, ?, ?)",
                (event["id"], sid, event["type"], event["processed_at"],
                 event.get("tool_use_id"), json.dumps(event)),
            )  # fmt: skip
    db.conn.close()


def _seen(path) -> dict[str, object]:
    """What a user sees: hits (id, tool, snippet) per query, transcripts, Session objects."""
    with Mirror.open(path) as m:
        hits = {
            q: [(h.event_id, h.tool, h.snippet) for h in m.reader.search(q, limit=1000)]
            for q in QUERIES
        }
        sessions = m.reader.sessions(include_archived=True, limit=1000)
        transcripts = {s.id: [r.event for r in m.reader.transcript(s.id)] for s in sessions}
        objects = {s.id: m.reader.session(s.id).raw for s in sessions}
    return {"hits": hits, "transcripts": transcripts, "sessions": objects}


def _open(path):
    db = connect(path)
    migrate(db)
    return db.conn


def _fts_intact(conn) -> None:
    conn.execute("INSERT INTO events_fts(events_fts, rank) VALUES ('integrity-check', 1)")


def test_v14_leaves_rows_plain_and_compaction_deflates_them_all_keeping_what_users_see(tmp_path):
    path = tmp_path / "m.db"
    _old_mirror(path)
    conn = _open(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert plain_rows(conn) == (120, 3)  # the migration rewrote nothing
    conn.close()
    before = _seen(path)
    assert all(before["hits"][animal] for animal in ANIMALS)
    assert before["hits"]["tool:edit"] and len(before["transcripts"]["sesn_0"]) == 40

    conn = _open(path)
    result = compact(conn, batch=7, pause=0)
    assert (result.events, result.sessions, result.finished) == (120, 3, True)
    assert plain_rows(conn) == (0, 0)
    kinds = conn.execute("SELECT DISTINCT typeof(raw) FROM events UNION SELECT typeof(raw) "
                         "FROM sessions").fetchall()  # fmt: skip
    assert kinds == [("blob",)]
    _fts_intact(conn)
    assert compact(conn).events == 0  # nothing left: a second run changes nothing
    conn.close()
    assert _seen(path) == before


def test_a_stopped_compaction_continues_where_it_stopped(tmp_path):
    path = tmp_path / "m.db"
    _old_mirror(path)
    before = _seen(path)
    conn = _open(path)
    told: list[tuple[str, int, int]] = []
    first = compact(conn, batch=10, max_batches=5, progress=lambda *a: told.append(a), pause=0)
    assert (first.events, first.sessions, first.finished) == (50, 0, False)
    assert told == [("events", 10 * n, 120) for n in range(1, 6)]
    assert plain_rows(conn) == (70, 3)
    conn.close()
    assert _seen(path) == before  # half plain, half deflated: read alike

    conn = _open(path)
    rest = compact(conn, batch=10, pause=0)
    assert (rest.events, rest.sessions, rest.finished) == (70, 3, True)
    assert plain_rows(conn) == (0, 0)
    _fts_intact(conn)
    conn.close()
    assert _seen(path) == before


def test_another_connection_writes_between_batches(tmp_path):
    path = tmp_path / "m.db"
    _old_mirror(path, sessions=2, per_session=150)
    written: list[int] = []
    turn = threading.Event()  # set by compaction between two batches: write one batch now
    finished = threading.Event()

    def sync_like() -> None:  # drover's own writer on its own connection, like a running sync
        # Paced by the compaction (one write per pause) so the number written does not
        # depend on the machine's speed: a free-running writer wrote 17k events on a fast
        # run, past the transcript's page read below.
        with Mirror.open(path) as m:
            n = 0
            while not finished.is_set():
                if not turn.wait(0.05):
                    continue
                turn.clear()
                m.writer.submit("ingest", "sesn_live", _events("sesn_live", 5, n)).result()
                n += 5
                written.append(n)

    other = threading.Thread(target=sync_like)
    other.start()
    conn = _open(path)
    during: list[int] = []

    def progress(table: str, done: int, plain: int) -> None:
        # Between two batches no transaction is open: the other writer's next commit lands.
        seen = len(written)
        turn.set()
        deadline = time.monotonic() + 20
        while len(written) == seen and time.monotonic() < deadline:
            time.sleep(0.001)
        during.append(len(written))

    try:
        result = compact(conn, batch=3, progress=progress, pause=0)
    finally:
        finished.set()
        other.join(30)
    assert result.finished and result.events == 300
    assert during == sorted(set(during))  # it committed between every two batches
    assert plain_rows(conn) == (0, 0)
    live = conn.execute("SELECT count(*) FROM events WHERE session_id = 'sesn_live'").fetchone()
    assert live[0] == written[-1]
    _fts_intact(conn)
    conn.close()
    with Mirror.open(path) as m:  # the other writer's events are found, with their tools
        hits = m.reader.search("tool:bash feed", limit=10_000)
        assert {h.session_id for h in hits} == {"sesn_0", "sesn_1", "sesn_live"}
        assert len([r for r in m.reader.transcript("sesn_live", limit=10_000)]) == written[-1]


def test_the_check_counts_plain_rows(tmp_path):
    path = tmp_path / "m.db"
    _old_mirror(path, sessions=2, per_session=30)
    conn = _open(path)
    compact(conn, batch=20, max_batches=1)
    conn.close()
    check = check_mirror(path)
    assert check.problem is None
    assert (check.events, check.plain_events, check.plain_sessions) == (60, 40, 2)
