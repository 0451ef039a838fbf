"""The session screen is made once and reused for each session opened (issue 13: composing,
mounting and styling a fresh screen was most of `enter`'s cost on the fleet).

What reuse must not do: show the last session's events, header, lane or expanded events; keep
following a session nobody looks at; or push one screen twice when a session is opened from a
session.
"""

from __future__ import annotations

import threading

from test_session import _events, open_session
from tui_support import HOSTILE, LONG, ingest, settle

from drover.store.reader import MirrorReader
from drover.tui.screens.fleet import FleetScreen
from drover.tui.screens.session import SessionScreen
from drover.tui.widgets.session_header import SessionHeader
from drover.tui.widgets.thread_bar import ThreadBar


async def _back(pilot) -> None:
    await pilot.press("escape")
    await settle(pilot)
    assert isinstance(pilot.app.screen, FleetScreen)


async def test_opening_a_second_session_reuses_the_screen_and_shows_only_it(
    make_app, monkeypatch
) -> None:
    read_on: set[str] = set()
    transcript = MirrorReader.transcript

    def recording(self, *args, **kwargs):
        read_on.add(threading.current_thread().name)
        return transcript(self, *args, **kwargs)

    monkeypatch.setattr(MirrorReader, "transcript", recording)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        first = await open_session(pilot, LONG)
        first.events._expanded[first.events.blocks[-1].row.seq] = True  # as `enter` records
        await _back(pilot)
        assert app.focused_session_id is None  # closing still hands previews back

        app.open_session(HOSTILE)
        # Pushed once its first page is read: its first frame shows the session, not "no events".
        assert isinstance(app.screen, FleetScreen)
        await settle(pilot)
        second = app.screen
        assert second is first
        assert second.session_id == HOSTILE and second.lane is None
        assert second.events.blocks
        assert {block.row.session_id for block in second.events.blocks} == {HOSTILE}
        assert not second.events._expanded
        header = second.query_one(SessionHeader)
        assert header.row is not None and header.row.id == HOSTILE
        assert second.query_one(ThreadBar).selected is None
        assert app.focused_session_id == HOSTILE
    # Every page was read on the read pool, never on the event loop's thread.
    assert read_on and threading.main_thread().name not in read_on


async def test_a_session_opened_from_a_session_gets_its_own_screen(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        reused = await open_session(pilot, LONG)
        app.open_session(HOSTILE)  # e.g. a child session, or the inbox's next one
        await settle(pilot)
        fresh = app.screen
        assert isinstance(fresh, SessionScreen) and fresh is not reused
        assert fresh.session_id == HOSTILE and reused.session_id == LONG
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is reused and not fresh.is_attached  # the extra one is removed
        assert {block.row.session_id for block in reused.events.blocks} == {LONG}


async def test_a_closed_session_screen_stops_following(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_session(pilot, LONG)
        last = screen.events.last_seq
        await _back(pilot)
        await ingest(app, LONG, _events(0, 5))
        await settle(pilot)
        assert screen.is_attached  # installed: kept for the next session
        assert screen.events.last_seq == last  # nothing read for a screen nobody sees
        screen = await open_session(pilot, LONG)
        assert screen.events.blocks[-1].row.id == "sevt_new4"
