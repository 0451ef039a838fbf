"""P8: bytes on disk per event against the raw JSON bytes of the same events, and P2 ingest.

The events are the first `DROVER_BENCH_DISK_EVENTS` (default 100,000) of the generated mirror
(`conftest.generated_mirror`), in mirror order. Two files are built from them in the same run,
each by batched `executemany` (FTS triggers on), then `VACUUM`ed and measured with `dbstat`
per table and index:

* before: the schema as of v11, where the extracted text was also a column (`events.text`)
  and the raw JSON was stored as text;
* after: the current schema: the text stored once, in the FTS index (v12), the raw JSON
  deflated against a preset dictionary (v14), inserted as ingest inserts (`insert_indexed`).

Then the P2 race on the current schema (`ingest_race`, as `test_bench_ingest` runs it):
drover's writer (50 events a call) against batched executemany of the JSON as it is, best of
3 rounds each.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from pathlib import Path

import pytest
from ingest_race import race

from drover.store.event_raw import raw_json
from drover.store.extract import event_text
from drover.store.ingest import insert_indexed
from drover.store.migrations import SCHEMA_VERSION, connect, migrate

pytestmark = pytest.mark.bench

EVENTS = int(os.environ.get("DROVER_BENCH_DISK_EVENTS", "100000"))
BATCH = 500  # for the size files
ROUNDS = 3
TEXT_COLUMN_VERSION = 11  # the last schema with `events.text`

_COLUMNS = "id, session_id, thread_id, on_primary, type, processed_at, ref_id"
_INSERT_V11 = f"INSERT INTO events({_COLUMNS}, text, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
_INSERT = f"INSERT INTO events({_COLUMNS}, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"


def _rows(source: Path) -> list[list[object]]:
    """The first EVENTS events of the generated mirror as insert rows, text extracted."""
    conn = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    try:
        found = conn.execute(
            f"SELECT {_COLUMNS}, raw FROM events ORDER BY seq LIMIT ?", (EVENTS,)
        ).fetchall()
    finally:
        conn.close()
    texts = [raw_json(row[7]) for row in found]  # as received, whatever the source stores
    return [[*row[:7], event_text(json.loads(t)), t] for row, t in zip(found, texts, strict=True)]


def _load(conn: sqlite3.Connection, rows: list[list[object]], *, text_column: bool) -> float:
    """Batched executemany, FTS triggers on; seconds."""
    start = time.perf_counter()
    for i in range(0, len(rows), BATCH):
        conn.execute("BEGIN IMMEDIATE")
        if text_column:
            conn.executemany(_INSERT_V11, rows[i : i + BATCH])
        else:
            insert_indexed(conn, _INSERT, rows[i : i + BATCH])  # the text handed over, as ingest
        conn.execute("COMMIT")
    return time.perf_counter() - start


def _breakdown(conn: sqlite3.Connection) -> dict[str, int]:
    """Bytes (pages) per table and index after VACUUM."""
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("VACUUM")
    return dict(conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name").fetchall())


def test_disk_per_event_and_ingest(generated_mirror, tmp_path):
    source, _ = generated_mirror
    rows = _rows(source)
    n = len(rows)
    raw_bytes = sum(len(str(row[8]).encode()) for row in rows)
    sizes = {}
    for name, version, text_column in (
        ("before (v11)", TEXT_COLUMN_VERSION, True),
        ("after", SCHEMA_VERSION, False),
    ):
        path = tmp_path / f"{name.split()[0]}.db"
        db = connect(path)
        migrate(db, upto=version)
        conn = db.conn
        _load(conn, rows, text_column=text_column)
        sizes[name] = _breakdown(conn)
        conn.close()
        sizes[name]["(file)"] = path.stat().st_size
    print(f"\n[P8] {n:,} events, raw JSON {raw_bytes / n:.1f} B/event; bytes per event:")
    names = sorted(
        {k for s in sizes.values() for k in s if k.startswith("events") or k == "(file)"}
        | {"sqlite_autoindex_events_1"}
    )
    print(f"    {'structure':32} " + " ".join(f"{k:>14}" for k in sizes))
    for key in names:
        print(f"    {key:32} " + " ".join(f"{s.get(key, 0) / n:14.1f}" for s in sizes.values()))
    for name, s in sizes.items():
        print(
            f"    {name}: file {s['(file)'] / n:.1f} B/event = {s['(file)'] / raw_bytes:.2f}x raw"
        )

    events = [(str(row[1]), json.loads(str(row[8]))) for row in rows]
    raw_times, drover_times = race(tmp_path, rows, events, ROUNDS)
    ratio = min(raw_times) / min(drover_times)
    print(
        f"[P2] same events, best of {ROUNDS}: raw executemany {n / min(raw_times):,.0f}/s, "
        f"drover writer (50/call) {n / min(drover_times):,.0f}/s, ratio {ratio:.0%} "
        "(target >= 50%)"
    )
    assert ratio >= 0.5
