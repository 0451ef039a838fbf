"""``drover sim`` from the command line: flags → config, ``--list-scenarios``, and a real run of
the console script in a subprocess."""

from __future__ import annotations

import argparse
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from drover.cli.cmd_sim import build_config, register
from drover.sim.settings import DEFAULT_API_KEY


def _parse(*argv: str) -> argparse.Namespace:
    """Parse ``drover sim ARGV`` with only the sim's subcommand registered."""
    parser = argparse.ArgumentParser(prog="drover")
    register(parser.add_subparsers())
    return parser.parse_args(["sim", *argv])


def _drover() -> list[str]:
    script = Path(sys.executable).with_name("drover")
    return [str(script)] if script.exists() else [sys.executable, "-m", "drover.cli.main"]


def test_flags_become_a_config() -> None:
    args = _parse(*[
        "--port", "0", "--seed", "4", "--pace", "10x", "--heartbeat", "2", "--fleet", "20",
        "--rate-limit-create", "60", "--rate-limit-read", "600", "--fail-next", "2",
        "--fail-status", "529", "--stream-close-after", "5", "--stream-close-mode", "mid_frame",
        "--duplicate-user-events", "--throttle-every", "7", "--latency", "0.1",
    ])  # fmt: skip
    config = build_config(args)
    assert (config.port, config.seed, config.pace, config.heartbeat_seconds) == (0, 4, "10x", 2.0)
    assert config.api_key == DEFAULT_API_KEY and config.fleet_active_sessions == 4
    assert (config.rate_limit_create, config.rate_limit_read) == (60, 600)
    plan = config.faults
    assert (plan.fail_next, plan.fail_status, plan.throttle_every) == (2, 529, 7)
    assert (plan.stream_close_after, plan.stream_close_mode) == (5, "mid_frame")
    assert plan.duplicate_user_events and plan.latency_seconds == 0.1 and plan.seed == 4


def test_realistic_defaults_and_their_opt_outs() -> None:
    """Queued copies and the documented org rate limits are on unless turned off."""
    config = build_config(_parse())
    assert (config.rate_limit_create, config.rate_limit_read) == (300, 1200)
    assert config.faults.duplicate_user_events is True
    config = build_config(
        _parse("--rate-limit-create", "0", "--rate-limit-read", "0", "--no-queued-copies")
    )
    assert (config.rate_limit_create, config.rate_limit_read) == (None, None)
    assert config.faults.duplicate_user_events is False


def test_bad_values_exit_with_status_2(capsys: pytest.CaptureFixture[str]) -> None:
    args = _parse("--pace", "warp")
    assert args.run(args) == 2
    assert "pace" in capsys.readouterr().err
    args = _parse("--fail-rate", "3")
    assert args.run(args) == 2


def test_list_scenarios_prints_name_and_summary() -> None:
    result = subprocess.run(
        [*_drover(), "sim", "--list-scenarios"], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    names = [line.split()[0] for line in lines]
    assert "general" in names and names == sorted(names)
    assert all(len(line.split(None, 1)) == 2 for line in lines)  # every row has a summary


def test_console_script_serves_until_interrupted() -> None:
    proc = subprocess.Popen(
        [*_drover(), "sim", "--port", "0", "--pace", "fast", "--api-key", "sk-test"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        printed = ""
        deadline = time.monotonic() + 20
        while "Ctrl-C" not in printed and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            printed += line
        match = re.search(r"ANTHROPIC_BASE_URL=(http://\S+)", printed)
        assert match, printed + (proc.stderr.read() if proc.poll() is not None else "")
        assert "ANTHROPIC_API_KEY=sk-test" in printed and "curl" in printed
        health = httpx.get(f"{match.group(1)}/_sim/health", headers={"x-api-key": "sk-test"})
        assert health.status_code == 200 and health.json()["status"] == "ok"
        # Realistic without any flag (as `drover demo` starts it): org rate limits, queued copies.
        control = {"x-api-key": "sk-test"}
        limits = httpx.get(f"{match.group(1)}/_sim/rate_limits", headers=control).json()
        assert limits == {"create": 300, "read": 1200}
        faults = httpx.get(f"{match.group(1)}/_sim/faults", headers=control).json()
        assert faults["duplicate_user_events"] is True
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_help_documents_the_key_and_control_endpoints(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        _parse("--help")
    text = capsys.readouterr().out
    assert DEFAULT_API_KEY in text and "Authorization: Bearer" in text
    assert "/_sim/faults" in text and "/_sim/streams/drop" in text
