"""Transport trouble is shown where the user looks, and the views keep working on the mirror."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from tui_support import LONG, NOW, settle

from drover.sync.connection import ConnectionState
from drover.sync.profiles import ProfileEngines
from drover.tui.app import DroverApp
from drover.tui.screens.fleet import FleetScreen
from drover.tui.viewmodel.connection_text import connection_detail
from drover.tui.widgets.session_header import SessionHeader

TIMEOUT = 30.0


async def test_a_rejected_key_is_told_once_and_the_mirror_stays_usable(sim, data_dir, tmp_path):
    app = DroverApp(
        data_dir=data_dir,
        config_path=tmp_path / "config.toml",
        engines=ProfileEngines.endpoint(sim.base_url, "sk-ant-wrong-key", data_dir),
        desktop_notifications=False,
    )
    async with app.run_test(size=(140, 40)) as pilot:
        deadline = time.monotonic() + TIMEOUT
        while not any("rejected" in n.message.lower() or "401" in n.message
                      for n in app._notifications):  # fmt: skip
            assert time.monotonic() < deadline, "no notice that sync stopped"
            await pilot.pause(0.1)
        told = [n for n in app._notifications if n.severity == "error"]
        assert len(told) == 1 and "drover login --profile default" in told[0].message
        assert "sync stopped" in app.sub_title
        await pilot.pause(1.5)  # the check runs every second: it must not repeat itself
        assert len([n for n in app._notifications if n.severity == "error"]) == 1
        screen = app.screen
        assert isinstance(screen, FleetScreen) and len(screen.table.ids) > 10  # mirror shown


def test_connection_detail_says_why() -> None:
    now = NOW.timestamp()
    stopped = ConnectionState("s", "stopped", now, reason="deleted")
    assert connection_detail(stopped, lambda: now) == "stopped: deleted on the server"
    lost = ConnectionState("s", "reconnecting", now - 42, attempt=3, last_error="503 overloaded")
    assert connection_detail(lost, lambda: now) == "reconnecting for 42s, attempt 3: 503 overloaded"
    assert connection_detail(None, lambda: now) == "not followed (mirror only)"


async def test_session_header_shows_the_reason_inertly(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        app.open_session(LONG)
        await settle(pilot)
        header = app.screen.query_one(SessionHeader)
        header.connection = ConnectionState(
            LONG, "reconnecting", NOW.timestamp() - 5, attempt=2, last_error="bad \x1b[31mgateway"
        )
        await settle(pilot)
        text = str(header.query_one("#figures").render())
        assert "reconnecting for 5s, attempt 2: bad ␛[31mgateway" in text


async def test_session_header_shows_what_you_sent_and_where_it_stands(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        writer = app.mirror.writer
        message = await writer.enqueue_action(LONG, "message", {"text": "run it again"})
        denial = await writer.enqueue_action(
            LONG, "tool_confirmation", {"tool_use_id": "sevt_x", "allow": False}
        )
        await writer.mark_sending(denial)
        await writer.mark_failed(denial, "conflict: session is archived")
        app.open_session(LONG)
        await settle(pilot)
        line = app.screen.query_one("#sent")
        text = str(line.render())
        assert "message “run it again” ⧗ queued" in text
        assert "deny ✗ failed: conflict: session is archived" in text

        await writer.mark_sending(message)
        await writer.mark_sent(message, ["sevt_sent"])
        await asyncio.to_thread(writer.flush)  # on_change runs after the future resolves
        app.feed.flush()
        await settle(pilot)
        assert "message “run it again” ✓ sent" in str(line.render())
