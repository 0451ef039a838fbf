"""Crash safety: SIGKILL a process while it ingests; nothing it saw committed may be lost."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import pytest

from drover.store.migrations import connect

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs SIGKILL")

# The worker ingests batches forever (new events, plus a re-delivery of the previous batch and
# a queued→processed completion), printing each batch's ids only after the commit returned.
WORKER = r"""
import sys
from drover.store.mirror import Mirror

path, round_no = sys.argv[1], int(sys.argv[2])
mirror = Mirror.open(path)
previous = []
batch_no = 0
while True:
    batch = []
    for i in range(50):
        n = batch_no * 50 + i
        text = f"round {round_no} batch {batch_no} event {i} " + "lorem ipsum " * (i % 7)
        batch.append({
            "type": "user.message" if i == 0 else "agent.message",
            "id": f"sevt_r{round_no}_{n}",
            "content": [{"type": "text", "text": text}],
            "processed_at": None if i == 0 else f"2026-05-12T10:{n // 60 % 60:02d}:{n % 60:02d}Z",
        })
    completion = [dict(previous[0], processed_at="2026-05-12T11:00:00Z")] if previous else []
    events = previous[1:] + completion + batch
    result = mirror.writer.submit("ingest", f"sesn_{round_no % 2}", events).result()
    print("COMMITTED", " ".join(result.new_ids), flush=True)
    previous = batch
    batch_no += 1
"""


def _check(path, committed: set[str]) -> None:
    conn = connect(path).conn  # the index's content needs drover_event_text
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.execute("INSERT INTO events_fts(events_fts, rank) VALUES ('integrity-check', 1)")
        stored = {r[0] for r in conn.execute("SELECT id FROM events")}
        indexed = conn.execute("SELECT count(*) FROM events_fts_docsize").fetchone()[0]
        assert indexed == len(stored)
    finally:
        conn.close()
    missing = committed - stored
    assert not missing, f"{len(missing)} committed events lost, e.g. {sorted(missing)[:3]}"


def test_sigkill_during_ingest_loses_nothing_committed(tmp_path):
    path = tmp_path / "crash.db"
    seed = random.randrange(1_000_000)
    rng = random.Random(seed)
    committed: set[str] = set()
    for round_no in range(5):
        proc = subprocess.Popen(
            [sys.executable, "-c", WORKER, str(path), str(round_no)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        wanted = rng.randint(1, 12)
        seen = 0
        try:
            while seen < wanted:
                line = proc.stdout.readline()
                if not line:
                    pytest.fail(f"worker died (seed {seed}): {proc.stderr.read()}")
                committed.update(line.split()[1:])
                seen += 1
            time.sleep(rng.uniform(0, 0.03))  # land the kill anywhere inside the next batch
        finally:
            os.kill(proc.pid, signal.SIGKILL)
            rest, _ = proc.communicate(timeout=10)
        # Lines printed before the kill landed were committed too.
        for line in rest.splitlines():
            if line.startswith("COMMITTED"):
                committed.update(line.split()[1:])
        assert proc.returncode == -signal.SIGKILL
        _check(path, committed)
    assert len(committed) >= 5 * 50
