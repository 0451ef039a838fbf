"""Live grid: layouts, auto-fill, picker, batched pulls, no yanking, zoom, previews, inertness."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Input, OptionList
from tui_support import HOSTILE, LONG, ingest, settle

from drover.sync.engines import OfflineEngine
from drover.tui.commands import run_command
from drover.tui.screens.grid import LAYOUTS, GridScreen, nearest_layout
from drover.tui.screens.session import SessionScreen
from drover.tui.screens.session_picker import SessionPicker
from drover.tui.viewmodel import grid_source
from drover.tui.widgets.live_pane import LivePane

SIZE = (120, 36)


class FocusRecorder(OfflineEngine):
    """An engine with no API behind it that records preview focus requests."""

    def __init__(self, writer: Any) -> None:
        super().__init__(writer, "test")
        self.focus: list[str | None] = []

    def set_focus(self, session_id: str | None) -> None:
        self.focus.append(session_id)


def _events(session: str, start: int, count: int, minute: int = 58) -> list[dict[str, Any]]:
    return [
        {
            "type": "agent.message",
            "id": f"sevt_{session}_g{i}",
            "content": [{"type": "text", "text": f"new {i}"}],
            "processed_at": f"2026-05-12T11:{minute:02d}:{i % 60:02d}Z",
        }
        for i in range(start, start + count)
    ]  # fmt: skip


async def open_grid(pilot, layout: int | None = None) -> GridScreen:
    await settle(pilot)
    run_command(pilot.app, f"grid {layout}" if layout else "grid")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, GridScreen)
    return screen


def shown(screen: GridScreen) -> list[LivePane]:
    """Panes actually on screen (display on and laid out)."""
    return [p for p in screen.panes if p.display and p.region.area > 0]


async def focus_slot(pilot, screen: GridScreen, slot: int) -> LivePane:
    pane = screen.panes[slot]
    pane.pane_log.focus()
    await settle(pilot)
    assert screen.focused_slot == slot
    return pane


@pytest.mark.parametrize(("count", "layout"), [(1, 1), (2, 2), (3, 4), (4, 4), (5, 6), (7, 6),
                                               (8, 9), (9, 9)])  # fmt: skip
def test_nearest_layout(count: int, layout: int) -> None:
    assert nearest_layout(count) == layout


async def test_each_layout_shows_its_pane_count(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_grid(pilot)
        assert len(shown(screen)) == 4
        for key in "123456789":
            await pilot.press(key)
            await settle(pilot)
            expected = nearest_layout(int(key))
            assert screen.pane_count == expected and len(shown(screen)) == expected
            # Every pane shown follows a session and has loaded its tail.
            assert all(p.session_id and p.last_seq is not None for p in shown(screen))
        await pilot.press("plus")
        await settle(pilot)
        assert len(shown(screen)) == LAYOUTS[0]  # 9 wraps around to 1
        await pilot.press("minus")
        await settle(pilot)
        assert len(shown(screen)) == 9
        assert len({p.session_id for p in shown(screen)}) == 9  # auto-fill never repeats


async def test_grid_command_takes_a_layout(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_grid(pilot, 6)
        assert len(shown(screen)) == 6
        run_command(app, "grid 1")
        await settle(pilot)
        assert len(shown(screen)) == 1


async def test_auto_fill_picks_the_busiest_sessions(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_grid(pilot)
        # More than any fixture session has after 11:55 (the examples run until 13:00).
        await ingest(app, "sesn_fleet_007", _events("f7", 0, 80))
        await ingest(app, "sesn_fleet_021", _events("f21", 0, 50))
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        ids = [p.session_id for p in shown(screen)]
        assert ids[:2] == ["sesn_fleet_007", "sesn_fleet_021"]
        assert len(set(ids)) == 4


async def test_picker_assigns_a_session_to_the_focused_pane(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_grid(pilot)
        await focus_slot(pilot, screen, 1)
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, SessionPicker)
        await pilot.press(*"fleet_013")
        await settle(pilot)
        assert app.screen.query_one(Input).value == "fleet_013"
        assert app.screen.query_one(OptionList).option_count == 1
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        pane = screen.panes[1]
        assert pane.session_id == "sesn_fleet_013"
        assert ("You: Generate docs for module 13", "user") in pane.pane_log.lines


async def test_new_events_are_pulled_in_one_batch_for_visible_panes_only(
    make_app, monkeypatch
) -> None:
    calls: list[list[grid_source.PaneWant]] = []
    real_pull = grid_source.pull

    def spy(reader, wants):
        calls.append(list(wants))
        return real_pull(reader, wants)

    monkeypatch.setattr(grid_source, "pull", spy)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_grid(pilot)
        screen.assign(0, "sesn_fleet_030")
        screen.assign(5, "sesn_fleet_002")  # hidden in the 4-pane layout
        await settle(pilot)
        pane, hidden = screen.panes[0], screen.panes[5]
        before = pane.pane_log.line_count
        writes: list[int] = []
        real_write = pane.pane_log.write_lines
        monkeypatch.setattr(
            pane.pane_log, "write_lines", lambda ls: (writes.append(len(ls)), real_write(ls))
        )
        calls.clear()
        await ingest(app, "sesn_fleet_030", _events("f30", 0, 25))
        await ingest(app, "sesn_fleet_002", _events("f2", 0, 5))
        await settle(pilot)
        assert pane.pane_log.lines[-1] == ("Agent: new 24", "agent")
        assert pane.pane_log.line_count == before + 25
        assert writes == [25]  # one batch, not one call per event
        # One keyset read after the pane's last seq; the hidden pane read nothing.
        assert [(w.slot, w.after_seq is not None) for c in calls for w in c] == [(0, True)]
        assert hidden.last_seq is None and hidden.stale
        await pilot.press("9")
        await settle(pilot)
        assert hidden.pane_log.lines[-1] == ("Agent: new 4", "agent") and not hidden.stale


async def test_scrolled_up_pane_is_not_yanked_back(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_grid(pilot, 1)
        screen.assign(0, LONG)
        await settle(pilot)
        log = screen.panes[0].pane_log
        log.focus()
        assert log.following and log.scroll_y == log.max_scroll_y
        await ingest(app, LONG, _events("l", 0, 5))
        await settle(pilot)
        assert log.following and log.scroll_y == log.max_scroll_y
        await pilot.press("pageup", "pageup")
        await settle(pilot)
        reading = log.scroll_y
        assert reading < log.max_scroll_y and not log.following
        await ingest(app, LONG, _events("l", 5, 40))
        await settle(pilot)
        assert log.lines[-1] == ("Agent: new 44", "agent")
        assert log.scroll_y == reading
        await pilot.press("G")
        await settle(pilot)
        assert log.following and log.scroll_y == log.max_scroll_y


async def test_a_pane_far_behind_jumps_to_the_tail_without_moving_the_reader(
    make_app, monkeypatch
) -> None:
    monkeypatch.setattr(grid_source, "CATCH_UP", 10)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_grid(pilot, 1)
        screen.assign(0, LONG)
        await settle(pilot)
        log = screen.panes[0].pane_log
        log.focus()
        await pilot.press("pageup")
        await settle(pilot)
        reading, before = log.scroll_y, log.line_count
        await ingest(app, LONG, _events("l", 0, 30))
        await settle(pilot)
        assert log.scroll_y == reading and log.lines[before][0].startswith("┄┄ older events")
        assert log.lines[-1] == ("Agent: new 29", "agent")


async def test_capped_pane_keeps_the_reader_in_place(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_grid(pilot, 1)
        log = screen.panes[0].pane_log
        log.max_lines = 50
        log.write_lines([(f"line {i}", "dim") for i in range(50)])
        await settle(pilot)
        log.scroll_to(y=20, animate=False, immediate=True)
        await settle(pilot)
        top = log.lines[int(log.scroll_y)]
        log.write_lines([(f"more {i}", "dim") for i in range(5)])
        assert log.line_count == 50 and log.lines[int(log.scroll_y)] == top


async def test_zoom_and_back(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_grid(pilot)
        pane = await focus_slot(pilot, screen, 2)
        await pilot.press("z")
        await settle(pilot)
        assert shown(screen) == [pane]
        assert pane.region.width == SIZE[0]
        await pilot.press("z")
        await settle(pilot)
        assert len(shown(screen)) == 4 and pane.region.width < SIZE[0]
        assert screen.focused_slot == 2
        await pilot.press("z", "escape")
        await settle(pilot)
        assert len(shown(screen)) == 4


async def test_enter_opens_the_session_and_back_restores_previews(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_grid(pilot)
        recorder = app.engine = FocusRecorder(app.mirror.writer)
        pane = await focus_slot(pilot, screen, 1)
        assert recorder.focus[-1] == pane.session_id
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SessionScreen)
        assert app.screen.session_id == pane.session_id
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen and recorder.focus[-1] == pane.session_id
        run_command(app, "sessions")  # leaving the grid drops its preview focus
        await settle(pilot)
        assert recorder.focus[-1] is None
        app.engine = None


async def test_focused_pane_shows_the_streamed_preview(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_grid(pilot)
        screen.assign(1, LONG)
        pane = await focus_slot(pilot, screen, 1)
        app.feed.on_preview(
            LONG, {"type": "event_start", "event": {"type": "agent.message", "id": "m1"}}
        )
        delta = {
            "type": "content_delta",
            "content": {"type": "text", "text": "Hello \x1b[31mthere"},
        }
        app.feed.on_preview(LONG, {"type": "event_delta", "event_id": "m1", "delta": delta})
        app.feed.flush()
        await settle(pilot)
        preview = pane.query_one("#preview")
        assert preview.display and "Hello ␛[31mthere" in str(preview.render())
        assert all(p.preview is None for p in screen.panes if p is not pane)
        # Once the message is mirrored the preview goes and the message is in the pane.
        message = {"type": "agent.message", "id": "m1", "content": [{"type": "text", "text": "Hi"}]}
        await ingest(app, LONG, [{**message, "processed_at": "2026-05-12T11:59:59Z"}])
        await settle(pilot)
        app.feed.flush()
        await settle(pilot)
        assert pane.preview is None and not preview.display
        assert pane.pane_log.lines[-1] == ("Agent: Hi", "agent")


async def test_agent_text_in_a_pane_is_inert(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_grid(pilot, 1)
        screen.assign(0, HOSTILE)
        await settle(pilot)
        pane = screen.panes[0]
        text = "\n".join(line for line, _ in pane.pane_log.lines)
        assert "\x1b" not in text and "\x07" not in text
        assert "␛]0;pwned␇" in text and "␛[31mred␛[0m" in text and "[bold red]x[/]" in text
        # The huge tool result is one short line, not 10 MB of text.
        assert max(len(line) for line, _ in pane.pane_log.lines) <= 400
        # Rendered: no markup or escape sequence styled anything beyond the line's own kind.
        agent_y = next(i for i, (line, _) in enumerate(pane.pane_log.lines) if "pwned" in line)
        pane.pane_log.scroll_to(y=0, animate=False, immediate=True)
        strip = pane.pane_log.render_line(agent_y)
        assert "[bold red]x[/]" in strip.text and "\x1b" not in strip.text
        assert len({segment.style for segment in strip if segment.text.strip()}) == 1
        # The title's markup is kept literal (the getter shows it escaped, as markup source).
        assert "\\[bold red]x\\[/]" in str(pane.border_title)


async def test_grid_is_available_read_only(make_app) -> None:
    app = make_app(readonly=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_grid(pilot)
        await pilot.press("6")
        await settle(pilot)
        assert len(shown(screen)) == 6
        await pilot.press("y")  # acting on a pane is refused, never silently dropped
        await settle(pilot)
        assert any("Read-only" in n.message for n in app._notifications)
