"""Tool calls in the transcript: one line each with duration and outcome, paired by id.

The pairing is read from the window or by index (`MirrorReader.linked_events`), never by a
scan; a result that arrives after its call is on screen updates the call's line in place.
"""

from __future__ import annotations

import pytest
from sdk_check import assert_wire_shape
from transcript_fixtures import NEWS_EVENTS, TEST_OUTPUT, TOOL_EVENTS, TOOLS, add_session, at
from tui_support import ingest, screen_text, settle

from drover.tui.screens.session import SessionScreen
from drover.tui.screens.viewer import ViewerScreen


@pytest.mark.parametrize("event", TOOL_EVENTS + NEWS_EVENTS, ids=lambda e: e["id"])
def test_fixture_events_have_the_sdk_shapes(event) -> None:
    assert_wire_shape(event)


async def _open(pilot, session_id: str, events: list[dict]) -> SessionScreen:
    await settle(pilot)
    await add_session(pilot.app, session_id, events)
    pilot.app.open_session(session_id)
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, SessionScreen)
    return screen


def _block(screen: SessionScreen, event_id: str):
    return next(b for b in screen.events.blocks if b.row.id == event_id)


async def test_each_call_is_one_line_with_its_duration_and_outcome(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 50)) as pilot:
        screen = await _open(pilot, TOOLS, TOOL_EVENTS)
        read = _block(screen, "sevt_t05")
        assert read.head == "read /workspace/repo/src/quotes/rounding.py"
        assert read.aside == "0.2s ✓" and read.collapsed and read.kind == ""
        assert _block(screen, "sevt_t07").head == "grep ROUND_HALF in /workspace/repo/src"
        bash = _block(screen, "sevt_t09")
        assert bash.head == "bash  $ cd /workspace/repo && python -m pytest -q tests"
        assert bash.aside == "4.3s ✗ exit 1" and bash.kind == "error"
        edit = _block(screen, "sevt_t11")
        assert edit.head == "edit /workspace/repo/tests/test_rounding.py (+3 −1)"
        mcp = _block(screen, "sevt_t13")
        assert mcp.head.startswith("github/create_pull_request  ") and mcp.aside == "1.5s ✓"
        ask = _block(screen, "sevt_t15")
        assert ask.aside == "awaiting approval" and ask.kind == "needs-you"
        assert not ask.collapsed  # what it would run is shown before anyone answers
        result = _block(screen, "sevt_t10")
        assert result.head == "↳ ✗ exit 1 · ..F......." and result.collapsed
        assert _block(screen, "sevt_t06").head.startswith("↳ read: ")
        shown = screen_text(screen.events)
        # Compact: no JSON braces for the calls, durations at the right of their line.
        assert '"command"' not in shown and "{" not in shown
        line = next(x for x in shown.splitlines() if "pytest -q tests" in x)
        assert line.rstrip().endswith("4.3s ✗ exit 1")


async def test_enter_expands_a_call_to_its_input_and_output_and_v_shows_it_whole(make_app):
    app = make_app()
    async with app.run_test(size=(120, 50)) as pilot:
        screen = await _open(pilot, TOOLS, TOOL_EVENTS)
        bash = _block(screen, "sevt_t09")
        assert screen.events.go_to(bash.row.seq)
        await pilot.press("enter")
        await settle(pilot)
        shown = screen_text(screen.events)
        assert "$ cd /workspace/repo && python -m pytest -q tests" in shown
        assert "── output · 3 lines ──" in shown and "1 failed, 9 passed in 0.41s" in shown
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(app.screen, ViewerScreen)
        text = app.screen.query_one("TextArea").text
        assert "$ cd /workspace/repo" in text and TEST_OUTPUT in text and "✗ exit 1" in text


async def test_a_result_arriving_later_completes_its_call_in_place(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 50)) as pilot:
        screen = await _open(pilot, TOOLS, TOOL_EVENTS[:9])  # up to the bash call
        assert _block(screen, "sevt_t09").aside == "no result yet"
        await ingest(app, TOOLS, [TOOL_EVENTS[9]])
        await settle(pilot)
        assert _block(screen, "sevt_t09").aside == "4.3s ✗ exit 1"
        line = next(x for x in screen_text(screen.events).splitlines() if "pytest -q" in x)
        assert line.rstrip().endswith("4.3s ✗ exit 1")


async def test_a_call_outside_the_window_is_paired_by_index(make_app) -> None:
    """The window starts at the result: the call is fetched by id, not searched for."""
    app = make_app()
    async with app.run_test(size=(120, 50)) as pilot:
        await settle(pilot)
        await add_session(app, TOOLS, TOOL_EVENTS)
        reader = app.reader
        rows = reader.transcript(TOOLS, limit=500)
        result = next(r for r in rows if r.id == "sevt_t10")
        app.open_replay(TOOLS, result.seq)
        await settle(pilot)
        events = app.screen.events
        # Replay opens half a page before the seq; shrink it to start at the result.
        page = [r for r in rows if r.seq >= result.seq]
        events.show(page, related=reader.linked_events(TOOLS, page), has_older=True,
                    has_newer=False)  # fmt: skip
        block = next(b for b in events.blocks if b.row.id == "sevt_t10")
        assert block.head == "↳ ✗ exit 1 · ..F......."
        assert events.links.use("sevt_t09")["name"] == "bash"
        linked = {r.id for r in reader.linked_events(TOOLS, page)}
        assert linked == {"sevt_t09"}  # only the call its result answers


async def test_thinking_is_one_collapsed_line(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 50)) as pilot:
        extra = {"type": "agent.thinking", "id": "sevt_t99", "processed_at": at(12),
                 "thinking": "Maybe the fixture is wrong."}  # a server that sends text  # fmt: skip
        screen = await _open(pilot, TOOLS, [*TOOL_EVENTS, extra])
        plain = _block(screen, "sevt_t03")
        assert plain.head == "∴ thinking" and plain.body is None and plain.kind == "dim"
        worded = _block(screen, "sevt_t99")
        assert worded.collapsed and "Maybe the fixture" in str(worded.body)
        assert "Maybe the fixture" not in screen_text(screen.events)


async def test_inline_code_keeps_the_spaces_around_it(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 50)) as pilot:
        screen = await _open(pilot, TOOLS, TOOL_EVENTS)
        for width in (40, 57, 80, 118):
            await pilot.resize_terminal(width, 50)
            await settle(pilot)
            lines = screen_text(screen.events).splitlines()
            start = next(i for i, line in enumerate(lines) if line.strip() == "Agent")
            message = " ".join(" ".join(lines[start + 1 : start + 4]).split())
            assert message.startswith("The quotes module sits at 42% coverage;"), message
        # Inline code takes the theme's code colour, never Rich's black box.
        agent = _block(screen, "sevt_t04")
        lines = screen.events.painter.lines(agent, 100, False, _colours(screen.events))
        code = [s for line in lines for s in line if s.text == "quotes"]
        assert code and code[0].style.bgcolor != _black()


def _colours(events):
    style = events.get_component_rich_style
    return (style("event-list--agent"), style("event-list--code"), style("event-list--aside"))


def _black():
    from rich.color import Color

    return Color.parse("black")


def test_the_grid_panes_word_calls_and_new_events_the_same_way() -> None:
    from drover.store.models import EventRow
    from drover.tui.viewmodel.pane_lines import compact_lines

    def row(event: dict) -> EventRow:
        return EventRow(1, event["id"], TOOLS, None, True, event["type"], None, event)

    by_id = {e["id"]: e for e in TOOL_EVENTS + NEWS_EVENTS}
    assert compact_lines(row(by_id["sevt_t09"])) == [
        ("⚙ bash  $ cd /workspace/repo && python -m pytest -q tests", "tool")
    ]
    assert compact_lines(row(by_id["sevt_t10"])) == [("↳ ✗ exit 1 ..F.......", "error")]
    assert compact_lines(row(by_id["sevt_t15"]))[0][0].endswith("[awaiting approval]")
    assert compact_lines(row(by_id["sevt_n09"])) == [
        ("⑂ thread Test Writer terminated: it accepts no more input", "terminated")
    ]
    assert compact_lines(row(by_id["sevt_n08"]))[0][0].startswith("≋ context compacted")


async def test_a_call_that_waited_for_approval_counts_from_the_approval(make_app) -> None:
    allow = {
        "type": "user.tool_confirmation",
        "id": "sevt_t17",
        "tool_use_id": "sevt_t15",
        "result": "allow",
        "processed_at": at(300),
    }  # approved five minutes later
    done = {"type": "agent.tool_result", "id": "sevt_t18", "tool_use_id": "sevt_t15",
            "content": [{"type": "text", "text": "rejected: protected branch"}],
            "is_error": True, "processed_at": at(301.5)}  # fmt: skip
    app = make_app()
    async with app.run_test(size=(120, 50)) as pilot:
        screen = await _open(pilot, TOOLS, TOOL_EVENTS)
        await add_session(app, TOOLS, [allow])
        await settle(pilot)
        assert _block(screen, "sevt_t15").aside == "allowed · running"
        await add_session(app, TOOLS, [done])
        await settle(pilot)
        assert _block(screen, "sevt_t15").aside == "1.5s ✗ error"  # not 4m50s


async def test_a_denied_call_says_so(make_app) -> None:
    deny = {"type": "user.tool_confirmation", "id": "sevt_t17", "tool_use_id": "sevt_t15",
            "result": "deny", "deny_message": "not on main", "processed_at": at(20)}  # fmt: skip
    refused = {"type": "agent.tool_result", "id": "sevt_t19", "tool_use_id": "sevt_t15",
               "content": [{"type": "text", "text": "denied: not on main"}],
               "is_error": True, "processed_at": at(20)}  # fmt: skip
    app = make_app()
    async with app.run_test(size=(120, 50)) as pilot:
        screen = await _open(pilot, TOOLS, [*TOOL_EVENTS, deny])
        block = _block(screen, "sevt_t15")
        assert (block.aside, block.kind) == ("✗ denied", "needs-you")
        # The platform answers the denied call with an error result at once: still "denied",
        # not "0.0s ✗ error" (the tool never ran).
        await add_session(app, TOOLS, [refused])
        await settle(pilot)
        assert _block(screen, "sevt_t15").aside == "✗ denied"


def test_calls_results_and_runs_are_worded_inertly() -> None:
    """Agent text in a call's input, a result and a run's names stays data (invariant 7)."""
    from drover.text.events import EventContext, event_lines
    from drover.text.tools import call_line, outcome
    from drover.text.workflow import news_line

    hostile = "\x1b]0;pwned\x07 [bold red]x[/] \x1b[31mred\x9b6n"
    use = {"type": "agent.tool_use", "id": "sevt_h", "name": "bash", "input": {"command": hostile}}
    result = {"type": "agent.tool_result", "id": "sevt_r", "tool_use_id": "sevt_h",
              "is_error": True, "content": [{"type": "text", "text": hostile}]}  # fmt: skip
    run = {"type": "workflow_run.created", "id": "sevt_w", "workflow_run_id": "wfr_h",
           "name": hostile, "phases": [{"id": "p", "name": hostile}]}  # fmt: skip
    context = EventContext()
    lines = [call_line(use), outcome(result).first_line, news_line(run).text]
    lines += [line for e in (use, result, run) for line in event_lines(e, context)]
    for line in lines:
        assert not any(c in line for c in "\x1b\x07\x9b"), line
        if "pwned" in line:
            assert "[bold red]x[/]" in line and "␛]0;pwned␇" in line, line
    assert sum("pwned" in line for line in lines) >= 6


def test_tail_words_a_denied_call_as_denied_not_as_a_failed_run() -> None:
    from drover.text.events import EventContext, event_lines

    use = {"type": "agent.tool_use", "id": "sevt_u", "name": "bash",
           "input": {"command": "git push --force"}, "evaluated_permission": "ask",
           "processed_at": at(0)}  # fmt: skip
    deny = {"type": "user.tool_confirmation", "id": "sevt_c", "tool_use_id": "sevt_u",
            "result": "deny", "processed_at": at(5)}  # fmt: skip
    result = {"type": "agent.tool_result", "id": "sevt_r", "tool_use_id": "sevt_u",
              "is_error": True, "content": [{"type": "text", "text": "denied"}],
              "processed_at": at(5)}  # fmt: skip
    context = EventContext()
    lines = [line for e in (use, deny, result) for line in event_lines(e, context)]
    assert any("bash ✗ denied" in line for line in lines), lines
    assert not any("✗ error" in line for line in lines), lines
