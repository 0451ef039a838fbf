"""The post-idle race, on by default: ``session.status_idle`` is on the stream before archive
and delete stop seeing a running session, so a client that acts on the idle event gets the
400 for a running session for a short while (protocol §5.3)."""

from __future__ import annotations

import time

import httpx
from sim_http import api

from drover.sim.settings import FaultPlan, SimConfig


def _idle_session(sim) -> str:
    """A session that played one turn to idle; returns right after the idle was written."""
    agent = api(sim, "POST", "/v1/agents", json={"name": "Racer", "model": "claude-sonnet-4-6"})
    env = api(sim, "POST", "/v1/environments", json={"name": f"race-{time.monotonic_ns()}"})
    sid = api(sim, "POST", "/v1/sessions", json={
        "agent": agent["id"], "environment_id": env["id"],
        "initial_events": [{"type": "user.message", "content": [{"type": "text", "text": "go"}]}],
    })["id"]  # fmt: skip
    sim.call(sim.domain.settle, sid)
    return sid


def _act(sim, method: str, sid: str) -> httpx.Response:
    path = f"/v1/sessions/{sid}" + ("/archive" if method == "POST" else "")
    return httpx.request(method, f"{sim.base_url}{path}", headers=sim.headers, timeout=10)


def test_the_race_is_on_without_any_flag() -> None:
    assert SimConfig().faults.post_idle_race_seconds > 0
    assert FaultPlan().post_idle_race_seconds > 0


def test_archive_and_delete_right_after_idle_get_the_running_400_then_succeed(sim) -> None:
    window = sim.faults.post_idle_race_seconds
    for method in ("POST", "DELETE"):
        sid = _idle_session(sim)
        assert api(sim, "GET", f"/v1/sessions/{sid}")["status"] == "idle"
        refused = _act(sim, method, sid)
        assert refused.status_code == 400
        error = refused.json()["error"]
        assert error["type"] == "invalid_request_error" and "running" in error["message"]
        time.sleep(window)
        assert _act(sim, method, sid).status_code == 200


def test_the_window_is_set_at_run_time_and_zero_turns_it_off(sim) -> None:
    plan = httpx.post(
        f"{sim.base_url}/_sim/faults", headers=sim.headers, json={"post_idle_race_seconds": 0}
    ).json()
    assert plan["post_idle_race_seconds"] == 0
    sid = _idle_session(sim)
    assert _act(sim, "POST", sid).status_code == 200
