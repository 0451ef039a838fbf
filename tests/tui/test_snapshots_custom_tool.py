"""Snapshot of the custom tool result dialog (`o`) in both themes, on the fixture mirror.

Stable as the other snapshots: fixed size, injected clock, workers awaited, and the result
field's cursor not blinking.
"""

from __future__ import annotations

import pytest
from textual.widgets import TextArea
from tui_support import ingest, settle

SIZE = (120, 36)
SESSION = "sesn_fleet_001"
ASKING = [
    {"type": "agent.custom_tool_use", "id": "sevt_custom1", "name": "lookup_ticket",
     "input": {"id": "SUP-4821", "fields": ["title", "customer", "timeline"]},
     "processed_at": "2026-05-12T11:58:00Z"},
    {"type": "agent.custom_tool_use", "id": "sevt_custom2", "name": "lookup_ticket",
     "input": {"id": "SUP-5107"}, "processed_at": "2026-05-12T11:58:01Z"},
    {"type": "session.status_idle", "id": "sevt_idle", "processed_at": "2026-05-12T11:58:02Z",
     "stop_reason": {"type": "requires_action", "event_ids": ["sevt_custom1", "sevt_custom2"]}},
]  # fmt: skip


@pytest.mark.parametrize("theme", ["drover-dark", "drover-light"])
def test_result_dialog_shows_the_tool_its_input_and_both_ways_to_answer(
    snap_compare, make_app, theme: str
) -> None:
    async def open_dialog(pilot) -> None:
        await settle(pilot)
        await ingest(pilot.app, SESSION, ASKING)
        pilot.app.open_session(SESSION)
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        field = pilot.app.screen.query_one("#result", TextArea)
        field.cursor_blink = False
        field.text = "SUP-4821: CSV export times out (Hollis & Grant, Enterprise)"
        await settle(pilot)

    assert snap_compare(make_app(theme=theme), terminal_size=SIZE, run_before=open_dialog)
