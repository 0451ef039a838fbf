"""P2's race, shared by `test_bench_ingest` (synthetic events) and `test_bench_disk` (the
generated mirror's): drover's writer against raw batched `executemany` into the same schema.

The baseline is what a bare SQLite+FTS5 program would do: the JSON text stored as it is, the
searchable text handed to the FTS trigger already extracted (as `insert_indexed` hands it), no
derived state. Everything drover adds — deflating `raw` (`drover.store.event_raw`), derived
state, cursors, the writer thread — is drover's cost.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from drover.store.fts_text import text_memo
from drover.store.migrations import connect, migrate
from drover.store.mirror import Mirror

BATCH = 500
RAW_INSERT = (
    "INSERT OR IGNORE INTO events(id, session_id, thread_id, on_primary, type, processed_at, "
    "ref_id, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


def raw_load(path: Path, rows: Sequence[Sequence[object]]) -> float:
    """Baseline: rows `(id, session_id, thread_id, on_primary, type, processed_at, ref_id,
    text, raw JSON)` inserted by batched executemany into a fresh file (FTS triggers on).
    Returns seconds."""
    db = connect(path)
    migrate(db)
    conn = db.conn
    memo = text_memo(conn)
    assert memo is not None
    start = time.perf_counter()
    for i in range(0, len(rows), BATCH):
        batch = rows[i : i + BATCH]
        conn.execute("BEGIN IMMEDIATE")
        for row in batch:
            memo.remember(str(row[8]), str(row[7]))
        conn.executemany(RAW_INSERT, [[*row[:7], row[8]] for row in batch])
        memo.forget()
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def drover_load(path: Path, events: Sequence[tuple[str, dict]], per_call: int = 50) -> float:
    """drover: per-session calls of `per_call` events through the writer, awaited together.

    50 events per call is a burst from one stream (or a small history page); 1 per call is a
    quiet live stream, the worst case for per-call overhead. Returns seconds.
    """
    groups: dict[str, list[dict]] = {}
    futures = []
    with Mirror.open(path) as mirror:
        start = time.perf_counter()
        for sid, ev in events:
            group = groups.setdefault(sid, [])
            group.append(ev)
            if len(group) >= per_call:
                futures.append(mirror.writer.submit("ingest", sid, group))
                groups[sid] = []
        futures += [mirror.writer.submit("ingest", sid, g) for sid, g in groups.items() if g]
        for f in futures:
            f.result()
        return time.perf_counter() - start


def race(
    folder: Path, rows: Sequence[Sequence[object]], events: Sequence[tuple[str, dict]],
    rounds: int,
) -> tuple[list[float], list[float]]:  # fmt: skip
    """Rounds alternate baseline/drover on fresh files in `folder` (`raw{r}.db`,
    `drover{r}.db`); the best round of each is what to compare, since on a shared machine
    other load only ever slows a round down. Returns (baseline seconds, drover seconds)."""
    raw_times, drover_times = [], []
    for r in range(rounds):
        raw_times.append(raw_load(folder / f"raw{r}.db", rows))
        drover_times.append(drover_load(folder / f"drover{r}.db", events))
    return raw_times, drover_times
