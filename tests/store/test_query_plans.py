"""P7: no hot path scans `sessions` or `events` (docs/PERFORMANCE.md, issue 13).

The hot paths are what the TUI and `drover ls` run while a user waits or while changes stream
in: opening (the fleet's first page) and re-sorting the fleet (its order by every sort key,
the inbox filter), the visible rows, the header's counts, `drover ls`'s inbox, attention (its
baseline, the rows of changed sessions), search facets (`agent:`,
`session:`, `status:`, `after:`, with and without words), and the cost ledger as its screen
and `drover cost` read it (totals and every grouping, all time and over a window; budgets).

Each runs through the public `MirrorReader` methods on a small generated mirror while a trace
callback records every statement; each statement's plan must have no `SCAN` of `sessions` or
`events` except a walk of a covering index (a narrow index that holds everything the statement
reads: no session row is touched) or a walk of an index in the statement's order that stops
at its `LIMIT`, no `SEARCH` of them without an index (how SQLite describes `max()` over a
table), and the fleet's order must come down its index, not through a sort (`USE TEMP B-TREE
FOR [RIGHT PART OF] ORDER BY`). The plans are checked twice: as a user's mirror has them (no
statistics), and with `sqlite_stat1` scaled to 100,000 sessions / 10,000,000 events from an
`ANALYZE` of the small mirror, so the planner weighs the indexes as it would at that size.
A second test drops each index a hot path relies on and checks the first would then fail.

The ledger reads its rollups (`drover.store.ledger_rollups`, `ledger_windows`) for totals and
groupings; a window's page of top sessions still sums its days per session, through a narrow
covering index (`sessions_ledger`): no session row is read, but the work grows with the fleet.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from hot_path_calls import hot_paths
from mirror_gen import build_mirror

from drover.store.fleet import SORT_KEYS
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


def _offences(conn: sqlite3.Connection, sql: str, *, ordered: bool) -> list[str]:
    """The plan lines of `sql` that walk `sessions` or `events` (or sort the fleet)."""
    names = {"sessions", "events"}
    for _table, alias in _TABLE.findall(sql):
        if alias and alias.lower() not in _KEYWORDS:
            names.add(alias)
    found = []
    plan = [row[-1] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall()]
    # A walk of an index in the statement's order that stops at its LIMIT reads LIMIT rows
    # (and those tied with the last on the index's columns, when only a right part is sorted).
    bounded = re.search(r"\bLIMIT\b", sql) and not any("B-TREE FOR ORDER BY" in d for d in plan)
    for detail in plan:
        match = re.match(r"(SCAN|SEARCH) (\w+)", detail)
        if match and match[2] in names:
            walks = match[1] == "SCAN" and not (
                "USING COVERING INDEX" in detail or (bounded and "USING INDEX" in detail)
            )
            if walks or (match[1] == "SEARCH" and "USING" not in detail):
                found.append(detail)
        if ordered and detail.startswith("USE TEMP B-TREE FOR") and "ORDER BY" in detail:
            found.append(detail)
    return found


def _offenders(path: Path, only: str | None = None) -> dict[str, list[str]]:
    reader = MirrorReader(path)
    try:
        conn = reader._conn()
        assert isinstance(conn, sqlite3.Connection)
        paths = list(hot_paths(reader))
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
            ordered = name.startswith(("order by", "inbox filter", "open: first page"))
            bad = [
                f"{line}  <-  {sql[:160]}"
                for sql in ran
                for line in _offences(conn, sql, ordered=ordered and "FROM sessions" in sql)
            ]
            if bad:
                out[name] = bad
        conn.set_trace_callback(None)
        return out
    finally:
        reader.close()


def test_no_hot_path_scans_sessions_or_events(mirror_file: Path) -> None:
    assert _offenders(mirror_file) == {}


# Each index a hot path relies on, and one of the paths that would scan (or sort) without it.
NEEDED = [
    ("sessions_fleet_needs", "open: first page"),
    *((f"sessions_fleet_{sort}", f"order by {sort}") for sort in SORT_KEYS),
    ("sessions_counts", "header counts"),
    ("sessions_needs", "ls inbox"),
    ("sessions_needs", "attention baseline"),
    ("sessions_attention", "attention baseline"),
    ("sessions_last_event", "search after:{today}"),
    ("sessions_agent_name", "search agent:{agent}"),
    ("sessions_budget", "ledger budgets"),
]


@pytest.mark.parametrize(("index", "path"), NEEDED)
def test_the_plan_check_fails_without_each_index(
    generated: Path, tmp_path: Path, index: str, path: str
) -> None:
    copy = tmp_path / "mirror.db"
    shutil.copyfile(generated, copy)
    reader = MirrorReader(copy)
    today = reader._conn().execute("SELECT max(day) FROM daily_cost").fetchone()[0]
    agent = next(row.agent_name for row in reader.inbox(limit=25) if row.agent_name)
    reader.close()
    name = path.format(today=today, agent=agent.split()[0])
    assert _offenders(copy, only=name) == {}
    conn = sqlite3.connect(copy)
    conn.execute(f"DROP INDEX {index}")
    conn.commit()
    conn.close()
    assert name in _offenders(copy, only=name)
