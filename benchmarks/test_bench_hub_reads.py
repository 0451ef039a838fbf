"""Reads scale with the fleet, not the team: API reads per minute on a 500-session sim fleet,
counted by the sim (`/_sim/stats` `reads_served`: every GET under /v1, stream opens included).

Setups, one after another on the same fleet, each measured for `WINDOW` seconds after
`WARMUP` seconds:

* 5 standalone drovers: five `drover sync` processes, each with its own SQLite mirror and key
  (a team today);
* a hub alone: `drover hub` on PostgreSQL (the sim's signed webhooks wake it);
* a hub and 5 viewers: the same hub, plus five viewer processes (no key) reading the shared
  mirror twice a second.

The target: the hub's reads do not grow with its viewers (ratio ~1.0), and stay well under
the five standalone drovers'. Run: ``.venv/bin/python -m pytest
benchmarks/test_bench_hub_reads.py -m bench -s -p no:randomly`` (about 3 minutes).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "cli")]

from cli_support import DROVER  # noqa: E402
from hub_support import SECRET, HubProcess, hub_env  # noqa: E402
from pg import start_cluster  # noqa: E402

from drover.sim.server import SimServer  # noqa: E402
from drover.sim.settings import SimConfig  # noqa: E402

pytestmark = [pytest.mark.bench, pytest.mark.timeout(900)]

FLEET = int(os.environ.get("DROVER_BENCH_FLEET", "500"))
TEAM = 5
WARMUP = float(os.environ.get("DROVER_BENCH_WARMUP", "15"))
WINDOW = float(os.environ.get("DROVER_BENCH_WINDOW", "40"))

VIEWER = """
import asyncio, sys, time
from drover.config import load_config
from drover.config.paths import data_dir
from drover.sync.profiles import ProfileEngines
from drover.sync.viewer import ViewerEngine

async def main():
    engine = await ProfileEngines(load_config(), data_dir()).open_engine()
    assert isinstance(engine, ViewerEngine)
    print("ready", flush=True)
    try:
        while True:  # what a screen does: the fleet, the inbox, the busiest session
            sessions = engine.reader.sessions()
            engine.reader.inbox()
            if sessions:
                engine.reader.transcript(sessions[0].id, limit=200)
            await asyncio.sleep(0.5)
    finally:
        await engine.stop()

asyncio.run(main())
"""


def _reads(sim: SimServer) -> int:
    stats = httpx.get(f"{sim.base_url}/_sim/stats", headers=sim.headers, timeout=10).json()
    return int(stats["reads_served"])


def _measure(sim: SimServer) -> float:
    """Reads per minute over `WINDOW` seconds, after `WARMUP` (start-up back-fills excluded)."""
    time.sleep(WARMUP)
    first, started = _reads(sim), time.monotonic()
    time.sleep(WINDOW)
    return (_reads(sim) - first) * 60 / (time.monotonic() - started)


def _stop(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()


def _standalone(sim: SimServer, tmp: Path) -> float:
    procs = []
    for n in range(TEAM):
        home = tmp / f"standalone-{n}"
        home.mkdir()
        env = {
            **os.environ, "ANTHROPIC_API_KEY": sim.api_key, "ANTHROPIC_BASE_URL": sim.base_url,
            "DROVER_CONFIG": str(home / "config.toml"), "DROVER_DATA_DIR": str(home / "data"),
        }  # fmt: skip
        procs.append(subprocess.Popen([str(DROVER), "sync"], env=env, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL))  # fmt: skip
    try:
        return _measure(sim)
    finally:
        _stop(procs)


def _viewers(store: str, tmp: Path) -> list[subprocess.Popen]:
    procs = []
    for n in range(TEAM):
        env = {k: v for k, v in os.environ.items() if k != "ANTHROPIC_API_KEY"}
        config = tmp / f"viewer-{n}.toml"
        config.write_text(f'[profiles.default]\nstore = "{store}"\n')
        env |= {"DROVER_CONFIG": str(config), "DROVER_DATA_DIR": str(tmp / f"viewer-{n}")}
        proc = subprocess.Popen([sys.executable, "-c", VIEWER], env=env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)  # fmt: skip
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        procs.append(proc)
    return procs


def test_the_hubs_reads_do_not_grow_with_its_viewers(tmp_path: Path) -> None:
    cluster = start_cluster()
    sim = SimServer(
        SimConfig(pace="fast", fleet=FLEET, heartbeat_seconds=5, rate_limit_read=None, port=0)
    ).start()
    try:
        standalone = _standalone(sim, tmp_path)
        store = cluster.new_schema()
        env = hub_env(sim, DROVER_CONFIG=str(tmp_path / "hub.toml"),
                      DROVER_DATA_DIR=str(tmp_path / "hub"))  # fmt: skip
        (tmp_path / "hub.toml").write_text("[profiles.default]\n")
        hub = HubProcess(store, env, tmp_path / "hub.log")
        viewers: list[subprocess.Popen] = []
        try:
            hub.wait_healthy(timeout=120)
            httpx.post(
                f"{sim.base_url}/_sim/webhooks", headers=sim.headers,
                json={"url": f"{hub.url}/webhooks", "secret": SECRET}, timeout=10,
            ).raise_for_status()  # fmt: skip
            alone = _measure(sim)
            viewers = _viewers(store, tmp_path)
            with_team = _measure(sim)
            assert all(v.poll() is None for v in viewers), "a viewer died"
        finally:
            _stop(viewers)
            assert hub.stop() == 0, hub.read_log()
    finally:
        sim.stop()
        cluster.stop()
    print(
        f"\nAPI reads/min on a {FLEET}-session sim fleet ({WINDOW:.0f}s windows after "
        f"{WARMUP:.0f}s warm-up):\n"
        f"  {TEAM} standalone drovers   {standalone:8.0f}/min\n"
        f"  hub alone               {alone:8.0f}/min\n"
        f"  hub + {TEAM} viewers        {with_team:8.0f}/min  (hub+viewers / hub alone = "
        f"{with_team / alone:.2f}; / {TEAM} standalone = {with_team / standalone:.2f})"
    )
    assert with_team < standalone
