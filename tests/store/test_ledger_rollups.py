"""The ledger's rollups (`drover.store.ledger_rollups`) give the answers a from-scratch
aggregate over the sessions and per-day rows gives, on both backends: after random ingest
(re-deliveries, several days, usage reports out of order), a rebuild of sessions, a session
moving to another agent, and rows deleted; and the migration's step fills them from existing rows
(SQLite v15 from a v14 file; both backends by running the step again)."""

from __future__ import annotations

import random
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from drover.store.dialect import POSTGRESQL, SQLITE
from drover.store.ledger_rollups import ledger_rollup_ddl
from drover.store.ledger_windows import ledger_window_ddl
from drover.store.migrations import connect, migrate
from drover.store.mirror import Mirror

DAYS = ["2026-05-10", "2026-05-11", "2026-05-12", "2026-05-13"]
FIGURES = ("list_cost_cents", "active_seconds", "input_tokens", "output_tokens",
           "cache_read_tokens", "cache_write_tokens", "requests")  # fmt: skip


def _session(sid: str, agent: str, env: str | None) -> dict[str, Any]:
    return {
        "id": sid, "type": "session", "status": "idle", "title": sid,
        "agent": {"id": agent, "name": agent.upper(), "model": {"id": f"model-{agent[-1]}"}},
        "environment_id": env,
        # Some sessions were made by a deployment (`session_refs`), the others by none.
        "deployment_id": {"agent_a": "depl_1", "agent_b": "depl_2"}.get(agent),
    }  # fmt: skip


def _events(rng: random.Random, sid: str) -> list[dict[str, Any]]:
    """Model requests and cumulative usage reports of one session over random days."""
    out: list[dict[str, Any]] = []
    cents, active = 0, 0.0
    for n in range(rng.randint(1, 12)):
        at = f"{rng.choice(DAYS)}T{rng.randint(0, 23):02}:{rng.randint(0, 59):02}:00Z"
        if rng.random() < 0.6:
            out.append({
                "type": "span.model_request_end", "id": f"sevt_{sid}_r{n}",
                "model_request_start_id": f"sevt_{sid}_s{n}", "is_error": False,
                "model_usage": {
                    "input_tokens": rng.randint(0, 900), "output_tokens": rng.randint(0, 90),
                    "cache_read_input_tokens": rng.randint(0, 5000),
                    "cache_creation_input_tokens": rng.randint(0, 50),
                },
                "processed_at": at,
            })  # fmt: skip
        else:
            cents += rng.randint(0, 40)
            active += rng.randint(0, 3000) / 7  # not a round number of seconds
            out.append({
                "type": "session.usage", "id": f"sevt_{sid}_u{n}", "processed_at": at,
                "usage": {"list_cost": {"amount": str(cents), "currency": "USD"},
                          "active_seconds": active},
            })  # fmt: skip
    return out


def _from_scratch(kit: Any) -> tuple[dict[str, Any], dict[str, dict[Any, list[Any]]]]:
    """(by day, by grouping) aggregated from `sessions` and the per-day rows alone."""
    days: dict[str, list[Any]] = defaultdict(lambda: [set(), 0, 0.0, 0, 0, 0, 0, 0])
    for sid, day, cents, active in kit.sql(
        "SELECT session_id, day, spent_cents, runtime_seconds FROM daily_cost"
    ):
        row = days[day]
        row[0].add(sid)
        row[1] += cents
        row[2] += active
    for sid, day, *usage in kit.sql(
        "SELECT session_id, day, input_tokens, output_tokens, cache_read_tokens, "
        "cache_write_tokens, requests FROM daily_usage"
    ):
        row = days[day]
        row[0].add(sid)
        for index, value in enumerate(usage, start=3):
            row[index] += value
    by_day = {day: [len(row[0]), *row[1:]] for day, row in days.items()}
    groups: dict[str, dict[Any, list[Any]]] = {
        g: defaultdict(lambda: [0, 0, 0.0, 0, 0, 0, 0, 0])
        for g in ("agent", "environment", "model", "deployment")
    }
    for agent, env, model, deployment, cents, active, *tokens, requests in kit.sql(
        "SELECT agent_id, environment_id, model_id, r.deployment_id, list_cost_cents, "
        "active_seconds, input_tokens, req_input, output_tokens, req_output, cache_read_tokens, "
        "req_cache_read, cache_creation_tokens, req_cache_write, req_count FROM sessions s "
        "LEFT JOIN session_refs r ON r.session_id = s.id"
    ):
        pairs = zip(tokens[::2], tokens[1::2], strict=True)
        figures = [cents or 0, active or 0.0, *(max(t or 0, r) for t, r in pairs), requests]
        keys = (
            ("agent", agent),
            ("environment", env),
            ("model", model),
            ("deployment", deployment),
        )
        for grouping, key in keys:
            row = groups[grouping][key]
            row[0] += 1
            for index, value in enumerate(figures, start=1):
                row[index] += value
    return by_day, groups


def _window_groups(kit: Any, since: str, until: str) -> dict[str, dict[Any, list[Any]]]:
    """Groupings over a window, from the per-day rows of sessions that have a session row."""
    groups: dict[str, dict[Any, list[Any]]] = {
        g: defaultdict(lambda: [set(), 0, 0.0, 0, 0, 0, 0, 0])
        for g in ("agent", "environment", "model", "deployment", "total")
    }
    rows = kit.sql(
        "SELECT s.id, s.agent_id, s.environment_id, s.model_id, r.deployment_id, f.* FROM ("
        "SELECT session_id, day, spent_cents, runtime_seconds, 0 AS i, 0 AS o, 0 AS cr, "
        "0 AS cw, 0 AS r FROM daily_cost UNION ALL SELECT session_id, day, 0, 0, input_tokens, "
        "output_tokens, cache_read_tokens, cache_write_tokens, requests FROM daily_usage) f "
        "JOIN sessions s ON s.id = f.session_id LEFT JOIN session_refs r ON r.session_id = s.id "
        "WHERE f.day BETWEEN ? AND ?",
        (since, until),
    )
    for sid, agent, env, model, deployment, _sid, _day, *figures in rows:
        keys = (
            ("agent", agent), ("environment", env), ("model", model),
            ("deployment", deployment), ("total", None),
        )  # fmt: skip
        for grouping, key in keys:
            row = groups[grouping][key]
            row[0].add(sid)
            for index, value in enumerate(figures, start=1):
                row[index] += value
    return {g: {k: [len(v[0]), *v[1:]] for k, v in rows.items()} for g, rows in groups.items()}


def _figures(row: Any) -> list[Any]:
    return [row.sessions, *(getattr(row, f) for f in FIGURES)]


def _approx(rows: dict[Any, list[Any]]) -> dict[Any, Any]:
    return {k: [*v[:2], pytest.approx(v[2]), *v[3:]] for k, v in rows.items()}


def _agrees(mirror: Mirror, kit: Any) -> None:
    by_day, groups = _from_scratch(kit)
    reader = mirror.reader
    assert {r.key: _figures(r) for r in reader.cost_rows("day")} == _approx(by_day)
    window = {d: v for d, v in by_day.items() if DAYS[1] <= d <= DAYS[2]}
    assert {
        r.key: _figures(r) for r in reader.cost_rows("day", since=DAYS[1], until=DAYS[2])
    } == _approx(window)
    for grouping, rows in groups.items():
        got = {r.key: _figures(r) for r in reader.cost_rows(grouping)}  # type: ignore[arg-type]
        assert got == _approx(rows), grouping
    totals = [sum(v[i] for v in groups["agent"].values()) for i in range(8)]
    assert _figures(reader.cost_totals()) == [*totals[:2], pytest.approx(totals[2]), *totals[3:]]
    for since, until in ((DAYS[0], DAYS[0]), (DAYS[1], DAYS[2]), (DAYS[1], DAYS[3])):
        windowed = _window_groups(kit, since, until)
        total = windowed.pop("total").get(None, [0, 0, 0.0, 0, 0, 0, 0, 0])
        got_total = _figures(reader.cost_totals(since=since, until=until))
        assert got_total == [*total[:2], pytest.approx(total[2]), *total[3:]], (since, until)
        for grouping, rows in windowed.items():
            got = {
                r.key: _figures(r)
                for r in reader.cost_rows(grouping, since=since, until=until)  # type: ignore[arg-type]
            }
            assert got == _approx(rows), (grouping, since, until)


def test_rollups_equal_a_from_scratch_aggregate(mirror, kit, backend):
    rng = random.Random(13)
    submit = mirror.writer.submit
    sids = [f"sesn_{n}" for n in range(8)]
    for sid in sids:
        agent, env = rng.choice(["agent_a", "agent_b", "agent_c"]), rng.choice(["env_1", None])
        submit("upsert_sessions", [_session(sid, agent, env)]).result()
        events = _events(rng, sid)
        rng.shuffle(events)  # reports out of order
        for start in range(0, len(events), 3):
            submit("ingest", sid, events[start : start + 3]).result()
        submit("ingest", sid, events[:2]).result()  # delivered again: counted once
    submit("ingest", "sesn_no_object", _events(rng, "sesn_no_object")).result()  # no agent
    _agrees(mirror, kit)
    for sid in rng.sample(sids, 3):
        submit("recompute_session", sid).result()
    submit("upsert_sessions", [_session(sids[0], "agent_z", "env_2")]).result()  # moves group
    _agrees(mirror, kit)
    # Rows deleted a row per statement (as `clear_daily` does; see drover.store.ledger_windows):
    # a session's requests, every row of a day in the middle of sessions, a session row.
    one = "DELETE FROM {} WHERE session_id = ? AND day = ?"
    for (day,) in kit.sql("SELECT day FROM daily_usage WHERE session_id = ?", (sids[1],)):
        kit.sql(one.format("daily_usage"), (sids[1], day))
    for sid in sids[2:5]:
        for table in ("daily_cost", "daily_usage"):
            kit.sql(one.format(table), (sid, DAYS[1]))
    kit.sql("DELETE FROM sessions WHERE id = ?", (sids[5],))
    _agrees(mirror, kit)
    # The migration's step run again on these rows: the rollups summed afresh, no different.
    dialect = POSTGRESQL if backend == "postgresql" else SQLITE
    for statement in [*ledger_rollup_ddl(dialect), *ledger_window_ddl(dialect)]:
        kit.sql(statement)
    _agrees(mirror, kit)


V14_ROWS = {
    "sessions(id, agent_id, list_cost_cents, active_seconds, req_count)": [
        ("sesn_a", "agent_a", 70, 1.5, 3), ("sesn_b", None, 5, None, 0),
    ],
    "daily_cost(session_id, day, list_cost_cents, spent_cents, runtime_seconds)": [
        ("sesn_a", DAYS[0], 30, 30, 1.0), ("sesn_a", DAYS[1], 70, 40, 0.5),
    ],
    "daily_usage(session_id, day, requests, input_tokens)": [("sesn_b", DAYS[1], 3, 10)],
}  # fmt: skip


def test_migration_v15_fills_the_rollups(tmp_path: Path) -> None:
    path = tmp_path / "v14.db"
    db = connect(path)
    assert migrate(db, upto=14) == 14
    for table, rows in V14_ROWS.items():
        marks = ", ".join("?" * len(rows[0]))
        db.conn.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
    db.conn.close()
    with Mirror.open(path) as mirror:
        agents = {r.key: _figures(r) for r in mirror.reader.cost_rows("agent")}
        assert agents == {"agent_a": [1, 70, 1.5, 0, 0, 0, 0, 3], None: [1, 5, 0.0, 0, 0, 0, 0, 0]}
        days = {r.key: _figures(r) for r in mirror.reader.cost_rows("day")}
        assert days == {DAYS[0]: [1, 30, 1.0, 0, 0, 0, 0, 0], DAYS[1]: [2, 40, 0.5, 10, 0, 0, 0, 3]}
