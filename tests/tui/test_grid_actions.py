"""Acting where you look: the grid's panes take `y`, `n`, `m`, `i` like the list, and `w` fills
the grid with the sessions that need you, in needs-you order, keeping it filled as you answer.
Also the fleet's archived toggle (`a`)."""

from __future__ import annotations

from typing import Any

from test_grid import focus_slot, open_grid
from test_new_session import calls, recording_app
from textual.widgets import TextArea
from tui_support import APPROVAL, NOW, ingest, settle, until

from drover.store.fleet import FleetQuery
from drover.tui.screens.confirm import ConfirmScreen
from drover.tui.screens.fleet import FleetScreen
from drover.tui.screens.grid import GridScreen
from drover.tui.viewmodel.fleet_cells import fleet_cells


def _needs(app: Any) -> list[str]:
    return app.mirror.reader.fleet_ids(FleetQuery(needs_only=True))


async def _slot_of(pilot: Any, screen: GridScreen, session_id: str) -> int:
    slot = next(p.slot for p in screen.visible_panes() if p.session_id == session_id)
    await focus_slot(pilot, screen, slot)
    return slot


async def test_w_fills_the_grid_with_who_needs_you_in_needs_order(make_showcase_app) -> None:
    app = recording_app(make_showcase_app)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_grid(pilot, 4)
        await pilot.press("w")
        await settle(pilot)
        needs = _needs(app)
        assert len(needs) == 3 and screen.needs_mode
        assert [p.session_id for p in screen.visible_panes()] == [*needs, None]
        hints = {p.session_id: str(p.border_subtitle) for p in screen.visible_panes()}
        assert hints[APPROVAL] == "y allow · n deny · m reply"


async def test_an_answered_pane_makes_room_for_the_next_that_needs_you(make_showcase_app) -> None:
    app = recording_app(make_showcase_app)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_grid(pilot, 2)
        run = "grid 2 needs"
        await pilot.press("colon", *run, "enter")
        await settle(pilot)
        first, second, third = _needs(app)
        assert [p.session_id for p in screen.visible_panes()] == [first, second]
        answered = first if first == APPROVAL else second
        assert answered == APPROVAL
        await ingest(app, APPROVAL, [
            {"type": "user.tool_confirmation", "id": f"sevt_ok{n}", "tool_use_id": f"sevt_a{n}",
             "result": "allow", "processed_at": "2026-05-12T11:59:00Z"}
            for n in (4, 5)
        ])  # fmt: skip
        await until(pilot, lambda: APPROVAL not in _needs(app), "the approval answered")
        await until(pilot, lambda: third in [p.session_id for p in screen.visible_panes()],
                    "the next session that needs you")  # fmt: skip
        kept = next(s for s in (first, second) if s != APPROVAL)
        assert kept in [p.session_id for p in screen.visible_panes()], "the other pane stays"


async def test_y_n_m_i_act_on_the_focused_pane(make_showcase_app) -> None:
    app = recording_app(make_showcase_app)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_grid(pilot, 4)
        await pilot.press("w")
        await settle(pilot)
        await _slot_of(pilot, screen, APPROVAL)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)  # two calls: listed before allowing
        await pilot.press("enter")
        await settle(pilot)
        assert calls(app) == [("submit", APPROVAL, "tool_confirmation")] * 2

        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("escape")
        await settle(pilot)

        await pilot.press("m")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen)
        dialog.query_one(TextArea).text = "Roll back if p95 rises."
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert calls(app)[-1] == ("submit", APPROVAL, "message")

        other = next(p for p in screen.visible_panes() if p.session_id not in (APPROVAL, None))
        await focus_slot(pilot, screen, other.slot)
        await pilot.press("i")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")  # an interrupt is confirmed with y (enter is cancel's)
        await settle(pilot)
        assert calls(app)[-1] == ("submit", other.session_id, "interrupt")
        assert isinstance(app.screen, GridScreen)


async def test_a_shows_archived_sessions_in_the_fleet_and_hides_them_again(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await app.mirror.writer.upsert_sessions([{
            "id": "sesn_old", "type": "session", "status": "terminated", "title": "old review",
            "agent": {"id": "agent_docs", "name": "Docs Writer"}, "environment_id": "env_1",
            "created_at": "2026-05-01T10:00:00Z", "archived_at": "2026-05-02T10:00:00Z",
        }])  # fmt: skip
        fleet = app.screen
        assert isinstance(fleet, FleetScreen)
        fleet.reload()
        await settle(pilot)
        assert "sesn_old" not in fleet.table.ids
        await pilot.press("a")
        await settle(pilot)
        assert "sesn_old" in fleet.table.ids and fleet.query_state.archived
        fleet.table.cursor = list(fleet.table.ids).index("sesn_old")
        await settle(pilot)
        row = fleet.table.current_row()
        assert row is not None and fleet_cells(row, NOW, None)["status"] == "archived"
        await pilot.press("a")
        await settle(pilot)
        assert "sesn_old" not in fleet.table.ids
