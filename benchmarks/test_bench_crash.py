"""R2 crash at full size: SIGKILL the sync engine (its own process) many times mid-ingest.

After each kill: ``PRAGMA integrity_check`` ok and every event committed before the kill still
there; a final headless ``run_until_idle`` fills the gap (mirror == server, no duplicates,
FTS rows == content rows). Prints kills, events committed, and the time the final catch-up
took relative to a fresh mirror's full sync of the same sessions (the baseline, same run).
Run: ``make bench`` (``DROVER_BENCH_KILLS`` to resize).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "sync"))

from sync_support import (
    SCENARIOS,
    Mirror,
    crash_cycles,
    create_session,
    make_client,
    server_event_ids,
    start_worker,
    wait_idle,
    worker_mirror,
)

from drover.sim.server import SimServer
from drover.sim.settings import SimConfig

pytestmark = pytest.mark.bench

KILLS = int(os.environ.get("DROVER_BENCH_KILLS", "25"))


async def _until_idle(sim: SimServer, data_dir: Path) -> float:
    started = time.monotonic()
    proc = start_worker(sim, data_dir, "--until-idle")
    out, err = await asyncio.to_thread(proc.communicate, None, 300)
    assert proc.returncode == 0, err
    json.loads(out.strip().splitlines()[-1])
    return time.monotonic() - started


async def _run(tmp_path: Path) -> dict:
    sim = SimServer(
        SimConfig(pace="300eps", heartbeat_seconds=0.25, scenarios_dir=SCENARIOS, port=0)
    ).start()
    client = make_client(sim.base_url, sim.api_key)
    try:
        sids = list(await asyncio.gather(*(create_session(client) for _ in range(4))))
        path = worker_mirror(tmp_path)
        records = await crash_cycles(
            sim, client, tmp_path, sids, kills=KILLS, rng=random.Random(2026)
        )
        for sid in sids:
            await wait_idle(client, sid, timeout=120)
        catch_up = await _until_idle(sim, tmp_path)
        baseline = await _until_idle(sim, tmp_path / "fresh")
        mirror = Mirror(path)
        try:
            ok = all(
                [
                    mirror.reader.event_ids(sid) == await server_event_ids(client, sid)
                    for sid in sids
                ]
            )
            counts, integrity = mirror.counts(), mirror.integrity()
        finally:
            mirror.close()
        return {
            "records": records,
            "catch_up": catch_up,
            "baseline": baseline,
            "ok": ok,
            "integrity": integrity,
            **counts,
        }
    finally:
        await client.aclose()
        sim.stop()


def test_bench_crash(tmp_path: Path) -> None:
    r = asyncio.run(_run(tmp_path))
    recs = r["records"]
    print(
        f"\nR2 crash: {len(recs)} SIGKILLs; integrity ok after "
        f"{sum(x['integrity'] == 'ok' for x in recs)}; committed events lost "
        f"{sum(x['lost'] for x in recs)}; mirror grew to {recs[-1]['after']} events by the "
        f"last kill"
    )
    print(
        f"  final catch-up {r['catch_up']:.2f}s vs fresh full sync {r['baseline']:.2f}s "
        f"(ratio {r['catch_up'] / max(r['baseline'], 1e-3):.2f}); mirror == server {r['ok']}; "
        f"duplicates {r['duplicates']}; FTS {r['fts']} / content {r['events']}"
    )
    assert all(x["integrity"] == "ok" and x["lost"] == 0 for x in recs)
    assert r["ok"] and r["duplicates"] == 0 and r["fts"] == r["events"]
    assert r["integrity"] == "ok"
