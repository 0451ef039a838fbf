"""Viewer speed on both backends, quickly: the same mirror in SQLite and in PostgreSQL, the
reads a viewer makes, PostgreSQL's time as a ratio to SQLite's (not yet the full P3/P4/P5
benchmark, which wants the 1M-event mirror on PostgreSQL too).

Run: `pytest benchmarks/test_bench_backends.py -m bench -s`. The PostgreSQL side is a throwaway
cluster on this machine (`tests/pg.py`, Unix socket, durability off), or the database in
`DROVER_BENCH_PG_URL` (an empty one: the benchmark creates its tables there). It is `ANALYZE`d
after the build, as autovacuum would have done on a hub's server: without statistics the
planner walks whole indexes (transcript pages and facet searches take 5-10x longer).

Measured, each the median (or p95) of several rounds, store reads only (no UI):

* **cold open** — `Mirror.open` on an existing mirror, then the fleet's first screen
  (`fleet_ids`, `fleet_rows` of 40, `header_counts`);
* **open a session** — what the session screen reads for a `DROVER_BENCH_BACKEND_EVENTS`-event
  session (default 10,000): its row, threads, outbox, the newest page of 200 and the lane's span;
* **seek** — `seq_at_time` to the middle and the page there;
* **search** — the first page (50 hits) of common and rare words, a prefix, a phrase and
  facets; the p95 over all of them.
"""

from __future__ import annotations

import os
import random
import statistics
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from drover.store.fleet import FleetQuery
from drover.store.mirror import Mirror

pytestmark = [pytest.mark.bench, pytest.mark.timeout(3600)]

EVENTS = int(os.environ.get("DROVER_BENCH_BACKEND_EVENTS", "10000"))
SESSIONS = 200
ROUNDS = 7
TARGETS = {"open": 150.0, "seek": 50.0, "search p95": 100.0}  # docs/PERFORMANCE.md P4, P5
BIG = "sesn_big"
QUERIES = ("the", "zanzibar", "pars*", '"flaky test"', "error agent:bencher",
           "the type:tool_use", "run after:2026-05-12T06:00:00Z", "commit tool:bash")  # fmt: skip
_WORDS = ("the", "test", "parser", "flaky", "fix", "bash", "pytest", "run", "file", "repo",
          "commit", "diff", "error", "retry")  # fmt: skip


def _events(prefix: str, count: int, rng: random.Random) -> list[dict[str, Any]]:
    out = []
    for i in range(count):
        text = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(6, 30)))
        if i == count // 3:
            text += " zanzibar"
        at = f"2026-05-12T{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}.{i % 1000:03d}Z"
        if i % 4 == 1:
            event = {"type": "agent.tool_use", "name": "bash", "input": {"command": text[:60]}}
        else:
            etype = ("agent.message", "agent.tool_use", "agent.tool_result", "user.message")[i % 4]
            event = {"type": etype, "content": [{"type": "text", "text": text}]}
        out.append({**event, "id": f"sevt_{prefix}_{i}", "processed_at": at})
    return out


def _build(location: str | Path) -> None:
    rng = random.Random(7)
    sessions = [BIG, *(f"sesn_{i:04d}" for i in range(SESSIONS))]
    with Mirror.open(location) as mirror:
        mirror.writer.submit("upsert_sessions", [
            {"id": sid, "title": f"bench {sid}", "status": "idle",
             "agent": {"id": "agent_b", "name": "bencher"}, "created_at": "2026-05-12T00:00:00Z",
             "updated_at": "2026-05-12T00:00:00Z"} for sid in sessions
        ]).result()  # fmt: skip
        for start in range(0, EVENTS, 2000):
            batch = _events(f"b{start}", min(2000, EVENTS - start), rng)
            mirror.writer.submit("ingest", BIG, batch).result()
        for sid in sessions[1:]:
            mirror.writer.submit("ingest", sid, _events(sid, 20, rng)).result()
    if isinstance(location, str):  # the planner's statistics, as autovacuum keeps them
        from drover.store.pg.conn import connect

        conn = connect(location)
        conn.execute("ANALYZE")
        conn.close()


@pytest.fixture(scope="module")
def locations(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str | Path]]:
    """The same mirror on both backends: {"sqlite": path, "postgresql": url}."""
    from pg import start_cluster

    cluster = None
    url = os.environ.get("DROVER_BENCH_PG_URL")
    if not url:
        cluster = start_cluster()
        url = cluster.new_schema()
    found: dict[str, str | Path] = {
        "sqlite": tmp_path_factory.mktemp("backends") / "mirror.db",
        "postgresql": url,
    }
    for name, location in found.items():
        started = time.perf_counter()
        _build(location)
        print(f"\n[build] {name}: {EVENTS:,} + {SESSIONS * 20:,} events in "
              f"{time.perf_counter() - started:.1f} s")  # fmt: skip
    yield found
    if cluster is not None:
        cluster.stop()


def _ms(action: Callable[[], Any], rounds: int = ROUNDS) -> list[float]:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def _measure(location: str | Path) -> dict[str, float]:
    def cold_open() -> None:
        with Mirror.open(location) as mirror:
            ids = mirror.reader.fleet_ids(FleetQuery())
            mirror.reader.fleet_rows(ids[:40])
            mirror.reader.header_counts(today="2026-05-12")

    figures = {"cold open": statistics.median(_ms(cold_open))}
    with Mirror.open(location) as mirror:
        reader = mirror.reader
        span = reader.lane_span(BIG, None)
        assert span is not None and span.first_at is not None and span.last_at is not None
        middle = span.first_at + (span.last_at - span.first_at) / 2

        def open_session() -> None:
            reader.session(BIG)
            reader.threads(BIG)
            reader.outbox(BIG)
            reader.transcript(BIG, limit=200)
            reader.lane_span(BIG, None)

        def seek() -> None:
            seq = reader.seq_at_time(BIG, None, middle + timedelta(seconds=1))
            reader.transcript(BIG, after_seq=(seq or 1) - 1, limit=200)

        figures["open"] = statistics.median(_ms(open_session))
        figures["seek"] = statistics.median(_ms(seek))
        searches = [ms for query in QUERIES for ms in _ms(lambda q=query: reader.search(q))]
        figures["search p95"] = statistics.quantiles(searches, n=20)[-1]
        figures["search median"] = statistics.median(searches)
        for query in QUERIES:
            figures[f"search {query}"] = statistics.median(_ms(lambda q=query: reader.search(q)))
    return figures


def test_viewer_reads_on_postgresql_against_sqlite(locations: dict[str, str | Path]) -> None:
    sqlite, postgres = _measure(locations["sqlite"]), _measure(locations["postgresql"])
    print(f"\n[backends] {EVENTS:,}-event session, {SESSIONS} small ones; ms, median unless p95")
    print(f"{'':28} {'SQLite':>9} {'PostgreSQL':>11} {'ratio':>7}  target")
    for name in sqlite:
        target = TARGETS.get(name)
        shown = f"≤ {target:.0f} ms" if target else ""
        print(f"{name:28} {sqlite[name]:9.2f} {postgres[name]:11.2f} "
              f"{postgres[name] / max(sqlite[name], 1e-3):7.2f}  {shown}")  # fmt: skip
    # The same answers, whatever the speed.
    with Mirror.open(locations["sqlite"]) as lite, Mirror.open(locations["postgresql"]) as pg:
        for query in QUERIES:
            ids = [[h.event_id for h in m.reader.search(query)] for m in (lite, pg)]
            assert ids[0] == ids[1], query
