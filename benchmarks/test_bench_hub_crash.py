"""Crash safety of `drover hub` on PostgreSQL: SIGKILL the hub process mid-ingest
`DROVER_BENCH_KILLS` (25) times while the sessions keep producing events.

After each kill (and the next hub's start) every event committed before the kill is still in
the mirror (0 lost) and no event is stored twice (0 duplicates). At the end a last hub catches
up and the mirror == the server, session by session. Prints kills, events committed, and the
last hub's catch-up time against a fresh hub's full ingest of the same sessions (the baseline,
same run). Run: ``.venv/bin/python -m pytest benchmarks/test_bench_hub_crash.py -m bench -s``.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "cli"), str(ROOT / "tests" / "sync")]

from hub_support import HubProcess  # noqa: E402
from pg import start_cluster  # noqa: E402
from sync_support import (  # noqa: E402
    SCENARIOS,
    create_session,
    keep_talking,
    make_client,
    server_event_ids,
    wait_idle,
)

from drover.sim.server import SimServer  # noqa: E402
from drover.sim.settings import SimConfig  # noqa: E402
from drover.store.mirror import Mirror  # noqa: E402

pytestmark = [pytest.mark.bench, pytest.mark.timeout(900)]

KILLS = int(os.environ.get("DROVER_BENCH_KILLS", "25"))
SESSIONS = 4


def _mirrored(store: str, sids: list[str]) -> tuple[dict[str, set[str]], int]:
    """(event ids per session, stored rows beyond the distinct ids: duplicates)."""
    with Mirror.open(store) as mirror:
        ids = {sid: mirror.reader.event_ids(sid) for sid in sids}
        rows = sum(mirror.reader.count_events(sid) for sid in sids)
    return ids, rows - sum(len(v) for v in ids.values())


def _env(sim: SimServer, tmp: Path) -> dict[str, str]:
    config = tmp / "config.toml"
    config.write_text("[profiles.default]\nread_per_minute = 6000\n")
    return {
        **os.environ, "ANTHROPIC_API_KEY": sim.api_key, "ANTHROPIC_BASE_URL": sim.base_url,
        "DROVER_CONFIG": str(config), "DROVER_DATA_DIR": str(tmp / "data"),
    }  # fmt: skip


async def _catch_up(
    store: str, env: dict[str, str], log: Path, server: dict[str, set[str]]
) -> float:
    started = time.monotonic()
    hub = HubProcess(store, env, log)
    try:
        while _mirrored(store, list(server))[0] != server:
            assert hub.proc.poll() is None, hub.read_log()
            assert time.monotonic() - started < 300, "the hub never caught up"
            await asyncio.sleep(0.2)
        took = time.monotonic() - started
        hub.wait_healthy()  # a SIGTERM before its handlers are set would kill it outright
        return took
    finally:
        assert hub.stop() == 0, hub.read_log()


async def _run(tmp: Path, store: str, fresh: str) -> dict:
    sim = SimServer(
        SimConfig(pace="300eps", heartbeat_seconds=0.25, scenarios_dir=SCENARIOS, port=0)
    ).start()
    client = make_client(sim.base_url, sim.api_key)
    env = _env(sim, tmp)
    rng = random.Random(2026)
    records = []
    try:
        sids = list(await asyncio.gather(*(create_session(client) for _ in range(SESSIONS))))
        stop = asyncio.Event()
        talker = asyncio.create_task(keep_talking(client, sids, stop))
        try:
            for n in range(KILLS):
                hub = HubProcess(store, env, tmp / f"hub-{n}.log")
                before_start = sum(map(len, _mirrored(store, sids)[0].values()))
                deadline = time.monotonic() + 30
                while sum(map(len, _mirrored(store, sids)[0].values())) <= before_start:
                    assert hub.proc.poll() is None, hub.read_log()
                    assert time.monotonic() < deadline, "the hub is not ingesting"
                    await asyncio.sleep(0.05)
                await asyncio.sleep(rng.uniform(0.05, 0.8))
                snapshot, _ = _mirrored(store, sids)
                hub.stop(signal.SIGKILL)
                after, dups = _mirrored(store, sids)
                lost = sum(len(snapshot[s] - after[s]) for s in sids)
                records.append({"before": sum(map(len, snapshot.values())), "lost": lost,
                                "dups": dups})  # fmt: skip
        finally:
            stop.set()
            await talker
        for sid in sids:
            await wait_idle(client, sid, timeout=120)
        server = {sid: await server_event_ids(client, sid) for sid in sids}
        catch_up = await _catch_up(store, env, tmp / "hub-last.log", server)
        baseline = await _catch_up(fresh, env, tmp / "hub-fresh.log", server)
        final, dups = _mirrored(store, sids)
    finally:
        await client.aclose()
        sim.stop()
    return {"records": records, "equal": final == server, "dups": dups,
            "events": sum(map(len, server.values())), "catch_up": catch_up,
            "baseline": baseline}  # fmt: skip


def test_the_hub_killed_mid_ingest_loses_and_repeats_nothing(tmp_path: Path) -> None:
    cluster = start_cluster()
    try:
        result = asyncio.run(_run(tmp_path, cluster.new_schema(), cluster.new_schema()))
    finally:
        cluster.stop()
    records = result["records"]
    lost = sum(r["lost"] for r in records)
    dups = max(r["dups"] for r in records) + result["dups"]
    print(
        f"\nhub crash safety: {len(records)} SIGKILLs mid-ingest on PostgreSQL, "
        f"{records[-1]['before']} events committed before the last; lost {lost}, duplicates "
        f"{dups}; mirror == server after restart: {result['equal']} ({result['events']} events, "
        f"{SESSIONS} sessions); last hub's catch-up {result['catch_up']:.1f}s vs a fresh hub's "
        f"full ingest {result['baseline']:.1f}s "
        f"(ratio {result['catch_up'] / result['baseline']:.2f})"
    )
    assert len(records) == KILLS
    assert lost == 0 and dups == 0
    assert result["equal"]
