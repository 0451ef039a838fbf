"""End to end on the real sim: a risky-ops session asks; `y` on its fleet row answers it."""

from __future__ import annotations

from sim_http import server_events
from tui_support import live_app, risky_session, settle, until, until_asking

from drover.tui.screens.fleet import FleetScreen

TIMEOUT = 30.0


async def test_y_on_a_row_sends_the_tool_confirmation_to_the_sim(sim, tmp_path, monkeypatch):
    monkeypatch.setenv("DROVER_CONFIG", str(tmp_path / "config.toml"))
    sid = risky_session(sim)
    app = live_app(sim, tmp_path)
    async with app.run_test(size=(140, 40)) as pilot:
        row = await until_asking(pilot, sid)
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
