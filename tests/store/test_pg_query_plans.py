"""P7 on PostgreSQL: no hot path reads `sessions` or `events` with a sequential scan.

The same hot paths as the SQLite plan test (`hot_path_calls.hot_paths`: the fleet's orders,
the header's counts, the inbox and attention, search facets, the cost ledger, a session's
open, pages and seek) run through `PgMirrorReader` on a generated mirror in a throwaway
cluster, recording every statement; each is then planned with `EXPLAIN (FORMAT JSON)` under
`SET enable_seqscan = off`. That setting makes a sequential scan cost so much that the planner
takes any index that can answer the statement, so a `Seq Scan` of `sessions` or `events` left
in the plan means no usable index exists (on a small table PostgreSQL would otherwise rightly
prefer a scan, and the test would say nothing about 100,000 sessions). A walk of a whole index
is allowed, as the SQLite test allows a covering index walk: the ledger's all-time figures
visit one index entry per session by design.

A second test drops each index a hot path relies on and checks the first would then fail.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from hot_path_calls import hot_paths
from mirror_gen import build_mirror

from drover.store.pg.conn import PgConn, connect
from drover.store.pg.reader import PgMirrorReader
from drover.store.pg.schema import migrate

TABLES = {"sessions", "events"}


@pytest.fixture(scope="module")
def seeded(pg_cluster: Any) -> str:
    """A generated mirror (120 sessions, 6,000 events) in a schema of its own, analysed."""
    url = str(pg_cluster.new_schema())
    build_mirror(url, sessions=120, events=6000, big_session=1000, seed=5, progress=False)
    conn = connect(url)
    try:
        conn.execute("ANALYZE")
    finally:
        conn.close()
    return url


def _seq_scans(plan: dict[str, Any]) -> Iterator[str]:
    """The relations of `sessions`/`events` that a plan (node tree) reads sequentially."""
    if plan.get("Node Type") == "Seq Scan" and plan.get("Relation Name") in TABLES:
        yield f"Seq Scan on {plan['Relation Name']}"
    for child in plan.get("Plans", []):
        yield from _seq_scans(child)


def _offenders(url: str, only: str | None = None) -> dict[str, list[str]]:
    reader = PgMirrorReader(url)
    recorded: list[tuple[str, Any]] = []
    original = PgConn.execute

    def recording(self: PgConn, sql: str, parameters: Any = (), /) -> Any:
        if sql.lstrip().upper().startswith(("SELECT", "WITH")):
            recorded.append((sql, parameters))
        return original(self, sql, parameters)

    try:
        paths = list(hot_paths(reader))
        conn = reader._conn()
        assert isinstance(conn, PgConn)
        conn.execute("SET enable_seqscan = off")
        out: dict[str, list[str]] = {}
        for name, call in paths:
            if only is not None and name != only:
                continue
            recorded.clear()
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr(PgConn, "execute", recording)
                call()
            assert recorded, f"{name} ran no query"
            bad = []
            for sql, parameters in recorded:
                (plan,) = conn.execute(f"EXPLAIN (FORMAT JSON) {sql}", parameters).fetchone()
                plan = json.loads(plan) if isinstance(plan, str) else plan
                bad += [f"{scan}  <-  {' '.join(sql.split())[:160]}" for scan in
                        _seq_scans(plan[0]["Plan"])]  # fmt: skip
            if bad:
                out[name] = bad
        return out
    finally:
        reader.close()


def test_no_hot_path_scans_sessions_or_events(seeded: str) -> None:
    offenders = _offenders(seeded)
    assert offenders == {}, "\n".join(f"{k}: {line}" for k, v in offenders.items() for line in v)


# Each index a hot path relies on, and one of the paths that would scan without it. (The
# fleet's, counts', budgets' and transcripts' indexes are not here: without one, PostgreSQL
# finds another index that answers the statement, and sorts or filters.)
NEEDED = [
    ("sessions_attention", "attention baseline"),
    ("sessions_last_event", "search after:{today}"),
    ("sessions_agent_name_exact", "ledger budgets"),
]


@pytest.mark.parametrize(("index", "path"), NEEDED)
def test_the_plan_check_fails_without_each_index(pg_cluster: Any, index: str, path: str) -> None:
    url = str(pg_cluster.new_schema())
    build_mirror(url, sessions=30, events=1500, big_session=300, seed=5, progress=False)
    conn = connect(url)
    try:
        migrate(conn)
        name = path.format(today=conn.execute("SELECT max(day) FROM daily_cost").fetchone()[0])
        assert _offenders(url, only=name) == {}
        conn.execute(f"DROP INDEX {index}")
    finally:
        conn.close()
    assert name in _offenders(url, only=name)
