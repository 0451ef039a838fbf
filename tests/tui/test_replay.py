"""Replay: opening at the start or at an event, stepping, playback at speed, notable-event jumps,
go-to by time / offset / event id (and bad input), timeline clicks, lanes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from textual.widgets import Input
from tui_support import LONG, ingest, screen_text, settle

from drover.tui.screens.replay import ReplayScreen
from drover.tui.widgets.timeline import Timeline

NOTABLE = "sesn_notable"
T0 = datetime(2026, 5, 20, 8, 0, tzinfo=UTC)


def _at(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")


def _notable_events() -> list[dict]:
    """40 messages a second apart, an error at 10 s, an approval at 20 s, and an hour of
    idle before the last event."""
    out = []
    for i in range(40):
        ev = {"type": "agent.message", "id": f"sevt_n{i}", "processed_at": _at(i),
              "content": [{"type": "text", "text": f"step {i}"}]}  # fmt: skip
        if i == 10:
            ev = {"type": "session.error", "id": "sevt_n10", "processed_at": _at(i),
                  "error": {"type": "overloaded_error", "message": "busy",
                            "retry_status": {"type": "retrying"}}}  # fmt: skip
        if i == 20:
            ev = {"type": "user.tool_confirmation", "id": "sevt_n20", "processed_at": _at(i),
                  "tool_use_id": "sevt_x", "result": "allow"}  # fmt: skip
        out.append(ev)
    out.append({"type": "agent.message", "id": "sevt_nlast", "processed_at": _at(3600 + 40),
                "content": [{"type": "text", "text": "after the wait"}]})  # fmt: skip
    return out


async def _replay(pilot, session_id: str, at_seq: int | None = None) -> ReplayScreen:
    await settle(pilot)
    pilot.app.open_replay(session_id, at_seq)
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ReplayScreen)
    return screen


async def _replay_notable(pilot) -> ReplayScreen:
    """Mirror the NOTABLE session, then open it in replay at its first event."""
    await settle(pilot)
    await ingest(pilot.app, NOTABLE, _notable_events())
    return await _replay(pilot, NOTABLE)


async def test_replay_opens_at_the_first_event_with_a_timeline(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("R")  # on the fleet's highlighted session
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReplayScreen)
        first = app.mirror.reader.transcript(screen.session_id, after_seq=0, limit=1)[0]
        assert screen.events.current.seq == first.seq and screen.events.cursor == 0
        timeline = screen.query_one(Timeline)
        assert timeline.start is not None and timeline.position == timeline.start
        assert "⏸ paused · 1×" in str(timeline.render())


async def test_step_and_play_follow_the_recorded_pace(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _replay(pilot, LONG)
        events, timeline = screen.events, screen.timeline
        await pilot.press("right", "right")
        await settle(pilot)
        assert events.cursor == 2 and timeline.position > timeline.start
        for _ in range(5):
            await pilot.press("greater_than_sign")
        assert screen.speed == 50
        before = events.cursor
        await pilot.press("space")
        assert screen.playing
        # LONG's events are 0.6 s apart: at 50× about 4 per tick of 50 ms.
        await pilot.pause(0.5)
        await pilot.press("space")
        assert not screen.playing and events.cursor > before + 5
        assert "line" in screen_text(events)


async def test_playback_skips_long_idle_gaps_and_stops_at_the_end(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _replay_notable(pilot)
        screen.events.go_to(app.mirror.reader.event_by_id("sevt_n38").seq)
        await settle(pilot)
        screen.speed = 10
        await pilot.press("space")
        await pilot.pause(1.0)
        # The hour of idle before the last event was skipped, not waited out.
        assert screen.events.current.id == "sevt_nlast" and not screen.playing
        assert screen.timeline.position == T0 + timedelta(seconds=3640)


async def test_brackets_jump_between_notable_events(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _replay_notable(pilot)
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert screen.events.current.id == "sevt_n10"
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert screen.events.current.id == "sevt_n20"
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert screen.events.current.id == "sevt_n10"
        # The error and the approval share the first cell of this hour-long run: the error,
        # more important, is the one shown.
        assert screen.timeline.markers[0].kind == "error"
        bar = str(screen.timeline.render()).splitlines()[1]
        assert bar.startswith("✖")


async def _go_to(pilot, text: str) -> None:
    await pilot.press("g")
    await settle(pilot)
    pilot.app.screen.query_one(Input).value = text
    await pilot.press("enter")
    await settle(pilot)


async def test_go_to_a_time_an_offset_or_an_event_id(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _replay_notable(pilot)
        await _go_to(pilot, "08:00:25")
        assert screen.events.current.id == "sevt_n25"
        await _go_to(pilot, "+5s")
        assert screen.events.current.id == "sevt_n30"
        await _go_to(pilot, "sevt_n3")
        assert screen.events.current.id == "sevt_n3"
        await _go_to(pilot, "100%")
        assert screen.events.current.id == "sevt_nlast"
        await _go_to(pilot, "half past nine")
        assert screen.events.current.id == "sevt_nlast"  # unchanged, and told why
        assert any("is not an event id" in n.message for n in app._notifications)
        await _go_to(pilot, "sevt_nope")
        assert any("No event sevt_nope" in n.message for n in app._notifications)


async def test_opening_at_an_event_far_into_a_long_session(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        target = app.mirror.reader.event_by_id("sevt_l130")
        screen = await _replay(pilot, LONG, at_seq=target.seq)
        events = screen.events
        assert events.current.id == "sevt_l130" and events.has_older and events.has_newer
        assert "line 130" in screen_text(events)
        await pilot.press("home")
        await settle(pilot)
        assert events.current.id == "sevt_l0" and not events.has_older


async def test_a_click_on_the_bar_seeks_to_that_time(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _replay_notable(pilot)
        timeline = screen.timeline
        await pilot.click(Timeline, offset=(timeline.size.width, 1))  # the right end
        await settle(pilot)
        assert screen.events.current.id == "sevt_nlast"


async def test_x_marks_a_range_that_e_exports(make_app) -> None:
    from drover.tui.screens.export_dialog import ExportDialog

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _replay_notable(pilot)
        await pilot.press("right", "right", "right", "x", "right", "right", "right")
        await settle(pilot)
        assert "range marked" in screen.timeline.status
        await pilot.press("e")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        seq = app.mirror.reader.event_by_id
        assert (dialog.from_seq, dialog.to_seq) == (seq("sevt_n3").seq, seq("sevt_n6").seq)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("x", "e")  # cleared: the whole session
        await settle(pilot)
        assert (app.screen.from_seq, app.screen.to_seq) == (None, None)
