"""Acting from the fleet and inbox rows: y/n/m/i, marks and bulk acts, dialogs, read-only."""

from __future__ import annotations

from typing import Any

from textual.widgets import TextArea
from tui_support import cursor_to, fleet_after, queued, settle

from drover.store.models import SessionRow
from drover.tui.screens.confirm import ConfirmScreen
from drover.tui.screens.fleet import FleetScreen
from drover.tui.viewmodel.action_plan import plan_confirmations
from drover.tui.widgets.fleet_summary import FleetSummary

A, B, C = "sesn_fleet_001", "sesn_fleet_002", "sesn_fleet_003"


def asking(sid: str, *calls: tuple[str, str]) -> list[dict[str, Any]]:
    """Events leaving `sid` idle on requires_action for `calls` ((event id, command) pairs)."""
    events: list[dict[str, Any]] = [
        {"type": "agent.tool_use", "id": eid, "name": "bash", "input": {"command": cmd},
         "evaluated_permission": "ask", "processed_at": f"2026-05-12T11:58:0{i}Z"}
        for i, (eid, cmd) in enumerate(calls)
    ]  # fmt: skip
    events.append(
        {"type": "session.status_idle", "id": f"{sid}_idle",
         "stop_reason": {"type": "requires_action", "event_ids": [e for e, _ in calls]},
         "processed_at": "2026-05-12T11:58:09Z"}
    )  # fmt: skip
    return events


async def fleet_with_asks(pilot: Any, asks: dict[str, list[tuple[str, str]]]) -> FleetScreen:
    """The fleet after `asks` were ingested and the list re-sorted."""
    return await fleet_after(pilot, {sid: asking(sid, *calls) for sid, calls in asks.items()})


async def test_y_on_a_row_allows_its_single_call_without_a_dialog(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await fleet_with_asks(pilot, {A: [("sevt_a1", "rm -rf build")]})
        await cursor_to(pilot, screen, A)
        await pilot.press("y")
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmScreen)
        assert queued(app) == [(A, "tool_confirmation", {"tool_use_id": "sevt_a1", "allow": True})]


async def test_n_asks_for_a_deny_message_and_queues_it(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await fleet_with_asks(pilot, {A: [("sevt_a1", "terraform apply")]})
        await cursor_to(pilot, screen, A)
        await pilot.press("n")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen)
        assert dialog.question == "Deny 1 tool call in 1 session?"
        assert any("bash: terraform apply" in line for line in dialog.details)
        await pilot.press(*"use staging", "enter")
        await settle(pilot)
        assert queued(app) == [
            (A, "tool_confirmation",
             {"tool_use_id": "sevt_a1", "allow": False, "deny_message": "use staging"}),
        ]  # fmt: skip


async def test_n_then_escape_queues_nothing(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await fleet_with_asks(pilot, {A: [("sevt_a1", "terraform apply")]})
        await cursor_to(pilot, screen, A)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, FleetScreen) and queued(app) == []


async def test_several_pending_calls_are_listed_and_answered_together(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await fleet_with_asks(
            pilot, {A: [("sevt_a1", "terraform plan"), ("sevt_a2", "terraform apply")]}
        )
        await cursor_to(pilot, screen, A)
        await pilot.press("y")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen)
        assert dialog.question == "Allow 2 tool calls in 1 session?"
        assert [line.split(" · ")[1] for line in dialog.details] == [
            "bash: terraform plan",
            "bash: terraform apply",
        ]
        await pilot.press("y")  # confirms (no text field in an allow dialog)
        await settle(pilot)
        assert [p["tool_use_id"] for _, _, p in queued(app)] == ["sevt_a1", "sevt_a2"]
        assert all(p["allow"] is True for _, _, p in queued(app))


async def test_bulk_deny_of_marked_rows_confirms_counts_and_tools(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await fleet_with_asks(
            pilot,
            {A: [("sevt_a1", "drop table users")],
             B: [("sevt_b1", "git push -f"), ("sevt_b2", "rm -rf /tmp/x")]},
        )  # fmt: skip
        for sid in (A, B):
            await cursor_to(pilot, screen, sid)
            await pilot.press("space")
        await pilot.pause()
        assert sorted(screen.table.marked) == [A, B]
        assert screen.query_one(FleetSummary).marked == 2
        row_text = "".join(s.text for s in screen.table.render_line(screen.table.ids.index(A)))
        assert "✓ " in row_text

        await pilot.press("n")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen)
        assert dialog.question == "Deny 3 tool calls in 2 sessions?"
        tools = " ".join(dialog.details)
        assert "drop table users" in tools and "git push -f" in tools and "rm -rf /tmp/x" in tools
        await pilot.press("escape")
        await settle(pilot)
        assert queued(app) == [] and len(screen.table.marked) == 2  # cancel keeps the marks

        await pilot.press("n")
        await settle(pilot)
        await pilot.press(*"not now", "enter")
        await settle(pilot)
        rows = queued(app)
        assert sorted((sid, p["tool_use_id"]) for sid, _, p in rows) == [
            (A, "sevt_a1"), (B, "sevt_b1"), (B, "sevt_b2"),
        ]  # fmt: skip
        assert all(
            k == "tool_confirmation" and p["allow"] is False and p["deny_message"] == "not now"
            for _, k, p in rows
        )
        assert screen.table.marked == [] and screen.query_one(FleetSummary).marked == 0


async def test_bulk_interrupt_and_escape_clears_marks_before_the_filter(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await fleet_with_asks(pilot, {})
        screen.set_filter("nightly docs 00[123]")
        await settle(pilot)
        await pilot.press("space", "space")
        assert len(screen.table.marked) == 2
        await pilot.press("escape")
        assert screen.table.marked == [] and screen.query_state.pattern
        await pilot.press("escape")
        await settle(pilot)
        assert not screen.query_state.pattern

        screen.set_filter("nightly docs 00[123]")
        await settle(pilot)
        screen.table.cursor = 0
        marked = list(screen.table.ids[:2])
        await pilot.press("space", "space", "i")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen) and dialog.question == "Interrupt 2 sessions?"
        await pilot.click("#confirm")
        await settle(pilot)
        assert sorted(queued(app)) == sorted((sid, "interrupt", {}) for sid in marked)


async def test_m_replies_to_the_highlighted_row_in_the_inbox(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await fleet_with_asks(pilot, {A: [("sevt_a1", "ls")]})
        await pilot.press("colon", *"inbox", "enter")
        await settle(pilot)
        inbox = app.screen
        assert isinstance(inbox, FleetScreen) and inbox.query_state.needs_only
        await cursor_to(pilot, inbox, A)
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("enter")  # a new line in the composer, not a send
        await settle(pilot)
        composer = app.screen
        assert isinstance(composer, ConfirmScreen)
        composer.query_one(TextArea).text = "carry on,\nbut log it"
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert queued(app) == [
            (A, "message", {"text": "carry on,\nbut log it"}),
            (A, "tool_confirmation", {"tool_use_id": "sevt_a1", "allow": True}),
        ]


async def test_readonly_refuses_every_act(make_app) -> None:
    app = make_app(readonly=True)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await fleet_with_asks(pilot, {A: [("sevt_a1", "rm -rf build")]})
        await cursor_to(pilot, screen, A)
        for key in ("y", "n", "m", "i"):
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, FleetScreen), key
        refusals = [n for n in app._notifications if "Read-only" in n.message]
        assert len(refusals) == 4
        await pilot.press("space", "n")  # marking is harmless; acting on marks is not
        await settle(pilot)
        assert app.mirror.reader.outbox() == []


def _row(sid: str, pending: list[dict[str, Any]]) -> SessionRow:
    fields = dict.fromkeys(SessionRow.__dataclass_fields__)
    fields.update(id=sid, deleted=False, title=f"t {sid}", pending_actions=pending,
                  high_water_seq=0, event_count=0)  # fmt: skip
    return SessionRow(**fields)


def test_plan_skips_custom_tools_and_sessions_with_nothing_pending() -> None:
    rows = [
        _row("s1", [{"event_id": "e1", "type": "agent.tool_use", "name": "bash", "input": {}}]),
        _row("s2", [{"event_id": "e2", "type": "agent.custom_tool_use", "name": "lookup"}]),
        _row("s3", []),
        _row("s4", [{"event_id": "e4", "type": "agent.mcp_tool_use", "name": "gh", "input": {}}]),
    ]
    plan = plan_confirmations(rows, allow=True)
    assert [c.tool_use_id for c in plan.calls] == ["e1", "e4"]
    assert plan.skipped == ("t s2", "t s3") and plan.needs_dialog
    assert [c.tool_use_id for c in plan.custom] == ["e2"] and plan.idle == ("t s3",)
    assert plan.question() == (
        "Allow 2 tool calls in 2 sessions? "
        "(skipping 1 custom tool call, 1 session with nothing waiting)"
    )
    single = plan_confirmations(rows[:1], allow=True)
    assert not single.needs_dialog
    assert plan_confirmations(rows[:1], allow=False).needs_dialog  # deny always asks (message)
    assert [a.payload for a in plan_confirmations(rows[:1], False).actions("  ")] == [
        {"tool_use_id": "e1", "allow": False}
    ]
