"""Several drover processes on one profile: one read budget, one follower, clean stops.

* Two `drover sync` processes (one following the fleet, one following every session by id)
  share the profile's read budget through its sliding-window files: the server sees at most
  `read_per_minute` reads in any sliding minute from both together. Before, each process had
  its own budget (2.2× was seen), and one alone went ~10% over (its burst on top of the rate).
* A second `drover sync` on a followed mirror says who follows and only reads; `--until-idle`
  then fails with that message; both stop on SIGTERM with exit 0.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time

from cli_support import DROVER, create_session, status, wait_for

from drover.sim.http.ratelimit import sliding_peak
from drover.sim.settings import FaultPlan

READS_PER_MINUTE = 30
RUN_SECONDS = 40.0


def _start(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(DROVER), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _stop(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    return proc.returncode, out, err


def test_two_processes_share_one_read_budget_by_sliding_window(
    sim_factory, hostile_factory, cli_env, tmp_path
):
    # Streams close every few events, so both processes keep reconnecting: far more reads
    # wanted than the budget allows.
    sim = sim_factory(pace="fast", heartbeat_seconds=0.5, faults=FaultPlan(stream_close_after=2))
    sids = [create_session(sim, "general") for _ in range(6)]
    proxy = hostile_factory(sim)
    cli_env["config"].parent.mkdir(parents=True, exist_ok=True)
    cli_env["config"].write_text(
        f'default_profile = "default"\n[profiles.default]\nread_per_minute = {READS_PER_MINUTE}\n'
    )
    env = {**os.environ, "ANTHROPIC_API_KEY": sim.api_key, "ANTHROPIC_BASE_URL": proxy.base_url}
    started = time.time()
    fleet = _start("sync", env=env)
    by_id = _start("sync", "--session", *sids, env=env)
    time.sleep(RUN_SECONDS)
    results = [_stop(fleet), _stop(by_id)]
    for code, _out, err in results:
        assert code == 0, err
    reads = [r.at for r in proxy.reads() if r.at >= started]
    peak = sliding_peak(reads)
    per_process_cap = 2 * (READS_PER_MINUTE // 10 + READS_PER_MINUTE * RUN_SECONDS / 60)
    print(
        f"\nshared read budget: {len(reads)} reads from 2 processes in {RUN_SECONDS:.0f}s; "
        f"sliding-minute peak {peak} (budget {READS_PER_MINUTE}; two separate budgets would "
        f"allow ~{per_process_cap:.0f})"
    )
    assert peak <= READS_PER_MINUTE
    assert peak >= READS_PER_MINUTE * 0.8, "the budget, not the demand, must have been the limit"


def test_a_second_sync_reads_and_says_who_follows(on_sim, cli_env):
    sid = create_session(on_sim, "general")
    wait_for(lambda: status(on_sim, sid) == "idle", what="the first turn")
    env = dict(os.environ)
    first = _start("sync", env=env)
    try:
        lock = cli_env["data"] / "default" / "follow.lock"
        wait_for(lambda: lock.exists() and lock.read_text(), what="the first sync following")
        second = _start("sync", env=env)
        time.sleep(2.0)
        code, _out, err = _stop(second)
        assert code == 0, err
        assert f"being followed by pid {first.pid} (drover sync" in err
        assert "this sync only reads it" in err
        until_idle = subprocess.run(
            [str(DROVER), "sync", "--until-idle", "--timeout", "20"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert until_idle.returncode == 1
        assert f"followed by pid {first.pid}" in until_idle.stderr
    finally:
        code, _out, err = _stop(first)
    assert code == 0, err
    assert lock.read_text() == "", "the lock is given back on exit"


def test_sync_until_idle_stopped_by_sigterm_flushes_and_exits_130(sim_factory, cli_env, tmp_path):
    from cli_support import scenario_dir

    sim = sim_factory(pace="realtime", scenarios_dir=scenario_dir(tmp_path))
    sid = create_session(sim, "general")  # a turn at real pace: still running at the signal
    env = {**os.environ, "ANTHROPIC_API_KEY": sim.api_key, "ANTHROPIC_BASE_URL": sim.base_url}
    proc = _start("sync", "--until-idle", env=env)
    mirror = cli_env["data"] / "default" / "mirror.db"
    wait_for(lambda: mirror.exists() and _count(mirror, sid) > 0, what="ingest under way")
    assert status(sim, sid) == "running"
    code, out, err = _stop(proc)
    assert code == 130, err
    assert "sync stopped (everything mirrored so far is kept)" in out
    assert _count(mirror, sid) > 0


def _count(path, sid: str) -> int:
    import sqlite3

    try:
        with sqlite3.connect(path) as conn:
            return conn.execute(
                "SELECT count(*) FROM events WHERE session_id = ?", (sid,)
            ).fetchone()[0]
    except sqlite3.OperationalError:
        return 0
