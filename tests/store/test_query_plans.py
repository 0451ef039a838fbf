"""P7: no hot path scans `sessions` or `events` (docs/PERFORMANCE.md).

The hot paths are what the TUI and `drover ls` run while a user waits or while changes stream
in: opening (the fleet's first page, its counts), ordering and re-sorting the fleet (every sort
key, the inbox, a page after a keyset cursor), the header (counts, spend today, budgets), the
inbox, attention (its baseline, the rows of changed sessions), the cost ledger (totals and
every grouping, all time and in a window) and search facets (`agent:`, `session:`,
`status:`, `type:`, `after:`, with and without words).

Each is run through the public `MirrorReader` methods on a small generated mirror while a
trace callback records every statement they execute; each statement's plan must have no
`SCAN` of `sessions` or `events` (a table walk, or a walk of a whole index of them), nor a
`SEARCH` of them that uses no index (how SQLite describes `max()` over a whole table). The plans
are checked twice: as a user's mirror has them (no statistics: SQLite's own estimates), and
with `sqlite_stat1` statistics scaled to 100,000 sessions / 10,000,000 events from an `ANALYZE`
of the small mirror, so the planner weighs the indexes as it would at that size. A second test
drops each index a hot path relies on and checks that the first one would then fail.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from mirror_gen import build_mirror

from drover.store.fleet import SORT_KEYS, FleetQuery
from drover.store.reader import MirrorReader

SESSIONS, EVENTS = 100_000, 10_000_000
"""The size the statistics are scaled to."""
_TABLE = re.compile(r"\b(?:FROM|JOIN)\s+(sessions|events)(?:\s+(?:AS\s+)?(\w+))?", re.IGNORECASE)
_KEYWORDS = {"where", "on", "join", "left", "inner", "group", "order", "limit", "using", "as"}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("plans") / "mirror.db"
    build_mirror(path, sessions=120, events=6000, big_session=1000, seed=5, progress=False)
    return path


def _scaled_stats(path: Path) -> None:
    """ANALYZE, then scale the row counts to SESSIONS / EVENTS (ratios as measured)."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("ANALYZE")
        sessions = conn.execute("SELECT count(*) FROM sessions").fetchone()[0]
        events = conn.execute("SELECT count(*) FROM events").fetchone()[0]
        factor = {"sessions": SESSIONS / sessions, "events": EVENTS / events}
        rows = conn.execute("SELECT tbl, idx, stat FROM sqlite_stat1").fetchall()
        for tbl, idx, stat in rows:
            if tbl not in factor:
                continue
            numbers = stat.split(" ")
            head = [str(max(1, round(int(numbers[0]) * factor[tbl])))]
            # Rows per distinct prefix: unique keys stay 1, the others grow with the table.
            rest = [
                n if n == "1" or not n.isdigit() else str(max(1, round(int(n) * factor[tbl])))
                for n in numbers[1:]
            ]
            if numbers[1:] and numbers[-1] == "1":
                rest[-1] = "1"
            conn.execute(
                "UPDATE sqlite_stat1 SET stat = ? WHERE tbl = ? AND idx IS ?",
                (" ".join(head + rest), tbl, idx),
            )
        conn.commit()
    finally:
        conn.close()


@pytest.fixture(params=["no statistics", "statistics at 100k sessions"])
def mirror_file(request: pytest.FixtureRequest, generated: Path, tmp_path: Path) -> Path:
    path = tmp_path / "mirror.db"
    shutil.copyfile(generated, path)
    if request.param != "no statistics":
        _scaled_stats(path)
    return path


def _hot_paths(reader: MirrorReader) -> Iterator[tuple[str, Callable[[], object]]]:
    """(name, call) for every hot path, through the reader's public methods."""
    today = reader._conn().execute("SELECT max(day) FROM daily_cost").fetchone()[0]
    week = f"{today[:8]}01"
    first = reader.fleet_page(FleetQuery(), limit=40)
    some = first.ids[:25]
    agent = reader.fleet_rows(some[:1])[some[0]].agent_name or "x"
    caps = [("daily", None, 1000), ("monthly", agent, 5000)]
    yield "open: fleet first page", lambda: reader.fleet_page(FleetQuery(), limit=60)
    yield "open: fleet count", lambda: reader.fleet_count(FleetQuery())
    yield "open: visible rows", lambda: reader.fleet_rows(some)
    yield "header counts", lambda: reader.header_counts(today=today)
    yield "header budgets", lambda: reader.cost_budgets(caps, today=today)
    for sort in SORT_KEYS:
        query = FleetQuery(sort=sort)
        yield f"order by {sort}", lambda q=query: reader.fleet_page(q, limit=60)
        page = reader.fleet_page(query, limit=30)
        yield f"next page by {sort}", lambda q=query, k=page.last_key: reader.fleet_page(q, after=k)
    inbox = FleetQuery(needs_only=True)
    yield "inbox page", lambda: reader.fleet_page(inbox, limit=60)
    yield "inbox count", lambda: reader.fleet_count(inbox)
    yield "ls inbox", lambda: reader.inbox(limit=50)
    yield "attention baseline", reader.attention_baseline
    yield "attention rows", lambda: reader.fleet_rows(some)
    yield "ledger totals", reader.cost_totals
    yield "ledger totals, a week", lambda: reader.cost_totals(since=week)
    for by in ("session", "agent", "environment", "model"):
        yield f"ledger by {by}", lambda b=by: reader.cost_rows(b, limit=50)
        yield f"ledger by {by}, a week", lambda b=by: reader.cost_rows(b, since=week, limit=50)
    yield "ledger by day, a week", lambda: reader.cost_rows("day", since=week)
    session = some[0]
    facets = [
        f"agent:{agent.split()[0]}",
        f"session:{session}",
        "status:running",
        "type:tool_use",
        "type:session.error",
        f"after:{today}",
    ]
    for facet in facets:
        yield f"search {facet}", lambda f=facet: reader.search(f, limit=50)
        yield f"search pytest {facet}", lambda f=facet: reader.search(f"pytest {f}", limit=50)


def _scans(conn: sqlite3.Connection, sql: str) -> list[str]:
    """The plan lines of `sql` that walk `sessions` or `events` (or a whole index of them)."""
    names = {"sessions", "events"}
    for _table, alias in _TABLE.findall(sql):
        if alias and alias.lower() not in _KEYWORDS:
            names.add(alias)
    plan = conn.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall()
    found = []
    for row in plan:
        detail = row[-1]
        match = re.match(r"(SCAN|SEARCH) (\w+)", detail)
        # A SEARCH with no index is a walk too (SQLite says so of `max()` over a table).
        if match and match.group(2) in names and (match[1] == "SCAN" or "USING" not in detail):
            found.append(detail)
    return found


def _offenders(path: Path, only: str | None = None) -> dict[str, list[str]]:
    reader = MirrorReader(path)
    try:
        conn = reader._conn()
        paths = list(_hot_paths(reader))
        statements: list[str] = []
        conn.set_trace_callback(statements.append)
        out: dict[str, list[str]] = {}
        for name, call in paths:
            if only is not None and name != only:
                continue
            statements.clear()
            call()
            ran = [s for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))]
            assert ran, f"{name} ran no query"
            bad = [f"{line}  <-  {sql[:160]}" for sql in ran for line in _scans(conn, sql)]
            if bad:
                out[name] = bad
        conn.set_trace_callback(None)
        return out
    finally:
        reader.close()


def test_no_hot_path_scans_sessions_or_events(mirror_file: Path) -> None:
    assert _offenders(mirror_file) == {}


# Each index a hot path relies on, and one of the paths that would scan without it.
NEEDED = [
    ("sessions_fleet_needs", "open: fleet first page"),
    ("sessions_fleet_cost", "order by cost"),
    ("sessions_fleet_title", "next page by title"),
    ("sessions_needs", "attention baseline"),
    ("sessions_attention", "attention baseline"),
    ("sessions_ledger_top", "ledger by session"),
    ("sessions_budget", "header budgets"),
    ("sessions_last_event", "search after:{today}"),
    ("sessions_agent_name", "search agent:{agent}"),
    ("events_type_session_seq", "search type:session.error"),
]


@pytest.mark.parametrize(("index", "path"), NEEDED)
def test_the_plan_check_fails_without_each_index(
    generated: Path, tmp_path: Path, index: str, path: str
) -> None:
    copy = tmp_path / "mirror.db"
    shutil.copyfile(generated, copy)
    reader = MirrorReader(copy)
    today = reader._conn().execute("SELECT max(day) FROM daily_cost").fetchone()[0]
    first = reader.fleet_page(FleetQuery(), limit=1).ids[0]
    agent = reader.fleet_rows([first])[first].agent_name or "x"
    reader.close()
    name = path.format(today=today, agent=agent.split()[0])
    assert _offenders(copy, only=name) == {}
    conn = sqlite3.connect(copy)
    conn.execute(f"DROP INDEX {index}")
    conn.commit()
    conn.close()
    assert name in _offenders(copy, only=name)
