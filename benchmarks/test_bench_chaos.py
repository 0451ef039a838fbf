"""R1 chaos at full size: 1,000 injected faults while several followed sessions keep working.

Prints faults injected, time to converge after the last fault, and the ratio of converge time
to the fault-free baseline measured in the same run (the same sessions' final back-fill with
no faults). Pass criteria: mirror id set == server id set, 0 duplicates, FTS rows == content.
Run: ``make bench`` (or ``pytest benchmarks/test_bench_chaos.py -m bench -s``).
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "sync"))

from sync_support import (
    SCENARIOS,
    Mirror,
    converge,
    create_session,
    make_client,
    run_chaos,
    server_event_ids,
    start_followers,
)

from drover.sim.server import SimServer
from drover.sim.settings import SimConfig

pytestmark = pytest.mark.bench

FAULTS = int(os.environ.get("DROVER_BENCH_FAULTS", "1000"))
SESSIONS = int(os.environ.get("DROVER_BENCH_CHAOS_SESSIONS", "8"))


async def _run(tmp_path: Path) -> dict:
    sim = SimServer(
        SimConfig(pace="800eps", heartbeat_seconds=0.1, scenarios_dir=SCENARIOS, port=0)
    ).start()
    client = make_client(sim.base_url, sim.api_key, stall_timeout=0.6)
    sender = make_client(sim.base_url, sim.api_key)
    mirror = Mirror(tmp_path / "mirror.db")
    try:
        sids = list(await asyncio.gather(*(create_session(sender) for _ in range(SESSIONS))))
        followers = start_followers(client, mirror, sids, stall_timeout=0.6)
        report = await run_chaos(sim, sender, sids, min_faults=FAULTS, max_seconds=600)
        took = await converge(sender, mirror, sids, timeout=120)
        # Baseline: one more fault-free turn per session, time until the mirror matches.
        for sid in sids:
            await sender.send_events(
                sid, [{"type": "user.message", "content": [{"type": "text", "text": "calm"}]}]
            )
        baseline = await converge(sender, mirror, sids, timeout=120)
        server = {sid: await server_event_ids(sender, sid) for sid in sids}
        ok = all(mirror.reader.event_ids(sid) == ids for sid, ids in server.items())
        counts = mirror.counts()
        for f in followers:
            await f.stop()
        return {
            **report,
            "converge": took,
            "baseline": baseline,
            "ok": ok,
            **counts,
            "server_events": sum(map(len, server.values())),
            "reconnects": sum(f.connects for f in followers),
        }
    finally:
        mirror.close()
        await client.aclose()
        await sender.aclose()
        sim.stop()


def test_bench_chaos(tmp_path: Path) -> None:
    started = time.monotonic()
    r = asyncio.run(_run(tmp_path))
    print(
        f"\nR1 chaos: {r['faults']} faults injected over {r['chaos_seconds']:.1f}s "
        f"({r['rounds']} fault rounds, {r['reconnects']} stream (re)connects, "
        f"{SESSIONS} sessions, {r['server_events']} server events)"
    )
    print(
        f"  converged {r['converge']:.2f}s after the last fault; fault-free baseline "
        f"{r['baseline']:.2f}s; ratio {r['converge'] / max(r['baseline'], 1e-3):.2f}x"
    )
    print(
        f"  mirror == server: {r['ok']}; duplicates {r['duplicates']}; "
        f"FTS rows {r['fts']} / content rows {r['events']}; "
        f"total {time.monotonic() - started:.1f}s"
    )
    assert r["faults"] >= FAULTS
    assert r["ok"] and r["duplicates"] == 0 and r["fts"] == r["events"] == r["server_events"]
