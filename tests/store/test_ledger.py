"""The cost ledger (drover.store.ledger, drover.store.daily): per-request tokens per day,
idempotent under re-delivery, split at UTC midnight, back-filled by migration v3, budgets at
their thresholds, and queries that never read `events`."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from drover.store import ledger
from drover.store.migrations import MIGRATIONS, SCHEMA_VERSION, connect, migrate
from drover.store.mirror import Mirror


def _span(n: int, at: str, tokens: tuple[int, int, int, int], **extra: Any) -> dict[str, Any]:
    tin, tout, cread, cwrite = tokens
    return {
        "type": "span.model_request_end",
        "id": f"sevt_span{n}",
        "model_request_start_id": f"sevt_start{n}",
        "is_error": False,
        "model_usage": {
            "input_tokens": tin,
            "output_tokens": tout,
            "cache_read_input_tokens": cread,
            "cache_creation_input_tokens": cwrite,
        },
        "processed_at": at,
        **extra,
    }


def _usage(n: int, at: str, cents: int, active: float, budget: int | None = None) -> dict:
    return {
        "type": "session.usage",
        "id": f"sevt_usage{n}",
        "usage": {
            "input_tokens": 0,
            "list_cost": {"amount": str(cents), "currency": "USD"},
            "active_seconds": active,
        },
        "budget": None
        if budget is None
        else {"type": "limit", "max_list_cost": {"amount": str(budget), "currency": "USD"}},
        "processed_at": at,
    }


def _session(sid: str, agent: str = "agent_x", env: str = "env_a", **extra: Any) -> dict:
    return {
        "id": sid,
        "type": "session",
        "status": "idle",
        "title": f"title of {sid}",
        "agent": {"id": agent, "name": agent.upper(), "model": {"id": "claude-opus-4-7"}},
        "environment_id": env,
        **extra,
    }


# Two requests before midnight and one after; usage reports on both sides.
EVENTS = [
    _span(1, "2026-05-11T23:58:00.000Z", (100, 10, 1000, 50)),
    _span(2, "2026-05-11T23:59:59.999Z", (200, 20, 2000, 0)),
    _usage(1, "2026-05-11T23:59:59.999Z", 40, 600.0),
    _span(3, "2026-05-12T00:00:00.001Z", (400, 40, 0, 500)),
    _usage(2, "2026-05-12T00:10:00Z", 100, 1800.0),
]


def _ingest(mirror: Mirror, sid: str, events: list[dict], thread: str | None = None) -> None:
    mirror.writer.submit("ingest", sid, events, thread_id=thread).result()


def _day_figures(mirror: Mirror) -> list[tuple[Any, ...]]:
    return [
        (d.key, d.list_cost_cents, d.active_seconds, d.requests, d.input_tokens,
         d.output_tokens, d.cache_read_tokens, d.cache_write_tokens)
        for d in mirror.reader.cost_rows("day")
    ]  # fmt: skip


EXPECTED_DAYS = [
    ("2026-05-11", 40, 600.0, 2, 300, 30, 3000, 50),
    ("2026-05-12", 60, 1200.0, 1, 400, 40, 0, 500),
]


def test_day_split_across_midnight(mirror):
    _ingest(mirror, "sesn_a", EVENTS)
    assert _day_figures(mirror) == EXPECTED_DAYS
    totals = mirror.reader.cost_totals()
    assert (totals.list_cost_cents, totals.requests, totals.input_tokens) == (100, 3, 700)
    assert totals.active_seconds == 1800.0 and totals.runtime_cents == 4  # half an hour at 8c/h
    late = mirror.reader.cost_totals(since="2026-05-12")
    assert (late.list_cost_cents, late.active_seconds, late.cache_write_tokens) == (60, 1200, 500)
    early = mirror.reader.cost_totals(until="2026-05-11")
    assert (early.list_cost_cents, early.requests, early.sessions) == (40, 2, 1)


def test_redelivery_never_counts_twice(mirror):
    _ingest(mirror, "sesn_a", EVENTS)
    before = (_day_figures(mirror), mirror.reader.cost_totals())
    _ingest(mirror, "sesn_a", EVENTS)  # the same batch again
    for event in EVENTS:  # one at a time, as a reconnecting stream re-lists history
        _ingest(mirror, "sesn_a", [event])
    _ingest(mirror, "sesn_a", EVENTS[:2], thread="sthr_child")  # cross-posted on a thread stream
    _ingest(mirror, "sesn_a", [EVENTS[0], EVENTS[0]])  # twice inside one batch
    assert (_day_figures(mirror), mirror.reader.cost_totals()) == before
    mirror.writer.submit("recompute_session", "sesn_a").result()
    assert (_day_figures(mirror), mirror.reader.cost_totals()) == before


def test_reports_out_of_order_and_session_object_first(mirror):
    """A Session object polled before the events, and a back-filled older report, still put
    each day's cumulative figure on its day."""
    final = _session("sesn_a", updated_at="2026-05-12T00:10:00Z")
    final["usage"] = EVENTS[4]["usage"]
    mirror.writer.submit("upsert_sessions", [final]).result()
    _ingest(mirror, "sesn_a", list(reversed(EVENTS)))
    assert _day_figures(mirror) == EXPECTED_DAYS


def test_groupings_and_labels(mirror):
    mirror.writer.submit(
        "upsert_sessions",
        [_session("sesn_a"), _session("sesn_b"), _session("sesn_c", agent="agent_y", env="env_b")],
    ).result()
    mirror.writer.submit(
        "upsert_environments", [{"id": "env_a", "name": "prod box", "config": {}}]
    ).result()
    _ingest(mirror, "sesn_a", EVENTS)
    _ingest(mirror, "sesn_b", [_usage(9, "2026-05-12T01:00:00Z", 500, 60.0)])
    _ingest(mirror, "sesn_c", [_span(7, "2026-05-12T02:00:00Z", (1, 2, 3, 4))])
    sessions = mirror.reader.cost_rows("session")
    assert [(r.key, r.list_cost_cents, r.requests) for r in sessions] == [
        ("sesn_b", 500, 0),
        ("sesn_a", 100, 3),
        ("sesn_c", 0, 1),
    ]
    assert (sessions[0].label, sessions[0].agent_name) == ("title of sesn_b", "AGENT_X")
    assert [r.key for r in mirror.reader.cost_rows("session", limit=1, offset=1)] == ["sesn_a"]
    agents = mirror.reader.cost_rows("agent")
    assert [(r.key, r.label, r.sessions, r.list_cost_cents) for r in agents] == [
        ("agent_x", "AGENT_X", 2, 600),
        ("agent_y", "AGENT_Y", 1, 0),
    ]
    envs = {r.key: (r.label, r.total_tokens) for r in mirror.reader.cost_rows("environment")}
    assert envs == {"env_a": ("prod box", 1160 + 2220 + 940), "env_b": (None, 10)}
    (model,) = mirror.reader.cost_rows("model")
    assert (model.key, model.sessions, model.list_cost_cents) == ("claude-opus-4-7", 3, 600)
    with pytest.raises(ValueError, match="unknown ledger grouping"):
        mirror.reader.cost_rows("planet")


def test_tokens_take_the_larger_of_report_and_requests(mirror):
    """Without dates a session's tokens are its server report or its mirrored requests,
    whichever is further along (a report lags a running turn; an unfollowed session has no
    requests mirrored)."""
    polled = _session("sesn_polled")
    polled["usage"] = {"input_tokens": 5000, "output_tokens": 7}
    mirror.writer.submit("upsert_sessions", [polled]).result()
    _ingest(mirror, "sesn_polled", [_span(1, "2026-05-12T00:00:00Z", (10, 90, 0, 0))])
    (row,) = mirror.reader.cost_rows("session")
    assert (row.input_tokens, row.output_tokens, row.requests) == (5000, 90, 1)
    # Within dates, only mirrored requests count.
    (day,) = mirror.reader.cost_rows("session", since="2026-05-12")
    assert (day.input_tokens, day.output_tokens) == (10, 90)


def _budgeted(mirror: Mirror, sid: str, cents: int, cap: int, day: str = "2026-05-12") -> None:
    _ingest(mirror, sid, [_usage(hash(sid) % 10_000, f"{day}T08:00:00Z", cents, 1.0, cap)])


def test_session_budgets_warn_at_80_and_reach_at_100(mirror):
    for sid, cents in (("sesn_79", 79), ("sesn_80", 80), ("sesn_100", 100), ("sesn_120", 120)):
        _budgeted(mirror, sid, cents, 100)
    _budgeted(mirror, "sesn_nobudget", 5000, 0)
    states = mirror.reader.cost_budgets(today="2026-05-12")
    assert [(s.scope, s.key, s.level) for s in states] == [
        ("session", "sesn_120", "reached"),
        ("session", "sesn_100", "reached"),
        ("session", "sesn_80", "warning"),
    ]
    assert states[2].percent == 80.0


def test_user_caps_by_day_month_and_agent(mirror, kit):
    mirror.writer.submit(
        "upsert_sessions",
        [_session("sesn_x1"), _session("sesn_x2"), _session("sesn_y", agent="agent_y")],
    ).result()
    _ingest(mirror, "sesn_x1", [_usage(1, "2026-05-02T10:00:00Z", 300, 1.0)])  # this month
    _ingest(mirror, "sesn_x2", [_usage(2, "2026-05-12T10:00:00Z", 79, 1.0)])  # today
    _ingest(mirror, "sesn_y", [_usage(3, "2026-04-30T10:00:00Z", 999, 1.0)])  # last month
    caps = [
        ("daily", None, 100),  # 79%: ok
        ("daily", None, 99),  # 79.8%: still ok (not rounded up)
        ("daily", "AGENT_X", 98),  # 80.6%: warning, matched by name
        ("monthly", "agent_x", 379),  # 100%: reached, matched by id
        ("monthly", "agent_y", 100),  # nothing this month
    ]
    states = mirror.reader.cost_budgets(caps, today="2026-05-12")
    assert [(s.scope, s.key, s.spent_cents, s.level) for s in states] == [
        ("daily", None, 79, "ok"),
        ("daily", None, 79, "ok"),
        ("daily", "AGENT_X", 79, "warning"),
        ("monthly", "agent_x", 379, "reached"),
        ("monthly", "agent_y", 0, "ok"),
    ]
    # Imported sessions (someone else's runs) never count against the user's caps.
    mirror.writer.submit("noop").result()
    kit.sql("UPDATE sessions SET origin = 'import' WHERE id = 'sesn_x2'")
    assert mirror.reader.cost_budgets(caps[:1], today="2026-05-12")[0].spent_cents == 0


def _v2_file(path: Path) -> None:
    """A mirror as drover wrote it at schema v2: the same events, with v2's daily_cost."""
    db = connect(path)
    conn = db.conn
    conn.execute("PRAGMA journal_mode = WAL")
    for version, step in enumerate(MIGRATIONS[:2], start=1):
        step(conn)
        conn.execute(f"PRAGMA user_version = {version}")
    session = _session("sesn_a", updated_at="2026-05-12T00:10:00Z")
    session["usage"] = EVENTS[4]["usage"]
    conn.execute(
        "INSERT INTO sessions(id, raw, list_cost_cents) VALUES (?, ?, ?)",
        ("sesn_a", json.dumps(session), 100),
    )
    for event in EVENTS:
        conn.execute(
            "INSERT INTO events(id, session_id, on_primary, type, processed_at, raw) "
            "VALUES (?, 'sesn_a', 1, ?, ?, ?)",
            (event["id"], event["type"], event["processed_at"], json.dumps(event)),
        )
    conn.executemany(
        "INSERT INTO daily_cost(session_id, day, list_cost_cents) VALUES ('sesn_a', ?, ?)",
        [("2026-05-11", 40), ("2026-05-12", 100)],
    )
    conn.close()


def test_migration_v3_backfills_from_a_v2_file(tmp_path):
    path = tmp_path / "old.db"
    _v2_file(path)
    with Mirror.open(path) as mirror:
        mirror.writer.submit("noop").result()
        migrated = (_day_figures(mirror), mirror.reader.cost_totals(since="2026-05-01"))
    check = sqlite3.connect(path)
    assert check.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION >= 3
    check.close()
    assert migrated[0] == EXPECTED_DAYS
    with Mirror.open(tmp_path / "fresh.db") as fresh:  # the same log ingested today
        _ingest(fresh, "sesn_a", EVENTS)
        assert migrated == (_day_figures(fresh), fresh.reader.cost_totals(since="2026-05-01"))


@pytest.mark.sqlite_only
def test_ledger_queries_never_read_events(mirror):
    """Every query plan touches only sessions, agents, environments and the per-day tables
    (the ledger must stay cheap on a 1M-event mirror)."""
    _ingest(mirror, "sesn_a", EVENTS)
    conn = sqlite3.connect(mirror.writer.path)
    seen: list[str] = []
    conn.set_trace_callback(seen.append)
    for window in ({}, {"since": "2026-05-12"}, {"until": "2026-05-11"}):
        ledger.ledger_totals(conn, **window)
        for by in ledger.DIMENSIONS:
            ledger.ledger_rows(conn, by, limit=5, **window)  # type: ignore[arg-type]
    ledger.budget_states(conn, [("daily", None, 100), ("monthly", "x", 5)], today="2026-05-12")
    conn.set_trace_callback(None)
    # (By deployment also asks for the totals: the sessions of no deployment are the rest.)
    assert len(seen) == 3 * (2 + len(ledger.DIMENSIONS)) + 3
    for sql in seen:
        assert not re.search(r"\bevents\b", sql), sql
        plan = " ".join(row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}"))
        assert not re.search(r"\bevents(_|\b)", plan), (sql, plan)
    conn.close()


_REQUESTS_AGREE = (
    "SELECT s.id, s.req_count, s.req_input, s.req_output, s.req_cache_read, s.req_cache_write, "
    "u.r, u.i, u.o, u.cr, u.cw FROM sessions s LEFT JOIN (SELECT session_id, sum(requests) r, "
    "sum(input_tokens) i, sum(output_tokens) o, sum(cache_read_tokens) cr, "
    "sum(cache_write_tokens) cw FROM daily_usage GROUP BY session_id) u ON u.session_id = s.id "
    "ORDER BY s.id"
)


def _request_totals(kit) -> list[tuple[Any, ...]]:
    """Each session's (id, req_* columns), checked against its daily_usage rows summed."""
    rows = [tuple(row) for row in kit.sql(_REQUESTS_AGREE)]
    for sid, *kept, r, i, o, cr, cw in rows:
        assert kept == [r or 0, i or 0, o or 0, cr or 0, cw or 0], sid
    return [(row[0], *row[1:6]) for row in rows]


def test_session_request_totals_follow_the_per_day_rows(mirror, kit):
    """`sessions.req_*` (what the all-time ledger reads) are `daily_usage` summed, after
    ingest, a re-delivery, a second stream and a rebuild of the session."""
    _ingest(mirror, "sesn_a", EVENTS)
    _ingest(mirror, "sesn_a", EVENTS[:2])  # delivered again: counted once
    _ingest(mirror, "sesn_b", [_span(9, "2026-05-12T01:00:00Z", (1, 2, 3, 4))], thread="th_1")
    assert _request_totals(kit) == [("sesn_a", 3, 700, 70, 3000, 550), ("sesn_b", 1, 1, 2, 3, 4)]
    mirror.writer.submit("recompute_session", "sesn_a").result()
    assert _request_totals(kit)[0] == ("sesn_a", 3, 700, 70, 3000, 550)


def test_migration_v13_fills_request_totals_from_the_per_day_rows(tmp_path):
    path = tmp_path / "v12.db"
    db = connect(path)
    assert migrate(db, upto=12) == 12
    db.conn.executemany(
        "INSERT INTO daily_usage(session_id, day, requests, input_tokens, output_tokens, "
        "cache_read_tokens, cache_write_tokens) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            ("sesn_a", "2026-05-11", 2, 300, 30, 3000, 50),
            ("sesn_a", "2026-05-12", 1, 400, 40, 0, 500),
        ],
    )
    db.conn.executemany("INSERT INTO sessions(id) VALUES (?)", [("sesn_a",), ("sesn_quiet",)])
    db.conn.close()
    with Mirror.open(path) as mirror:
        (row,) = mirror.reader.cost_rows("session", limit=1)
        assert (row.key, row.requests, row.input_tokens, row.cache_write_tokens) == (
            "sesn_a", 3, 700, 550,
        )  # fmt: skip
    check = sqlite3.connect(path)
    assert check.execute(
        "SELECT id, req_count, req_input, req_output, req_cache_read, req_cache_write "
        "FROM sessions ORDER BY id"
    ).fetchall() == [("sesn_a", 3, 700, 70, 3000, 550), ("sesn_quiet", 0, 0, 0, 0, 0)]
    check.close()
