"""A launch at full size: 300 items against a sim that limits creates to 60 a minute.

Two runs, each `drover launch` in its own process:

* **straight**: 300 sessions; prints the launch rate as a ratio of the configured limit.
* **killed and resumed**: SIGKILL halfway, while creates are on the wire (the sim answers each
  create 0.5 s after making the session), then ``drover launch --resume``.

Both check, from the server's side (the sim's own create log): 300 sessions, 0 duplicates (one
session per item tag), 0 creates refused, and at most 60 of drover's creates in any sliding
minute (the test's own agent and environment creates, made before the launch and unknown to
drover's budget, are left out of that count; the server's bucket admitted them all the same).
Run: ``make bench`` (``DROVER_BENCH_LAUNCH_ITEMS``, ``DROVER_BENCH_LAUNCH_LIMIT`` to resize;
each run takes items/limit minutes).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from launch_support import agent_and_environment, recorded_created, recorded_launch, server_view

from drover.sim.http.ratelimit import sliding_peak
from drover.sim.server import SimServer
from drover.sim.settings import FaultPlan, SimConfig

ITEMS = int(os.environ.get("DROVER_BENCH_LAUNCH_ITEMS", "300"))
LIMIT = int(os.environ.get("DROVER_BENCH_LAUNCH_LIMIT", "60"))
pytestmark = [pytest.mark.bench, pytest.mark.timeout(ITEMS * 60 / LIMIT * 1.5 + 300)]
DROVER = Path(sys.executable).parent / "drover"


@pytest.fixture
def sim() -> Iterator[SimServer]:
    server = SimServer(SimConfig(port=0, pace="fast", rate_limit_create=LIMIT)).start()
    yield server
    server.stop()


def _env(sim: SimServer, tmp_path: Path) -> dict[str, str]:
    config = tmp_path / "config.toml"
    config.write_text(f"[profiles.default]\ncreate_per_minute = {LIMIT}\n")
    return {
        **os.environ,
        "DROVER_CONFIG": str(config),
        "DROVER_DATA_DIR": str(tmp_path / "data"),
        "ANTHROPIC_API_KEY": sim.api_key,
        "ANTHROPIC_BASE_URL": sim.base_url,
    }


def _launch(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(DROVER), "launch", *args, "--json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(proc: subprocess.Popen[str]) -> dict:
    out, err = proc.communicate(timeout=ITEMS * 60 / LIMIT + 300)
    assert proc.returncode == 0, err
    return json.loads(out.strip().splitlines()[-1])


def _report(name: str, view, launch_times: list[float], extra: str = "") -> float:
    span = launch_times[-1] - launch_times[0]
    rate = (len(launch_times) - 1) * 60 / span if span > 0 else 0.0
    ratio = rate / LIMIT
    print(
        f"\n[launch {name}] {len(view.sessions)} sessions from {ITEMS} items, "
        f"{view.duplicates} duplicates, {view.creates['throttled']} creates refused; "
        f"{len(launch_times)} creates in {span:.1f} s = {rate:.1f}/min = {ratio:.3f} × the "
        f"limit ({LIMIT}/min); sliding-minute peak {sliding_peak(launch_times)} (limit "
        f"{LIMIT}; {view.peak()} with the test's own agent and environment creates){extra}"
    )
    return ratio


def _check(view, launch_times: list[float]) -> None:
    assert len(view.sessions) == ITEMS
    assert view.duplicates == 0
    assert sorted(view.by_item) == list(range(ITEMS))
    assert view.creates["throttled"] == 0
    assert sliding_peak(launch_times) <= LIMIT


def test_launch_300_items_at_60_a_minute(sim, tmp_path):
    agent, env_id = agent_and_environment(sim)
    setup = len(sim.call(lambda: list(sim.context.creates.admitted)))
    proc = _launch(
        ["--agent", agent, "--environment", env_id, "-m", "job {n}", "--count", str(ITEMS)],
        _env(sim, tmp_path),
    )
    final = _finish(proc)
    assert final["state"] == "done" and final["created"] == ITEMS
    view = server_view(sim, final["launch_id"])
    launch_times = sorted(view.create_times)[setup:]
    ratio = _report("straight", view, launch_times)
    _check(view, launch_times)
    assert ratio >= 0.9, "the limit, not drover, must be what paces a launch"


def test_launch_300_items_killed_halfway_then_resumed(sim, tmp_path):
    agent, env_id = agent_and_environment(sim)
    setup = len(sim.call(lambda: list(sim.context.creates.admitted)))
    env = _env(sim, tmp_path)
    sim.faults = FaultPlan(answer_latency_seconds=0.5)
    proc = _launch(
        ["--agent", agent, "--environment", env_id, "-m", "job {n}", "--count", str(ITEMS)], env
    )
    mirror = tmp_path / "data" / "default" / "mirror.db"
    launch_id = None
    deadline = time.monotonic() + ITEMS * 60 / LIMIT
    while time.monotonic() < deadline:
        launch_id = launch_id or recorded_launch(mirror)
        if launch_id and len(server_view(sim, launch_id).sessions) >= ITEMS // 2:
            break
        time.sleep(0.5)
    assert launch_id is not None
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    time.sleep(1.0)
    made = len(server_view(sim, launch_id).sessions)
    recorded = recorded_created(mirror, launch_id)
    final = _finish(_launch(["--resume", launch_id], env))
    assert final["state"] == "done" and final["created"] == ITEMS
    view = server_view(sim, launch_id)
    extra = (
        f"; killed with {recorded} recorded and {made} on the server, the resume found "
        f"{final['found_already_created']} already created"
    )
    launch_times = sorted(view.create_times)[setup:]
    _report("killed+resumed", view, launch_times, extra)
    _check(view, launch_times)
