"""The session header says when events of a session are missing from the mirror because their
ids were already stored for another session (a server reissuing ids), naming that session."""

from __future__ import annotations

from textual.widgets import Static
from tui_support import ingest, settle

from drover.tui.screens.session import SessionScreen
from drover.tui.widgets.session_header import SessionHeader

MISSING, HOLDER = "sesn_fleet_001", "sesn_fleet_002"


async def test_the_header_warns_about_events_kept_out_by_an_id_collision(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        reissued = [
            {"type": "agent.message", "id": "sevt_f2_1", "processed_at": "2026-05-12T11:00:00Z",
             "content": [{"type": "text", "text": "not the other session's message"}]},
            {"type": "session.status_idle", "id": "sevt_f2_3",
             "processed_at": "2026-05-12T11:00:01Z", "stop_reason": {"type": "end_turn"}},
        ]  # fmt: skip
        await ingest(app, MISSING, reissued)
        app.open_session(MISSING)
        await settle(pilot)
        assert isinstance(app.screen, SessionScreen)
        header = app.screen.query_one(SessionHeader)
        line = header.query_one("#collisions", Static)
        assert line.display
        text = str(line.render())
        assert "2 events of this session not mirrored" in text and HOLDER in text

        app.open_session(HOLDER)  # the session holding the ids shows no warning
        await settle(pilot)
        assert not app.screen.query_one(SessionHeader).query_one("#collisions", Static).display
