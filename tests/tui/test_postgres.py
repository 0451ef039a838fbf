"""The app on a team's shared PostgreSQL mirror: the same screens as on the embedded one, and
what the hub (another process) writes appears without any action of the viewer's."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from textual.widgets import Input
from tui_support import LONG, NOW, build_mirror, screen_text, settle

from drover.store.fleet import FleetQuery
from drover.store.mirror import Mirror
from drover.tui.app import DroverApp
from drover.tui.screens.fleet import FleetScreen
from drover.tui.screens.search import SearchScreen
from drover.tui.screens.session import SessionScreen

SIZE = (120, 40)

# The hub: another process writing a new run into the shared mirror.
_HUB = """
import json, sys
from drover.store.mirror import Mirror
session, events = json.loads(sys.argv[2])
with Mirror.open(sys.argv[1]) as mirror:
    mirror.writer.submit("upsert_sessions", [session]).result()
    mirror.writer.submit("ingest", session["id"], events).result()
"""


def _new_run() -> list[object]:
    session = {
        "id": "sesn_from_the_hub", "type": "session", "title": "written by the hub",
        "status": "running", "agent": {"id": "agent_hub", "name": "hub-agent"},
        "created_at": "2026-05-12T11:59:00Z", "updated_at": "2026-05-12T11:59:30Z",
    }  # fmt: skip
    events = [{"type": "session.status_running", "id": "sevt_hub_1",
               "processed_at": "2026-05-12T11:59:10Z"}]  # fmt: skip
    return [session, events]


async def test_fleet_session_search_and_the_hubs_writes_on_a_postgresql_mirror(
    pg_url: str, tmp_path: Path
) -> None:
    build_mirror(tmp_path, location=pg_url)
    lite = build_mirror(tmp_path / "lite")
    with Mirror.open(lite) as same_on_sqlite:
        expected_fleet = same_on_sqlite.reader.fleet_ids(FleetQuery())
    app = DroverApp(
        data_dir=tmp_path / "data", config_path=tmp_path / "config.toml", clock=lambda: NOW,
        store=pg_url,
    )  # fmt: skip
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.mirror is not None and app.mirror.location == pg_url
        screen = pilot.app.screen
        assert isinstance(screen, FleetScreen)
        assert list(screen.table.ids) == expected_fleet

        app.open_session(LONG)
        await settle(pilot)
        session = pilot.app.screen
        assert isinstance(session, SessionScreen)
        assert "line 259" in screen_text(session.events)  # the tail
        await pilot.press("escape")
        await settle(pilot)

        await pilot.press("ctrl+f")
        await settle(pilot)
        search = pilot.app.screen
        assert isinstance(search, SearchScreen)
        search.query_one(Input).value = "module agent:docgen-1"
        await pilot.press("enter")
        await settle(pilot)
        assert len(search.hit_list.hits) == 13
        assert {hit.agent_name for hit in search.hit_list.hits} == {"docgen-1"}
        await pilot.press("escape")
        await settle(pilot)

        subprocess.run(
            [sys.executable, "-c", _HUB, pg_url, json.dumps(_new_run())],
            check=True, timeout=60, capture_output=True,
        )  # fmt: skip
        fleet = pilot.app.screen
        assert isinstance(fleet, FleetScreen)
        for _ in range(100):  # the notice, the 4/s flush, the reload: no key pressed
            if "sesn_from_the_hub" in fleet.table.ids:
                break
            await pilot.pause(0.05)
            await settle(pilot)
        assert "sesn_from_the_hub" in fleet.table.ids
