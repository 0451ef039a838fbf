"""Session screen: keyset paging, tail following without yanking, inert text, huge results."""

from __future__ import annotations

from textual.widgets import TextArea
from tui_support import BIG_RESULT_CHARS, HOSTILE, LONG, ingest, settle

from drover.tui.screens.session import PAGE, SessionScreen
from drover.tui.screens.viewer import ViewerScreen
from drover.tui.widgets.session_header import SessionHeader
from drover.tui.widgets.transcript_items import (
    RESULT_PREVIEW_CHARS,
    MessageItem,
    ToolCallItem,
    TranscriptItem,
)


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


async def test_transcript_pages_by_keyset(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_session(pilot, LONG)
        transcript = screen.transcript
        items = list(transcript.query_children(TranscriptItem))
        assert len(items) == PAGE and transcript.has_older
        newest = items[-1].row.seq
        pages = 1
        while transcript.has_older:
            await pilot.press("left_square_bracket")
            await settle(pilot)
            pages += 1
            assert len(list(transcript.query_children(TranscriptItem))) == min(260, pages * PAGE)
        items = list(transcript.query_children(TranscriptItem))
        assert len(items) == 260 and pages == -(-260 // PAGE)
        seqs = [item.row.seq for item in items]
        assert seqs == sorted(seqs) and seqs[-1] == newest


async def test_tail_is_followed_until_the_user_scrolls_up(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_session(pilot, LONG)
        transcript = screen.transcript
        assert transcript.following
        await ingest(app, LONG, _events(0, 5))
        await settle(pilot)
        assert transcript.query_children(TranscriptItem).last().row.id == "sevt_new4"
        assert transcript.scroll_y == transcript.max_scroll_y
        # The user scrolls up to read; new events must not move the view.
        transcript.focus()
        await pilot.press("pageup", "pageup")
        await settle(pilot)
        reading = transcript.scroll_y
        assert reading < transcript.max_scroll_y and not transcript.following
        await ingest(app, LONG, _events(5, 20))
        await settle(pilot)
        assert transcript.query_children(TranscriptItem).last().row.id == "sevt_new24"
        assert transcript.scroll_y == reading
        await pilot.press("G")
        await settle(pilot)
        assert transcript.following and transcript.scroll_y == transcript.max_scroll_y


async def test_agent_text_renders_inertly(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_session(pilot, HOSTILE)
        agent = next(i for i in screen.query(MessageItem) if i.who == "Agent")
        segments = list(app.console.render(agent.body_renderable, app.console.options))
        plain = "".join(segment.text for segment in segments)
        assert "\x1b" not in plain and "\x07" not in plain
        assert "␛]0;pwned␇" in plain and "␛[31mred␛[0m" in plain
        assert "[bold red]x[/]" in plain
        # Neither the markup nor the escape sequence styled anything: no bold, no colour.
        styled = [s for s in segments if s.style and (s.style.bold or s.style.color)]
        assert styled == []
        header_title = str(screen.query_one(SessionHeader).query_one("#title").render())
        assert "[bold red]x[/]" in header_title and "\x1b" not in header_title


async def test_huge_tool_result_is_truncated_with_a_full_view(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_session(pilot, HOSTILE)
        result = next(i for i in screen.query(ToolCallItem) if i.row.type == "agent.tool_result")
        assert result.truncated and result.total == BIG_RESULT_CHARS
        assert len(result.body) == RESULT_PREVIEW_CHARS
        result.focus()
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(app.screen, ViewerScreen)
        assert len(app.screen.query_one(TextArea).text) == BIG_RESULT_CHARS


async def test_unknown_event_is_shown_generically_with_raw_json(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_session(pilot, HOSTILE)
        unknown = [i for i in screen.query(TranscriptItem) if i.row.type == "agent.brand_new_thing"]
        assert unknown
        unknown[0].focus()
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
