"""`A` and `D` on a session that just went idle: the sim's post-idle race (on by default) first
refuses as if the session were still running, and the TUI's archive/delete still succeed (the
engine rides through the race).

A key press through Pilot takes a few hundred milliseconds here, close to the sim's default
window (0.5 s), so this test widens the window to keep the race certain; that the race is on
without any setting is shown by tests/sim/test_post_idle_race.py and
tests/sync/test_control_race.py (which acts within milliseconds of the idle).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from sim_http import api
from tui_support import live_app, settle, until

from drover.api.errors import ApiError
from drover.sim.settings import FaultPlan
from drover.sync.control import is_running_refusal
from drover.tui.app import DroverApp
from drover.tui.screens.confirm import ConfirmScreen
from drover.tui.screens.fleet import FleetScreen


def idle_session(sim: Any, title: str) -> str:
    """A session created without a message: idle, and no idle event yet (so no race)."""
    agent = api(sim, "POST", "/v1/agents", json={"name": "Racer", "model": "claude-sonnet-4-6"})
    env = api(sim, "POST", "/v1/environments", json={"name": f"race-{time.monotonic_ns()}"})
    body = {"agent": agent["id"], "environment_id": env["id"], "title": title}
    return api(sim, "POST", "/v1/sessions", json=body)["id"]


def recording(client: Any, name: str) -> list[BaseException]:
    """Keep every refusal `client.<name>` raises (still raising it)."""
    original = getattr(client, name)
    refusals: list[BaseException] = []

    async def call(session_id: str) -> Any:
        try:
            return await original(session_id)
        except ApiError as exc:
            refusals.append(exc)
            raise

    setattr(client, name, call)
    return refusals


async def act_on_the_idle(pilot: Any, sim: Any, sid: str, key: str) -> None:
    """Run one turn, then press `key` and confirm the moment the mirror shows it idle."""
    app: DroverApp = pilot.app
    screen = app.screen
    assert isinstance(screen, FleetScreen)
    await until(pilot, lambda: sid in screen.table.ids, "the row")
    await until(pilot, lambda: sid in app.engine.followed, "the session followed")  # type: ignore[union-attr]
    message = {"type": "user.message", "content": [{"type": "text", "text": "go"}]}
    api(sim, "POST", f"/v1/sessions/{sid}/events", json={"events": [message]})

    def ended_turn() -> bool:
        row = app.mirror.reader.session(sid)  # type: ignore[union-attr]
        return row is not None and row.status == "idle" and row.stop_reason == "end_turn"

    deadline = time.monotonic() + 30
    while not ended_turn():
        assert time.monotonic() < deadline, "the turn never ended in the mirror"
        await asyncio.sleep(0.005)
    screen.table.cursor = list(screen.table.ids).index(sid)
    await pilot.press(key)
    await settle(pilot)
    assert isinstance(app.screen, ConfirmScreen)
    await pilot.press("y")


async def test_a_and_d_right_after_idle_ride_through_the_race(sim_factory, tmp_path, monkeypatch):
    assert FaultPlan().post_idle_race_seconds > 0  # on without any setting
    sim = sim_factory(faults=FaultPlan(post_idle_race_seconds=2.0))
    monkeypatch.setenv("DROVER_CONFIG", str(tmp_path / "config.toml"))
    archived, deleted = idle_session(sim, "archive me"), idle_session(sim, "delete me")
    app = live_app(sim, tmp_path)
    async with app.run_test(size=(140, 40)) as pilot:
        await until(pilot, lambda: app.engine is not None and app.mirror is not None, "engine")
        client = app.engine.client  # type: ignore[union-attr]
        archive_refusals = recording(client, "archive_session")
        delete_refusals = recording(client, "delete_session")

        await act_on_the_idle(pilot, sim, archived, "A")
        await until(
            pilot,
            lambda: api(sim, "GET", f"/v1/sessions/{archived}")["archived_at"],
            "archived on the server",
        )
        assert archive_refusals and all(is_running_refusal(e) for e in archive_refusals)

        await act_on_the_idle(pilot, sim, deleted, "D")
        await until(
            pilot,
            lambda: deleted not in {s["id"] for s in api(sim, "GET", "/v1/sessions")["data"]},
            "deleted on the server",
        )
        assert delete_refusals and all(is_running_refusal(e) for e in delete_refusals)
        await settle(pilot)
        messages = [n.message for n in app._notifications]
        assert any("archived 1 session(s)" in m for m in messages)
        assert any("deleted 1 session(s)" in m for m in messages)
        assert not any("refused" in m for m in messages)
