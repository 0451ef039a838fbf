"""Custom tool calls want a result, not an approval: the row says so, `y` and bulk acts say
what they skip and why, and `o` opens the result dialog (text, or a file; an error flag), whose
answer goes through the outbox as `user.custom_tool_result`. The round trip on the sim is in
test_custom_tool_live.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import Checkbox, Input, Static, TextArea
from tui_support import cursor_to, fleet_after, queued, settle

from drover.tui.app import DroverApp
from drover.tui.screens.confirm import ConfirmScreen
from drover.tui.screens.fleet import FleetScreen
from drover.tui.screens.tool_result import ToolResultScreen, input_text
from drover.tui.widgets.session_header import SessionHeader

A, B, C = "sesn_fleet_001", "sesn_fleet_002", "sesn_fleet_003"


def waiting(sid: str, *calls: tuple[str, str, str]) -> list[dict[str, Any]]:
    """Events leaving `sid` idle on requires_action for `calls` ((id, kind, name) triples;
    kind `custom` or `ask`)."""
    events: list[dict[str, Any]] = []
    for i, (eid, kind, name) in enumerate(calls):
        event = {"id": eid, "name": name, "processed_at": f"2026-05-12T11:58:0{i}Z"}
        if kind == "custom":
            event.update(type="agent.custom_tool_use", input={"id": f"SUP-{4821 + i}"})
        else:
            event.update(type="agent.tool_use", input={"command": "make deploy"},
                         evaluated_permission="ask")  # fmt: skip
        events.append(event)
    events.append(
        {"type": "session.status_idle", "id": f"{sid}_idle", "processed_at": "2026-05-12T11:58:09Z",
         "stop_reason": {"type": "requires_action", "event_ids": [c[0] for c in calls]}}
    )  # fmt: skip
    return events


async def fleet_with(pilot: Any, asks: dict[str, list[tuple[str, str, str]]]) -> FleetScreen:
    return await fleet_after(pilot, {sid: waiting(sid, *calls) for sid, calls in asks.items()})


def notices(app: DroverApp) -> list[str]:
    return [n.message for n in app._notifications]


async def test_the_row_says_a_custom_tool_wants_a_result_and_y_points_to_o(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(200, 40)) as pilot:  # wide enough for the whole reason
        screen = await fleet_with(pilot, {A: [("sevt_c1", "custom", "lookup_ticket")]})
        row = app.mirror.reader.session(A)
        assert row.needs_you == "requires_action"
        line = "".join(s.text for s in screen.table.render_line(screen.table.ids.index(A)))
        assert "custom tool lookup_ticket wants a result" in line
        await cursor_to(pilot, screen, A)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, FleetScreen) and queued(app) == []
        assert any(
            "custom tool lookup_ticket wants a result" in n and "Press o" in n for n in notices(app)
        )


async def test_o_sends_the_typed_result(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await fleet_with(pilot, {A: [("sevt_c1", "custom", "lookup_ticket")]})
        await cursor_to(pilot, screen, A)
        await pilot.press("o")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ToolResultScreen)
        assert dialog.call.tool_use_id == "sevt_c1" and dialog.call.tool == "lookup_ticket"
        assert "SUP-4821" in str(dialog.query_one("#input", Static).render())
        await pilot.press("ctrl+s")  # nothing typed: refused in place
        await settle(pilot)
        assert app.screen is dialog and "Type the tool's result" in str(
            dialog.query_one("#problem", Static).render()
        )
        dialog.query_one("#result", TextArea).text = "SUP-4821: CSV export times out"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, FleetScreen)
        assert queued(app) == [
            (A, "custom_tool_result", {"custom_tool_use_id": "sevt_c1",
             "content": "SUP-4821: CSV export times out", "is_error": False}),
        ]  # fmt: skip
        assert any("result for custom tool lookup_ticket queued" in n for n in notices(app))

        await pilot.press("o")  # its result is in the outbox: nothing else waits
        await settle(pilot)
        assert isinstance(app.screen, FleetScreen)
        assert any("No custom tool is waiting" in n for n in notices(app))


async def test_o_sends_a_files_text_as_an_error_and_checks_the_path_first(
    make_app, tmp_path: Path
) -> None:
    app = make_app()
    output = tmp_path / "out.txt"
    output.write_text("ticket service: 503 Service Unavailable\n", encoding="utf-8")
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await fleet_with(
            pilot,
            {A: [("sevt_c1", "custom", "lookup_ticket"), ("sevt_c2", "custom", "lookup_ticket")]},
        )
        await cursor_to(pilot, screen, A)
        await pilot.press("o")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ToolResultScreen) and dialog.waiting == 2
        problem = dialog.query_one("#problem", Static)
        dialog.query_one("#result", TextArea).text = "typed"
        dialog.query_one("#file", Input).value = str(output)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "not both" in str(problem.render())
        dialog.query_one("#result", TextArea).text = ""
        dialog.query_one("#file", Input).value = str(tmp_path / "missing.txt")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is dialog and "no such file" in str(problem.render())
        dialog.query_one("#file", Input).value = str(output)
        dialog.query_one("#error", Checkbox).value = True
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, FleetScreen)
        assert queued(app) == [
            (A, "custom_tool_result", {"custom_tool_use_id": "sevt_c1",
             "content": "ticket service: 503 Service Unavailable\n", "is_error": True}),
        ]  # fmt: skip
        await pilot.press("o")  # the next one waiting
        await settle(pilot)
        assert isinstance(app.screen, ToolResultScreen)
        assert app.screen.call.tool_use_id == "sevt_c2"


async def test_bulk_allow_says_what_it_skipped_and_why(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await fleet_with(
            pilot,
            {A: [("sevt_a1", "ask", "bash")], B: [("sevt_b1", "custom", "lookup_ticket")]},
        )
        for sid in (A, B, C):
            await cursor_to(pilot, screen, sid)
            await pilot.press("space")
        await pilot.press("y")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen)
        assert dialog.question == (
            "Allow 1 tool call in 1 session? "
            "(skipping 1 custom tool call, 1 session with nothing waiting)"
        )
        details = "\n".join(dialog.details)
        assert "skipped 1 custom tool call (they need a result, not an approval" in details
        assert "nightly docs 002 · lookup_ticket" in details
        assert "skipped (nothing waiting): nightly docs 003" in details
        await pilot.press("y")
        await settle(pilot)
        assert queued(app) == [(A, "tool_confirmation", {"tool_use_id": "sevt_a1", "allow": True})]
        assert any(
            "allow queued for 1 tool call; skipped 1 custom tool call (they need a result: "
            "press o); skipped 1 session with nothing waiting" in n
            for n in notices(app)
        )


async def test_the_session_header_points_to_o(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await fleet_with(pilot, {A: [("sevt_c1", "custom", "lookup_ticket")]})
        app.open_session(A)
        await settle(pilot)
        reason = app.screen.query_one(SessionHeader).query_one("#reason", Static)
        text = str(reason.render())
        assert "custom tool lookup_ticket wants a result" in text and "o sends the result" in text
        await pilot.press("o")
        await settle(pilot)
        assert isinstance(app.screen, ToolResultScreen)


async def test_readonly_refuses_o(make_app) -> None:
    app = make_app(readonly=True)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await fleet_with(pilot, {A: [("sevt_c1", "custom", "lookup_ticket")]})
        await cursor_to(pilot, screen, A)
        await pilot.press("o")
        await settle(pilot)
        assert isinstance(app.screen, FleetScreen)
        assert any("Read-only" in n for n in notices(app))


def test_the_input_is_shown_inertly_and_cut() -> None:
    text = input_text({"id": "\x1b]0;pwned\x07", "lines": list(range(20))}, lines=4)
    assert "\x1b" not in text and "\\u001b]0;pwned" in text  # JSON escapes it visibly
    assert text.splitlines()[-1] == "… 21 more lines" and len(text.splitlines()) == 5
    assert input_text("raw \x1b[31mred") == "raw ␛[31mred"  # a string input, made inert
