"""Helpers for the CLI tests (imported as ``cli_support``): sessions on the sim, run the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sim_http import api

SCENARIOS = Path(__file__).parent / "scenarios"
DROVER = Path(sys.executable).parent / "drover"


def create_session(
    sim: Any, scenario: str, *, ask: str = "", kickoff: str = "go", title: str | None = None
) -> str:
    """An agent playing ``scenario``, an environment and a started session; its id.

    Args:
        ask: ``"bash"``: bash calls wait for approval; ``"all"``: every tool call does.
    """
    toolset: dict[str, Any] = {
        "type": "agent_toolset_20260401",
        "default_config": {
            "enabled": True,
            "permission_policy": {"type": "always_ask" if ask == "all" else "always_allow"},
        },
    }
    if ask == "bash":
        toolset["configs"] = [
            {
                "type": "bash",
                "name": "bash",
                "enabled": True,
                "permission_policy": {"type": "always_ask"},
            }
        ]
    agent = api(
        sim,
        "POST",
        "/v1/agents",
        json={
            "name": f"{scenario} agent",
            "model": "claude-sonnet-4-6",
            "metadata": {"scenario": scenario},
            "tools": [toolset],
        },
    )
    env = api(
        sim,
        "POST",
        "/v1/environments",
        json={"name": f"env-{time.monotonic_ns()}", "config": {"type": "cloud"}},
    )
    body: dict[str, Any] = {
        "agent": agent["id"],
        "environment_id": env["id"],
        "initial_events": [
            {"type": "user.message", "content": [{"type": "text", "text": kickoff}]}
        ],
    }
    if title:
        body["title"] = title
    return api(sim, "POST", "/v1/sessions", json=body)["id"]


def events(sim: Any, session_id: str, *types: str) -> list[dict[str, Any]]:
    """The server's persisted events of a session (optionally of some types only)."""
    params = [("types[]", t) for t in types] + [("limit", "1000")]
    return api(sim, "GET", f"/v1/sessions/{session_id}/events", params=params)["data"]


def wait_for(predicate: Callable[[], Any], timeout: float = 20.0, what: str = "condition") -> Any:
    """Poll ``predicate`` until truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def status(sim: Any, session_id: str) -> str:
    return api(sim, "GET", f"/v1/sessions/{session_id}")["status"]


def run_drover(
    *args: str, env: dict[str, str], stdin: str | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """The installed console script in a subprocess (an end-to-end check)."""
    return subprocess.run(
        [str(DROVER), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=timeout,
        check=False,
    )


def scenario_dir(tmp: Path) -> Path:
    """The shipped scenarios plus the CLI test ones (``scenarios_dir`` replaces, not extends)."""
    from drover.sim.scenarios.loader import SCENARIOS_DIR

    folder = tmp / "scenarios"
    folder.mkdir()
    for source in [*SCENARIOS_DIR.glob("*.toml"), *SCENARIOS.glob("*.toml")]:
        (folder / source.name).write_bytes(source.read_bytes())
    return folder
