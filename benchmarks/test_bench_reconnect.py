"""P6: reconnect gap recovery after the sim drops every stream at once.

A sim in its own process enforces the documented read limit itself (``--rate-limit-read``), so
any request drover sends over budget comes back as a 429 and is counted. Two measurements in
the same run:

* baseline — one follower: time from the drop until its gap is back-filled and it is live;
* fleet — N followers (500 by default) dropped together: per-session recovery p50/p95/max,
  time until all are live, reads spent, the client-side budget's peak, and 429s seen.

Targets (PERFORMANCE.md P6): gap back-filled ≤ 2 s after connectivity returns; the fleet
reconnects with jitter inside the read budget (0 server 429s).
Run: ``make bench`` (``DROVER_BENCH_RECONNECT_FLEET``, ``DROVER_BENCH_READ_RPM`` to resize).
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "sync"))

from sync_support import SimProcess, percentiles

from drover.sync.engine import SyncEngine
from drover.sync.profiles import ProfileEngines

pytestmark = pytest.mark.bench

FLEET = int(os.environ.get("DROVER_BENCH_RECONNECT_FLEET", "500"))
READ_RPM = float(os.environ.get("DROVER_BENCH_READ_RPM", "1200"))


def _drop(sim: SimProcess) -> int:
    r = httpx.post(
        f"{sim.base_url}/_sim/streams/drop",
        json={"mode": "abort"},
        headers={"x-api-key": sim.api_key},
        timeout=30,
    )
    r.raise_for_status()
    return r.json()["dropped"]


async def _all_live(engine: SyncEngine, n: int, timeout: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        states = engine.connection_states().values()
        if sum(s.state in ("live", "stopped") for s in states) >= n:
            break
        await asyncio.sleep(0.1)
    return time.monotonic() - started


async def _drop_and_recover(engine: SyncEngine, sim: SimProcess, timeout: float) -> dict:
    followers = [f for f in map(engine.follower, engine.followed) if f is not None]
    before = {f.session_id: f.connects for f in followers}
    rate_limited = sum(f.failures["rate_limited"] for f in followers)
    reads0 = engine.client.rate_budget.read.usage().admitted_total
    recovered: dict[str, float] = {}
    peak = 0
    t0 = time.monotonic()
    dropped = await asyncio.to_thread(_drop, sim)
    while len(recovered) < len(followers) and time.monotonic() - t0 < timeout:
        for f in followers:
            if f.session_id not in recovered and (
                (f.connects > before[f.session_id] and f.synced.is_set()) or f.task.done()
            ):
                recovered[f.session_id] = time.monotonic() - t0
        peak = max(peak, engine.client.rate_budget.read.usage().admitted_last_minute)
        await asyncio.sleep(0.02)
    return {
        "dropped": dropped,
        "followers": len(followers),
        "recovered": len(recovered),
        "times": percentiles(list(recovered.values())),
        "all_s": max(recovered.values(), default=float("nan")),
        "reads": engine.client.rate_budget.read.usage().admitted_total - reads0,
        "peak_reads_per_min": peak,
        "rate_limited": sum(f.failures["rate_limited"] for f in followers) - rate_limited,
    }


async def _run(sim: SimProcess, tmp_path: Path) -> dict:
    single = await ProfileEngines.endpoint(
        sim.base_url, sim.api_key, tmp_path / "one", read_per_minute=READ_RPM
    ).open_engine(
        max_followers=1,
        auto_follow=False,
        stall_timeout=30,
    )
    fleet = await ProfileEngines.endpoint(
        sim.base_url, sim.api_key, tmp_path / "fleet", read_per_minute=READ_RPM
    ).open_engine(
        max_followers=FLEET,
        poll_min=10,
        poll_max=30,
        stall_timeout=30,
    )
    try:
        first = await single.poller.poll_once()
        single.follow(first.session_ids[0])
        await _all_live(single, 1, 60)
        baseline = await _drop_and_recover(single, sim, 60)
        await single.stop()
        await fleet.start()
        connect_s = await _all_live(fleet, FLEET, 600)
        await asyncio.sleep(2)
        result = await _drop_and_recover(fleet, sim, 600)
        return {"baseline": baseline, "fleet": result, "connect_s": connect_s}
    finally:
        await single.stop()
        await fleet.stop()


def test_bench_reconnect(tmp_path: Path) -> None:
    sim = SimProcess(
        "--fleet",
        str(FLEET),
        "--fleet-active",
        str(max(1, FLEET // 5)),
        "--pace",
        "realtime",
        "--heartbeat",
        "5",
        "--rate-limit-read",
        f"{READ_RPM:g}",
    )
    try:
        r = asyncio.run(_run(sim, tmp_path))
    finally:
        sim.stop()
    b, f = r["baseline"], r["fleet"]
    print(f"\nP6 reconnect (sim enforces {READ_RPM:g} reads/min):")
    print(
        f"  baseline, 1 follower: gap back-filled and live {b['all_s']:.2f}s after the drop "
        f"({b['reads']} reads)"
    )
    print(
        f"  fleet: {f['followers']} followers (all live {r['connect_s']:.1f}s after start); "
        f"{f['dropped']} streams dropped at once; {f['recovered']} recovered; "
        f"p50 {f['times']['p50'] / 1000:.2f}s p95 {f['times']['p95'] / 1000:.2f}s "
        f"all {f['all_s']:.1f}s (ratio to baseline p50 "
        f"{f['times']['p50'] / 1000 / max(b['all_s'], 1e-3):.1f}x)"
    )
    print(
        f"  reads spent {f['reads']}; client budget peak {f['peak_reads_per_min']}/min; "
        f"server 429s seen {f['rate_limited']}"
    )
    assert b["all_s"] <= 2.0
    assert f["recovered"] == f["followers"]
    assert f["rate_limited"] == 0
