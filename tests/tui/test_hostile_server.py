"""The app on a hostile server: bad history items are quarantined and shown, the rest works.

The sim sits behind `hostile_server`'s proxy, which splices an event without `type`, a bare
`42` and JSON nested 1,000 deep into a session's history. The session view shows every good
event and one row per quarantined item (its reason on the row), and the app does not hang.
"""

from __future__ import annotations

import time
from typing import Any

from hostile_server import NO_TYPE, NOT_OBJECT, deep_item
from sim_http import api
from tui_support import settle

from drover.sync.profiles import ProfileEngines
from drover.tui.app import DroverApp
from drover.tui.screens.session import SessionScreen

TIMEOUT = 30.0


def _idle_session(sim: Any) -> str:
    """A session of the `general` scenario that has finished its first turn."""
    agent = api(
        sim,
        "POST",
        "/v1/agents",
        json={"name": "Helper", "model": "claude-sonnet-4-6", "metadata": {"scenario": "general"}},
    )
    env = api(
        sim,
        "POST",
        "/v1/environments",
        json={"name": f"env-{time.monotonic_ns()}", "config": {"type": "cloud"}},
    )
    sid = api(sim, "POST", "/v1/sessions", json={
        "agent": agent["id"], "environment_id": env["id"],
        "initial_events": [{"type": "user.message", "content": [{"type": "text", "text": "hi"}]}],
    })["id"]  # fmt: skip
    deadline = time.monotonic() + TIMEOUT
    while api(sim, "GET", f"/v1/sessions/{sid}")["status"] != "idle":
        assert time.monotonic() < deadline, "the first turn never ended"
        time.sleep(0.05)
    return sid


async def test_the_session_view_shows_quarantined_items_and_every_good_event(
    sim, hostile_factory, tmp_path
):
    proxy = hostile_factory(sim)
    sid = _idle_session(sim)
    proxy.plan.inject[sid] = [NO_TYPE, NOT_OBJECT, deep_item()]
    data_dir = tmp_path / "data"
    app = DroverApp(
        data_dir=data_dir,
        config_path=tmp_path / "config.toml",
        engines=ProfileEngines.endpoint(proxy.base_url, sim.api_key, data_dir),
        desktop_notifications=False,
    )
    async with app.run_test(size=(140, 40)) as pilot:
        deadline = time.monotonic() + TIMEOUT
        while app.reader is None or app.reader.session(sid) is None:
            assert time.monotonic() < deadline, "the session never reached the mirror"
            await pilot.pause(0.1)
        app.open_session(sid)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SessionScreen)
        while len([b for b in screen.events.blocks if b.row.type == "drover.quarantined"]) < 3:
            assert time.monotonic() < deadline, "quarantined items not shown"
            await pilot.pause(0.2)
            await settle(pilot)
        rows = [b for b in screen.events.blocks if b.row.type == "drover.quarantined"]
        heads = " | ".join(b.head for b in rows)
        assert "no `type`" in heads and "not a JSON object (number)" in heads
        assert "nested too deep" in heads
        good = {b.row.id for b in screen.events.blocks if b.row.type != "drover.quarantined"}
        assert any(b.row.type == "user.message" for b in screen.events.blocks)
        assert good <= app.reader.event_ids(sid)
