"""The app on a hostile server: bad history items are quarantined and shown, the rest works.

The sim sits behind `hostile_server`'s proxy, which splices an event without `type`, a bare
`42` and JSON nested 1,000 deep into a session's history. The session view shows every good
event and one row per quarantined item (its reason on the row), and the app does not hang.
"""

from __future__ import annotations

import json
import time
from typing import Any

from hostile_server import NO_TYPE, NOT_OBJECT, deep_item
from sim_http import api

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


async def _open(pilot: Any, app: DroverApp, session_id: str) -> SessionScreen:
    """Open the session view and wait for it (not for every worker: sync keeps starting them,
    and a newer exclusive load cancels an older one)."""
    app.open_session(session_id)
    deadline = time.monotonic() + TIMEOUT
    while not (isinstance(app.screen, SessionScreen) and app.screen.query("EventList")):
        assert time.monotonic() < deadline, "the session view never opened"
        await pilot.pause(0.05)
    return app.screen


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
        screen = await _open(pilot, app, sid)
        while len([b for b in screen.events.blocks if b.row.type == "drover.quarantined"]) < 3:
            assert time.monotonic() < deadline, "quarantined items not shown"
            await pilot.pause(0.2)
        rows = [b for b in screen.events.blocks if b.row.type == "drover.quarantined"]
        heads = " | ".join(b.head for b in rows)
        assert "no `type`" in heads and "not a JSON object (number)" in heads
        assert "nested too deep" in heads
        good = {b.row.id for b in screen.events.blocks if b.row.type != "drover.quarantined"}
        assert any(b.row.type == "user.message" for b in screen.events.blocks)
        assert good <= app.reader.event_ids(sid)


async def test_the_app_on_a_server_that_pages_forever_and_streams_an_endless_line(
    sim, hostile_factory, tmp_path
):
    proxy = hostile_factory(sim)
    sid = _idle_session(sim)
    content = [{"type": "text", "text": "newest, without an id"}]
    newest = json.dumps(
        {"type": "agent.message", "processed_at": "2030-01-01T00:00:00.000Z", "content": content}
    )
    proxy.plan.inject[sid] = [newest.encode()]
    proxy.plan.cursor = "new"
    proxy.plan.oversize[sid] = 400_000_000  # the first stream open of the session
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
        screen = await _open(pilot, app, sid)
        while not any("newest, without an id" in str(b.row.event) for b in screen.events.blocks):
            assert time.monotonic() < deadline, "the id-less newest event is not shown"
            await pilot.pause(0.2)
        assert any(b.row.type == "user.message" for b in screen.events.blocks)
        while sid in proxy.plan.oversize:  # the endless line was served, then dropped
            assert time.monotonic() < deadline
            await pilot.pause(0.1)
        lists = len(proxy.reads(r"/v1/sessions(/[^/]+/events)?"))
        assert lists < 60, "paging forever must not eat the read budget"


async def test_a_second_app_on_a_followed_mirror_reads_it_and_says_who_follows(sim, tmp_path):
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    sid = _idle_session(sim)
    data_dir = tmp_path / "data"
    env = {
        **os.environ,
        "DROVER_DATA_DIR": str(data_dir),
        "DROVER_CONFIG": str(tmp_path / "config.toml"),
        "ANTHROPIC_API_KEY": sim.api_key,
        "ANTHROPIC_BASE_URL": sim.base_url,
    }
    drover = Path(sys.executable).parent / "drover"
    follower = subprocess.Popen(
        [str(drover), "sync"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        lock = data_dir / "default" / "follow.lock"
        deadline = time.monotonic() + TIMEOUT
        while not (lock.exists() and lock.read_text()):
            assert time.monotonic() < deadline, "the sync process never took the lock"
            time.sleep(0.05)
        app = DroverApp(
            data_dir=data_dir,
            config_path=tmp_path / "config.toml",
            engines=ProfileEngines.endpoint(sim.base_url, sim.api_key, data_dir),
            desktop_notifications=False,
        )
        async with app.run_test(size=(140, 40)) as pilot:
            while "followed by" not in app.sub_title:
                assert time.monotonic() < deadline, app.sub_title
                await pilot.pause(0.1)
            assert f"followed by pid {follower.pid} (drover sync" in app.sub_title
            while app.reader is None or app.reader.session(sid) is None:
                assert time.monotonic() < deadline, "the other process's mirror is not read"
                await pilot.pause(0.1)
            screen = await _open(pilot, app, sid)
            api(sim, "POST", f"/v1/sessions/{sid}/events", json={"events": [
                {"type": "user.message", "content": [{"type": "text", "text": "seen twice?"}]}
            ]})  # fmt: skip
            # Mirrored by the other process; this app hears of it through the mirror watch.
            while not any(
                b.row.type == "user.message" and "seen twice?" in str(b.row.event)
                for b in screen.events.blocks
            ):
                assert time.monotonic() < deadline, "the other process's events never showed"
                await pilot.pause(0.2)
            assert app.engine is not None and not app.engine.followed  # it follows nothing
    finally:
        follower.send_signal(signal.SIGTERM)
        _out, err = follower.communicate(timeout=60)
    assert follower.returncode == 0, err
