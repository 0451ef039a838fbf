"""End to end on the real sim: a triage-bot session calls its custom tool `lookup_ticket`; the
fleet row says it wants a result, `o` sends one from the result dialog, and the agent goes on
with it."""

from __future__ import annotations

import time
from typing import Any

from sim_http import api, server_events
from textual.widgets import TextArea
from tui_support import live_app, settle, until, until_asking

from drover.tui.screens.fleet import FleetScreen
from drover.tui.screens.tool_result import ToolResultScreen

LOOKUP_TICKET = {
    "type": "custom",
    "name": "lookup_ticket",
    "description": "Fetch a support ticket by its id",
    "input_schema": {"type": "object", "properties": {"id": {"type": "string"}}},
}


def triage_session(sim: Any) -> str:
    """An agent playing triage-bot (custom tool `lookup_ticket`) and a started session."""
    agent = api(sim, "POST", "/v1/agents", json={
        "name": "Ticket Triage", "model": "claude-haiku-4-5",
        "metadata": {"scenario": "triage-bot"},
        "tools": [{"type": "agent_toolset_20260401"}, LOOKUP_TICKET]})  # fmt: skip
    env = api(sim, "POST", "/v1/environments",
              json={"name": f"env-{time.monotonic_ns()}", "config": {"type": "cloud"}})  # fmt: skip
    return api(sim, "POST", "/v1/sessions", json={
        "agent": agent["id"], "environment_id": env["id"], "title": "triage the export bug",
        "initial_events": [{"type": "user.message",
                            "content": [{"type": "text", "text": "triage it"}]}],
    })["id"]  # fmt: skip


async def test_o_answers_a_custom_tool_call_and_the_agent_goes_on(sim, tmp_path, monkeypatch):
    monkeypatch.setenv("DROVER_CONFIG", str(tmp_path / "config.toml"))
    sid = triage_session(sim)
    app = live_app(sim, tmp_path)
    async with app.run_test(size=(140, 40)) as pilot:
        row = await until_asking(pilot, sid)
        [pending] = row.pending_actions
        assert pending["type"] == "agent.custom_tool_use" and pending["name"] == "lookup_ticket"

        screen = app.screen
        assert isinstance(screen, FleetScreen)
        await until(pilot, lambda: sid in screen.table.ids, "the row")
        screen.table.cursor = list(screen.table.ids).index(sid)
        await pilot.press("o")  # the dialog opens once a worker re-read the row from the mirror
        dialog = await until(
            pilot, lambda: isinstance(app.screen, ToolResultScreen) and app.screen, "the dialog"
        )
        dialog.query_one("#result", TextArea).text = "SUP-4821: exports over 1M rows time out"
        await pilot.press("ctrl+s")

        [result] = await until(
            pilot, lambda: server_events(sim, sid, "user.custom_tool_result"), "the result"
        )
        assert result["custom_tool_use_id"] == pending["event_id"]
        assert result["content"] == [
            {"type": "text", "text": "SUP-4821: exports over 1M rows time out"}
        ]
        assert result["is_error"] is False

        def finished() -> bool:
            row = app.mirror.reader.session(sid)
            return row is not None and row.stop_reason == "end_turn" and not row.needs_you

        await until(pilot, finished, "the turn to finish in the mirror")
        assert [r.state for r in app.mirror.reader.outbox(sid)] == ["sent"]
        await settle(pilot)
