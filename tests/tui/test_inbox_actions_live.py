"""End to end on the real sim: a risky-ops session asks; `y` on its fleet row answers it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import httpx
from tui_support import settle

from drover.tui.app import DroverApp
from drover.tui.cli import engine_factory
from drover.tui.screens.fleet import FleetScreen

TIMEOUT = 30.0


def api(sim: Any, method: str, path: str, **kw: Any) -> Any:
    response = httpx.request(method, f"{sim.base_url}{path}", headers=sim.headers, timeout=10, **kw)
    response.raise_for_status()
    return response.json()


def risky_session(sim: Any) -> str:
    """An agent playing risky-ops with bash on always_ask, an environment and a session."""
    toolset = {
        "type": "agent_toolset_20260401",
        "default_config": {"enabled": True, "permission_policy": {"type": "always_allow"}},
        "configs": [{"type": "bash", "name": "bash", "enabled": True,
                     "permission_policy": {"type": "always_ask"}}],
    }  # fmt: skip
    agent = api(sim, "POST", "/v1/agents", json={
        "name": "Infra Operator", "model": "claude-opus-4-7",
        "metadata": {"scenario": "risky-ops"}, "tools": [toolset]})  # fmt: skip
    env = api(sim, "POST", "/v1/environments",
              json={"name": f"env-{time.monotonic_ns()}", "config": {"type": "cloud"}})  # fmt: skip
    return api(sim, "POST", "/v1/sessions", json={
        "agent": agent["id"], "environment_id": env["id"], "title": "encrypt orders RDS",
        "initial_events": [{"type": "user.message",
                            "content": [{"type": "text", "text": "plan and apply"}]}],
    })["id"]  # fmt: skip


def server_events(sim: Any, sid: str, etype: str) -> list[dict[str, Any]]:
    params = [("types[]", etype), ("limit", "1000")]
    return api(sim, "GET", f"/v1/sessions/{sid}/events", params=params)["data"]


async def until(pilot: Any, check: Callable[[], Any], what: str) -> Any:
    """Let the app run (sync works on its loop) until `check()` is truthy."""
    deadline = time.monotonic() + TIMEOUT
    while not (value := await asyncio.to_thread(check)):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await pilot.pause(0.1)
    return value


async def test_y_on_a_row_sends_the_tool_confirmation_to_the_sim(sim, tmp_path, monkeypatch):
    monkeypatch.setenv("DROVER_CONFIG", str(tmp_path / "config.toml"))
    sid = risky_session(sim)
    app = DroverApp(
        data_dir=tmp_path / "data",
        config_path=tmp_path / "config.toml",
        sync_factory=engine_factory(sim.base_url, sim.api_key),
        desktop_notifications=False,
    )
    async with app.run_test(size=(140, 40)) as pilot:
        await until(pilot, lambda: app.mirror is not None, "the mirror")

        def asking() -> Any:
            row = app.mirror.reader.session(sid)
            return row if row and row.needs_you == "requires_action" else None

        row = await until(pilot, asking, "requires_action in the mirror")
        [pending] = row.pending_actions
        assert pending["name"] == "bash"

        screen = app.screen
        assert isinstance(screen, FleetScreen)
        await until(pilot, lambda: sid in screen.table.ids, "the row")
        screen.table.cursor = list(screen.table.ids).index(sid)
        await pilot.press("y")

        answers = await until(
            pilot, lambda: server_events(sim, sid, "user.tool_confirmation"), "the answer"
        )
        assert [(a["tool_use_id"], a["result"]) for a in answers] == [
            (pending["event_id"], "allow")
        ]
        await until(
            pilot,
            lambda: [r.state for r in app.mirror.reader.outbox(sid)] == ["sent"],
            "the outbox row sent",
        )
        await settle(pilot)
