"""P1: 500 concurrent followers against a sim running in a separate process.

Prints the time to bring every follower live, then — over a measurement window while the
sim's active sessions keep producing events — this process's CPU share, RSS, events ingested
and event-loop lag p50/p95/p99 (the headless proxy for keypress→repaint). The baseline in the
same run is the loop lag of the same process before any follower started.
Targets (PERFORMANCE.md P1): loop lag p95 ≤ 20 ms, RSS ≤ 400 MB.
Run: ``make bench`` (``DROVER_BENCH_FOLLOWERS``, ``DROVER_BENCH_WINDOW`` to resize).
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

import psutil
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "sync"))

from sync_support import LoopLag, SimProcess

from drover.sync.profiles import ProfileEngines

pytestmark = pytest.mark.bench

FOLLOWERS = int(os.environ.get("DROVER_BENCH_FOLLOWERS", "500"))
WINDOW = float(os.environ.get("DROVER_BENCH_WINDOW", "15"))
READ_PER_MINUTE = float(os.environ.get("DROVER_BENCH_READ_RPM", "6000"))


async def _run(sim: SimProcess, tmp_path: Path) -> dict:
    proc = psutil.Process()
    baseline = LoopLag()
    baseline.start()
    await asyncio.sleep(3)
    base = baseline.stop()
    engines = ProfileEngines.endpoint(
        sim.base_url, sim.api_key, tmp_path, read_per_minute=READ_PER_MINUTE
    )
    engine = await engines.open_engine(
        max_followers=FOLLOWERS,
        poll_min=5,
        poll_max=30,
        stall_timeout=30,
    )
    started = time.monotonic()
    try:
        await engine.start()
        deadline = started + 180
        while True:
            live = sum(s.state == "live" for s in engine.connection_states().values())
            if live >= FOLLOWERS or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.2)
        all_live = time.monotonic() - started
        lag = LoopLag()
        ingested0 = sum(f.events_ingested for f in map(engine.follower, engine.followed) if f)
        cpu0, t0 = proc.cpu_times(), time.monotonic()
        lag.start()
        await asyncio.sleep(WINDOW)
        lags = lag.stop()
        cpu1, t1 = proc.cpu_times(), time.monotonic()
        ingested = sum(f.events_ingested for f in map(engine.follower, engine.followed) if f)
        live_end = sum(s.state == "live" for s in engine.connection_states().values())
        return {
            "live": live,
            "live_end": live_end,
            "all_live_s": all_live,
            "lag": lags,
            "base": base,
            "rss_mb": proc.memory_info().rss / 2**20,
            "cpu_pct": 100 * ((cpu1.user + cpu1.system) - (cpu0.user + cpu0.system)) / (t1 - t0),
            "events": ingested - ingested0,
            "open_streams": engine.client.open_streams,
        }
    finally:
        await engine.stop()


def test_bench_500_followers(tmp_path: Path) -> None:
    sim = SimProcess(
        "--fleet",
        str(FOLLOWERS),
        "--fleet-active",
        str(FOLLOWERS // 5),
        "--pace",
        "realtime",
        "--heartbeat",
        "10",
    )
    try:
        r = asyncio.run(_run(sim, tmp_path))
    finally:
        sim.stop()
    lag, base = r["lag"], r["base"]
    print(
        f"\nP1 followers: {r['live']}/{FOLLOWERS} live after {r['all_live_s']:.1f}s "
        f"(read budget {READ_PER_MINUTE:g}/min); {r['live_end']} live at the end; "
        f"{r['open_streams']} open streams"
    )
    print(
        f"  window {WINDOW:g}s: {r['events']} events ingested "
        f"({r['events'] / WINDOW:.0f}/s), CPU {r['cpu_pct']:.0f}% of one core, "
        f"RSS {r['rss_mb']:.0f} MB"
    )
    print(
        f"  loop lag p50 {lag['p50']:.1f} ms, p95 {lag['p95']:.1f} ms, p99 {lag['p99']:.1f} ms, "
        f"max {lag['max']:.1f} ms (baseline without followers: p95 {base['p95']:.1f} ms; "
        f"ratio p95 {lag['p95'] / max(base['p95'], 0.01):.1f}x)"
    )
    assert r["live"] == FOLLOWERS
    assert r["rss_mb"] <= 400
    assert lag["p95"] <= 20.0
