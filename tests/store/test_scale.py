"""The 100k-session schema (migrations v8, v9): fleet key indexes that order exactly like the
`ORDER BY` they replace, rollups that always equal a recount, `attention_rev`, and an event's
text stored once (a v7 mirror migrates without re-indexing and keeps its snippets)."""

from __future__ import annotations

import json
import random
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from drover.store.extract import event_text
from drover.store.fleet import SORT_KEYS, FleetQuery
from drover.store.migrations import MIGRATIONS, connect
from drover.store.mirror import Mirror
from drover.store.rollups import fill_rollups
from drover.store.schema import register_text_function

# The orderings as they were written before v8 (needs-you first, then the key, ties by id),
# except that `created_at` (the server's text, whose fraction digits vary) now sorts by time.
_TOKENS = (
    "coalesce(input_tokens, 0) + coalesce(output_tokens, 0) + coalesce(cache_read_tokens, 0)"
    " + coalesce(cache_creation_tokens, 0)"
)
OLD_ORDER = {
    "needs": "needs_since, status != 'running', last_event_at DESC",
    "waiting": "needs_since DESC, last_event_at DESC",
    "age": "julianday(created_at) DESC",
    "active": "active_seconds DESC",
    "tokens": f"({_TOKENS}) DESC",
    "cost": "list_cost_cents DESC",
    "title": "title COLLATE NOCASE",
    "agent": "agent_name COLLATE NOCASE, julianday(created_at) DESC",
}


def _old_ids(conn: sqlite3.Connection, sort: str, needs_only: bool = False) -> list[str]:
    where = "deleted = 0 AND archived_at IS NULL" + (" AND needs_you IS NOT NULL" * needs_only)
    sql = (
        f"SELECT id FROM sessions WHERE {where} "
        f"ORDER BY needs_you IS NULL, {OLD_ORDER[sort]} NULLS LAST, id"
    )
    return [r[0] for r in conn.execute(sql)]


def _stamp(rng: random.Random, day: int) -> str | None:
    if rng.random() < 0.1:
        return None
    # Seconds apart at least, sometimes equal (ties break by id), with and without fractions.
    second = rng.randrange(0, 86_400, 7)
    fraction = rng.choice(("", ".5", ".250000"))
    clock = f"{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}"
    return f"2026-05-{day:02d}T{clock}{fraction}Z"


def _fleet(mirror: Mirror, n: int = 240, seed: int = 3) -> list[str]:
    """Sessions with every kind of value the keys order: NULLs, ties, case, needs-you."""
    rng = random.Random(seed)
    titles = ["alpha", "Alpha", "beta", "beta two", "Gamma", None, "", "zeta", "ÉCOLE", "a b"]
    agents = ["Reviewer", "reviewer", "docs", None, "Ops"]
    ids = [f"sesn_{i:04d}" for i in range(n)]
    sessions = []
    for sid in ids:
        obj: dict[str, Any] = {
            "id": sid,
            "type": "session",
            "status": rng.choice(["idle", "running", "rescheduling", "terminated"]),
            "title": rng.choice(titles),
            "created_at": _stamp(rng, rng.randint(1, 9)),
            "updated_at": "2026-05-01T00:00:00Z",
        }
        agent = rng.choice(agents)
        if agent is not None:
            obj["agent"] = {"id": f"agent_{agent.lower()}", "name": agent}
        if rng.random() < 0.3:
            obj["usage"] = {
                "input_tokens": rng.choice([0, 10, 10, 500]),
                "output_tokens": rng.randint(0, 50),
                "list_cost": {"amount": str(rng.choice([0, 5, 5, 120])), "currency": "USD"},
                "active_seconds": rng.choice([0.0, 1.5, 1.5, 99.0]),
            }
        sessions.append(obj)
    mirror.writer.submit("upsert_sessions", sessions).result()
    for i, sid in enumerate(ids):
        kind = rng.random()
        if kind < 0.15:  # needs you: a refusal or a budget stop
            reason = rng.choice(["refusal", "budget_reached"])
            at = _stamp(rng, 10) or "2026-05-10T00:00:00Z"
            event = {"type": "session.status_idle", "id": f"sevt_{i}_idle",
                     "stop_reason": {"type": reason}, "processed_at": at}  # fmt: skip
            mirror.writer.submit("ingest", sid, [event]).result()
        elif kind < 0.7:
            event = {"type": "agent.message", "id": f"sevt_{i}_msg",
                     "content": [{"type": "text", "text": f"message {i}"}],
                     "processed_at": _stamp(rng, rng.randint(1, 9)) or "bad"}  # fmt: skip
            mirror.writer.submit("ingest", sid, [event]).result()
    archived = [{**sessions[i], "archived_at": "2026-05-11T00:00:00Z"} for i in range(0, n, 17)]
    mirror.writer.submit("upsert_sessions", archived).result()
    mirror.writer.submit(
        "ingest", ids[5], [{"type": "session.deleted", "id": "sevt_del", "processed_at": None}]
    ).result()
    return ids


@pytest.mark.parametrize("sort", SORT_KEYS)
def test_fleet_key_orders_like_the_order_by_it_replaces(tmp_path: Path, sort: str) -> None:
    with Mirror.open(tmp_path / "m.db") as mirror:
        _fleet(mirror)
        reader = mirror.reader
        conn = reader._conn()
        for needs_only in (False, True):
            query = FleetQuery(sort=sort, needs_only=needs_only)  # type: ignore[arg-type]
            expected = _old_ids(conn, sort, needs_only)
            assert reader.fleet_ids(query) == expected
            assert reader.fleet_count(query) == len(expected)
            paged: list[str] = []
            after = None
            while True:
                page = reader.fleet_page(query, after=after, limit=37)
                paged += page.ids
                after = page.last_key
                if page.done:
                    break
            assert paged == expected
        query = FleetQuery(sort=sort)  # type: ignore[arg-type]
        expected = _old_ids(conn, sort)
        some = expected[::9][::-1]
        assert reader.fleet_ids(query, among=[*some, "sesn_unknown"]) == expected[::9]
        assert reader.fleet_position(query, expected[40]) == 40
        assert reader.fleet_position(query, "sesn_unknown") is None


def test_a_pattern_filters_pages_and_counts(tmp_path: Path) -> None:
    with Mirror.open(tmp_path / "m.db") as mirror:
        _fleet(mirror)
        reader = mirror.reader
        everything = reader.fleet_ids(FleetQuery())
        rows = reader.fleet_rows(everything)
        for invert in (False, True):
            query = FleetQuery(pattern="alpha|refusal", invert=invert)
            matching = reader.fleet_ids(query)
            assert matching == [
                sid
                for sid in everything
                if invert
                != bool(
                    "alpha" in (rows[sid].title or "").lower() or rows[sid].needs_you == "refusal"
                )
            ]
            first = reader.fleet_page(query, limit=5)
            assert first.ids == matching[:5] and not first.done
            assert reader.fleet_count(query) == len(matching)


def _recount(conn: sqlite3.Connection) -> dict[str, Any]:
    return {
        "counts": conn.execute("SELECT * FROM session_counts").fetchall(),
        "ledger": conn.execute(
            "SELECT * FROM ledger_rollup WHERE sessions != 0 ORDER BY 1, 2"
        ).fetchall(),
        "req": conn.execute(
            "SELECT id, req_count, req_input, req_output, req_cache_read, req_cache_write "
            "FROM sessions ORDER BY id"
        ).fetchall(),
    }


def test_rollups_always_equal_a_recount(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    with Mirror.open(path) as mirror:
        ids = _fleet(mirror)
        span = {"type": "span.model_request_end", "model_request_start_id": "x",
                "is_error": False, "model_usage": {"input_tokens": 7, "output_tokens": 3,
                                                   "cache_read_input_tokens": 1}}  # fmt: skip
        for i, sid in enumerate(ids[:30]):
            events = [{**span, "id": f"sevt_span_{i}_{k}", "processed_at":
                       f"2026-05-0{1 + k}T10:00:00Z"} for k in range(3)]  # fmt: skip
            mirror.writer.submit("ingest", sid, events).result()
        mirror.writer.submit("recompute_session", ids[3]).result()
        moved = {"id": ids[4], "agent": {"id": "agent_other", "name": "Other"},
                 "environment_id": "env_z"}  # fmt: skip
        mirror.writer.submit("upsert_sessions", [moved]).result()
    conn = sqlite3.connect(path)
    register_text_function(conn)
    kept = _recount(conn)
    conn.execute("BEGIN")
    fill_rollups(conn)
    recounted = _recount(conn)
    conn.execute("ROLLBACK")
    conn.close()
    assert kept == recounted
    assert kept["counts"][0][1] > 0 and any(r[1] for r in kept["req"])


def test_attention_rev_moves_when_the_category_does(tmp_path: Path) -> None:
    with Mirror.open(tmp_path / "m.db") as mirror:
        w, r = mirror.writer, mirror.reader
        w.submit("upsert_sessions", [{"id": "sesn_a", "status": "running"}]).result()
        first = r.session("sesn_a").attention_rev
        assert first > 0
        mark, needing = r.attention_baseline()
        assert (mark, needing) == (first, [])
        msg = {"type": "agent.message", "id": "sevt_1", "content": [],
               "processed_at": "2026-05-12T10:00:00Z"}  # fmt: skip
        w.submit("ingest", "sesn_a", [msg]).result()
        assert r.session("sesn_a").attention_rev == first  # still active
        idle = {"type": "session.status_idle", "id": "sevt_2", "stop_reason": {"type": "refusal"},
                "processed_at": "2026-05-12T10:01:00Z"}  # fmt: skip
        w.submit("ingest", "sesn_a", [idle]).result()
        needs = r.session("sesn_a").attention_rev
        assert needs > first
        w.submit("recompute_session", "sesn_a").result()
        assert r.session("sesn_a").attention_rev == needs  # a rebuild is no transition
        mark, needing = r.attention_baseline()
        assert mark == needs and [s.id for s in needing] == ["sesn_a"]


def _v7_mirror(path: Path) -> list[dict[str, Any]]:
    """A mirror as drover wrote it at schema v7: every event's text in `events.text`."""
    conn = connect(path).conn
    conn.execute("PRAGMA journal_mode = WAL")
    for version, step in enumerate(MIGRATIONS[:7], start=1):
        conn.execute("BEGIN")
        step(conn)
        conn.execute(f"PRAGMA user_version = {version}")
        conn.execute("COMMIT")
    events = [
        {"type": "agent.message", "id": f"sevt_{i}", "processed_at": f"2026-05-12T10:00:{i:02d}Z",
         "content": [{"type": "text", "text": f"narwhal number {i} swims"}]}
        for i in range(20)
    ]  # fmt: skip
    events.append({"type": "session.status_running", "id": "sevt_run",
                   "processed_at": "2026-05-12T10:01:00Z"})  # fmt: skip
    conn.execute("BEGIN")
    conn.execute("INSERT INTO sessions(id, status, event_count) VALUES ('sesn_a', 'running', 21)")
    conn.executemany(
        "INSERT INTO events(id, session_id, on_primary, type, processed_at, text, raw) "
        "VALUES (?, 'sesn_a', 1, ?, ?, ?, ?)",
        [(e["id"], e["type"], e["processed_at"], event_text(e), json.dumps(e)) for e in events],
    )
    conn.execute("COMMIT")
    conn.close()
    return events


def test_a_v7_mirror_keeps_its_index_and_stores_new_text_once(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    _v7_mirror(path)
    with Mirror.open(path) as mirror:
        hits = mirror.reader.search("narwhal", limit=5)
        assert [h.event_id for h in hits] == [f"sevt_{i}" for i in range(19, 14, -1)]
        assert "\x02narwhal\x03" in hits[0].snippet
        text = "a narwhal arrives after the upgrade"
        new = {"type": "agent.message", "id": "sevt_new", "processed_at": "2026-05-12T11:00:00Z",
               "content": [{"type": "text", "text": text}]}  # fmt: skip
        mirror.writer.submit("ingest", "sesn_a", [new]).result()
        [hit] = mirror.reader.search("upgrade")
        assert hit.event_id == "sevt_new" and "\x02upgrade\x03" in hit.snippet
        assert mirror.reader.fleet_count(FleetQuery()) == 1
        assert mirror.reader.header_counts().running == 1
    conn = sqlite3.connect(path)
    register_text_function(conn)
    try:
        conn.execute("INSERT INTO events_fts(events_fts, rank) VALUES ('integrity-check', 1)")
        indexed = conn.execute("SELECT count(*) FROM events_fts_docsize").fetchone()[0]
        assert indexed == conn.execute("SELECT count(*) FROM events").fetchone()[0] == 22
        assert conn.execute("SELECT text FROM events WHERE id = 'sevt_new'").fetchone() == ("",)
        conn.execute("DELETE FROM events WHERE id IN ('sevt_3', 'sevt_new')")  # un-indexed too
        conn.execute("INSERT INTO events_fts(events_fts, rank) VALUES ('integrity-check', 1)")
        conn.commit()
    finally:
        conn.close()
    plain = sqlite3.connect(path)  # without drover's function: reads, but never writes events
    try:
        assert plain.execute("SELECT count(*) FROM events").fetchone()[0] == 20
        with pytest.raises(sqlite3.OperationalError, match="drover_event_text"):
            plain.execute("DELETE FROM events WHERE id = 'sevt_4'")
    finally:
        plain.close()
