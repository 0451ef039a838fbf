"""Session screen: keyset paging, tail following without yanking, inert text, huge results."""

from __future__ import annotations

from textual.widgets import TextArea
from tui_support import BIG_RESULT_CHARS, HOSTILE, LONG, ingest, screen_text, settle

from drover.tui.screens.session import SessionScreen
from drover.tui.screens.transcript_screen import PAGE
from drover.tui.screens.viewer import ViewerScreen
from drover.tui.viewmodel.event_blocks import RESULT_PREVIEW_CHARS
from drover.tui.widgets.event_list import MAX_BLOCKS
from drover.tui.widgets.session_header import SessionHeader

LONG_EVENTS = 260


async def open_session(pilot, session_id: str) -> SessionScreen:
    await settle(pilot)
    pilot.app.open_session(session_id)
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, SessionScreen)
    return screen


def _events(start: int, count: int) -> list[dict]:
    return [
        {
            "type": "agent.message",
            "id": f"sevt_new{i}",
            "content": [{"type": "text", "text": f"new {i}"}],
            "processed_at": f"2026-05-12T11:{i // 60:02d}:{i % 60:02d}Z",
        }
        for i in range(start, start + count)
    ]  # fmt: skip


async def test_older_pages_load_by_keyset_as_the_cursor_moves_up(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_session(pilot, LONG)
        events = screen.events
        assert len(events.blocks) == PAGE and events.has_older and events.following
        newest = events.blocks[-1].row.seq
        presses = 0
        while events.has_older and presses < 100:
            await pilot.press("pageup")
            await settle(pilot)
            presses += 1
        assert not events.has_older and len(events.blocks) == LONG_EVENTS <= MAX_BLOCKS
        seqs = [block.row.seq for block in events.blocks]
        assert seqs == sorted(seqs) and seqs[-1] == newest and len(set(seqs)) == LONG_EVENTS
        await pilot.press("home")
        await settle(pilot)
        assert events.cursor == 0 and "line 1" in screen_text(events)


async def test_tail_is_followed_until_the_user_moves_up(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_session(pilot, LONG)
        events = screen.events
        assert events.following
        await ingest(app, LONG, _events(0, 5))
        await settle(pilot)
        assert events.current.id == "sevt_new4" and "new 4" in screen_text(events)
        # The user moves up to read; new events must not move the view.
        await pilot.press("pageup", "pageup")
        await settle(pilot)
        reading, shown = events.current.id, screen_text(events)
        assert not events.following and "new 4" not in shown
        await ingest(app, LONG, _events(5, 20))
        await settle(pilot)
        assert events.blocks[-1].row.id == "sevt_new24"
        assert events.current.id == reading and screen_text(events) == shown
        await pilot.press("G")
        await settle(pilot)
        assert events.following and events.current.id == "sevt_new24"
        assert "new 24" in screen_text(events)


async def test_agent_text_renders_inertly(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_session(pilot, HOSTILE)
        agent = next(b for b in screen.events.blocks if b.head == "Agent")
        segments = list(app.console.render(agent.body, app.console.options))
        plain = "".join(segment.text for segment in segments)
        assert "\x1b" not in plain and "\x07" not in plain
        assert "␛]0;pwned␇" in plain and "␛[31mred␛[0m" in plain
        assert "[bold red]x[/]" in plain
        # Neither the markup nor the escape sequence styled anything: no bold, no colour.
        styled = [s for s in segments if s.style and (s.style.bold or s.style.color)]
        assert styled == []
        shown = screen_text(screen.events)
        assert "[bold red]x[/]" in shown and "\x1b" not in shown
        header_title = str(screen.query_one(SessionHeader).query_one("#title").render())
        assert "[bold red]x[/]" in header_title and "\x1b" not in header_title


async def test_huge_tool_result_is_truncated_with_a_full_view(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_session(pilot, HOSTILE)
        events = screen.events
        result = next(b for b in events.blocks if b.row.type == "agent.tool_result")
        assert result.truncated and result.collapsed
        assert f"{RESULT_PREVIEW_CHARS:,} of {BIG_RESULT_CHARS:,} characters" in str(result.body)
        assert events.go_to(result.row.seq)
        await pilot.press("enter")
        await settle(pilot)
        assert "truncated" in screen_text(events)
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(app.screen, ViewerScreen)
        assert len(app.screen.query_one(TextArea).text) == BIG_RESULT_CHARS


async def test_unknown_event_is_shown_generically_with_raw_json(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_session(pilot, HOSTILE)
        unknown = [b for b in screen.events.blocks if b.row.type == "agent.brand_new_thing"]
        assert unknown and "agent.brand_new_thing" in unknown[0].head
        assert screen.events.go_to(unknown[0].row.seq)
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, ViewerScreen)
        assert '"payload"' in app.screen.query_one(TextArea).text


async def test_streamed_preview_shows_until_the_message_is_mirrored(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_session(pilot, LONG)
        preview = screen.query_one("#preview")
        assert not preview.display
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
        assert preview.display and "Hello ␛[31mthere" in str(preview.render())
        message = {"type": "agent.message", "id": "m1", "content": [{"type": "text", "text": "Hi"}]}
        await ingest(app, LONG, [{**message, "processed_at": "2026-05-12T11:59:59Z"}])
        await settle(pilot)
        app.feed.flush()
        await settle(pilot)
        assert not preview.display and LONG not in app.previews
