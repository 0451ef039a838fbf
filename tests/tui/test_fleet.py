"""Fleet screen behaviour: order, needs-you first, filter, sort, held order, read-only."""

from __future__ import annotations

from textual.pilot import Pilot
from tui_support import HOSTILE, ingest, settle

from drover.tui.app import DroverApp
from drover.tui.screens.fleet import FleetScreen
from drover.tui.screens.help import HelpScreen
from drover.tui.widgets.fleet_summary import FleetSummary


async def fleet(pilot: Pilot) -> FleetScreen:
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, FleetScreen)
    return screen


async def test_needs_you_sessions_come_first(make_app) -> None:
    app: DroverApp = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await fleet(pilot)
        ids = list(screen.table.ids)
        rows = app.reader.fleet_rows(ids)
        flags = [rows[i].needs_you is not None for i in ids]
        assert flags[0] and flags == sorted(flags, reverse=True)
        assert sum(flags) == screen.query_one(FleetSummary).counts.needs_you


async def test_filter_and_inverse_filter_from_the_slash_prompt(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await fleet(pilot)
        total = len(screen.table.ids)
        await pilot.press("slash", *"docs 00[0-4]", "enter")
        await settle(pilot)
        assert list(screen.table.ids) == [f"sesn_fleet_00{i}" for i in (4, 3, 2, 1, 0)] or sorted(
            screen.table.ids
        ) == [f"sesn_fleet_00{i}" for i in range(5)]
        await pilot.press("slash", "ctrl+u", *"!nightly", "enter")
        await settle(pilot)
        assert screen.table.ids and not any("fleet" in sid for sid in screen.table.ids)
        assert len(screen.table.ids) == total - 40
        await pilot.press("escape")
        await settle(pilot)
        assert len(screen.table.ids) == total


async def test_bad_regex_is_reported_not_raised(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await fleet(pilot)
        screen.set_filter("([")
        await settle(pilot)
        assert any("Bad filter" in n.message for n in app._notifications)


async def test_sort_cycles_and_keeps_needs_you_first(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await fleet(pilot)
        screen.set_sort("cost")
        await settle(pilot)
        ids = list(screen.table.ids)
        rows = app.reader.fleet_rows(ids)
        rest = [rows[i] for i in ids if rows[i].needs_you is None]
        costs = [r.list_cost_cents or 0 for r in rest]
        assert costs == sorted(costs, reverse=True)
        assert rows[ids[0]].needs_you is not None
        await pilot.press("s")
        await settle(pilot)
        assert screen.query_one(FleetSummary).query.sort == "title"


async def test_order_is_held_while_reading_and_resorted_on_r(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await fleet(pilot)
        await pilot.press("down", "down", "down")
        before = list(screen.table.ids)
        reading = screen.table.current_id
        # A session at the bottom starts needing you: re-sorting would move it to the top.
        target = before[-1]
        await ingest(app, target, [
            {"type": "session.status_idle", "id": f"evt_budget_{target}",
             "stop_reason": {"type": "budget_reached"}, "processed_at": "2026-05-12T11:59:00Z"},
        ])  # fmt: skip
        await settle(pilot)
        assert list(screen.table.ids) == before
        assert screen.table.current_id == reading
        assert screen.query_one(FleetSummary).order_held
        await pilot.press("r")
        await settle(pilot)
        assert screen.table.ids[0] == target or target in screen.table.ids[:5]
        assert screen.table.current_id == reading
        assert not screen.query_one(FleetSummary).order_held


async def test_fleet_rows_render_agent_text_inertly(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await fleet(pilot)
        screen.set_filter("hostile")
        await settle(pilot)
        assert list(screen.table.ids) == [HOSTILE]
        strip = screen.table.render_line(0)
        text = "".join(segment.text for segment in strip)
        assert "\x1b" not in text and "\x07" not in text
        assert "␛]0;pwned␇" in text


async def test_help_lists_the_active_bindings(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await fleet(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        described = {description for _, description in app.screen.bindings}
        assert {"Filter", "Sort", "Allow", "Deny", "Message", "Interrupt", "Mark"} <= described
        assert {"Mute alerts", "Command", "Help"} <= described


async def test_readonly_hides_and_refuses_actions(make_app) -> None:
    app = make_app(readonly=True)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await fleet(pilot)
        described = {a.binding.description for a in screen.active_bindings.values()}
        assert "Allow" not in described and "Filter" in described
        await pilot.press("y")
        await pilot.pause()
        assert any("Read-only" in n.message for n in app._notifications)
        app.submit_action("sesn_x", "message", {"text": "hi"})
        await settle(pilot)
        assert app.mirror.reader.outbox() == []


async def test_allow_queues_a_tool_confirmation_in_the_outbox(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await fleet(pilot)
        sid = "sesn_fleet_001"
        await ingest(app, sid, [
            {"type": "agent.tool_use", "id": "sevt_ask", "name": "bash",
             "input": {"command": "rm -rf build"}, "evaluated_permission": "ask",
             "processed_at": "2026-05-12T11:58:00Z"},
            {"type": "session.status_idle", "id": "sevt_ask_idle",
             "stop_reason": {"type": "requires_action", "event_ids": ["sevt_ask"]},
             "processed_at": "2026-05-12T11:58:01Z"},
        ])  # fmt: skip
        await pilot.press("r")
        await settle(pilot)
        screen.table.cursor = list(screen.table.ids).index(sid)
        await pilot.press("y")
        await settle(pilot)
        rows = app.mirror.reader.outbox(sid)
        assert [(r.kind, r.payload) for r in rows] == [
            ("tool_confirmation", {"tool_use_id": "sevt_ask", "allow": True})
        ]


async def test_watching_the_top_resorts_live_and_keeps_the_cursor_on_top(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await fleet(pilot)
        assert screen.table.cursor == 0
        target = screen.table.ids[-1]
        await ingest(
            app,
            target,
            [
                {
                    "type": "session.status_idle",
                    "id": "evt_refusal_top",
                    "stop_reason": {"type": "refusal"},
                    "processed_at": "2026-05-12T11:59:30Z",
                }
            ],
        )
        await settle(pilot)
        assert target in screen.table.ids[:4]
        assert screen.table.cursor == 0
        assert not screen.query_one(FleetSummary).order_held


async def test_big_fleet_fetches_only_the_visible_window(tmp_path, monkeypatch) -> None:
    from tui_support import NOW, _session

    from drover.store.mirror import Mirror

    monkeypatch.setenv("DROVER_CONFIG", str(tmp_path / "config.toml"))
    with Mirror.open(tmp_path / "default" / "mirror.db") as mirror:
        sessions = [_session(f"sesn_{i:05d}", f"task {i}", "bulk", i / 10) for i in range(3000)]
        mirror.writer.submit("upsert_sessions", sessions).result()
    app = DroverApp(data_dir=tmp_path, config_path=tmp_path / "config.toml", clock=lambda: NOW)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await fleet(pilot)
        assert len(screen.table.ids) == 3000
        assert len(screen.table._rows) <= 60
        await pilot.press("end")
        await settle(pilot)
        assert screen.table.current_id == screen.table.ids[-1]
        assert screen.table.current_row() is not None


async def test_a_row_strip_is_cached_under_what_it_draws(make_app) -> None:
    """A refetched row that draws the same (its raw JSON changed, say) reuses its strip; one
    whose cells change is drawn again."""
    from dataclasses import replace

    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await fleet(pilot)
        table = screen.table
        first = table.render_line(0)
        row = table._rows[table.ids[0]]
        table._rows[row.id] = replace(row, raw={"changed": "nothing drawn"})
        assert table.render_line(0) is first
        table._rows[row.id] = replace(row, title="a title drawn anew")
        redrawn = table.render_line(0)
        assert redrawn is not first
        assert "a title drawn anew" in "".join(segment.text for segment in redrawn)
