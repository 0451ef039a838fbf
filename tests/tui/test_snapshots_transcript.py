"""Snapshots of the transcript: tool calls one line each (duration and ✓/✗ at the right, one
expanded to its input and output, one awaiting approval), and the newer event types (workflow
runs, thread termination and rescheduling, compaction) on their own lines and in replay's
timeline. Both themes; stable as the other snapshots (fixed size, injected clock, workers
awaited, no blinking cursor).
"""

from __future__ import annotations

import pytest
from transcript_fixtures import NEWS, NEWS_EVENTS, TOOL_EVENTS, TOOLS, add_session
from tui_support import settle

SIZE = (120, 36)
THEMES = ["drover-dark", "drover-light"]


@pytest.mark.parametrize("theme", THEMES)
def test_tool_calls_read_as_one_line_each_with_duration_and_outcome(
    snap_compare, make_app, theme: str
) -> None:
    async def open_tools(pilot) -> None:
        await settle(pilot)
        await add_session(pilot.app, TOOLS, TOOL_EVENTS)
        pilot.app.open_session(TOOLS)
        await settle(pilot)
        events = pilot.app.screen.events
        bash = next(b for b in events.blocks if b.row.id == "sevt_t09")
        events.go_to(bash.row.seq)
        await pilot.press("enter")  # the failing test run, expanded
        await settle(pilot)

    assert snap_compare(make_app(theme=theme), terminal_size=SIZE, run_before=open_tools)


@pytest.mark.parametrize("theme", THEMES)
def test_workflow_runs_thread_ends_and_compaction_have_their_own_lines(
    snap_compare, make_app, theme: str
) -> None:
    async def open_news(pilot) -> None:
        await settle(pilot)
        await add_session(pilot.app, NEWS, NEWS_EVENTS)
        pilot.app.open_session(NEWS)
        await settle(pilot)

    assert snap_compare(make_app(theme=theme), terminal_size=SIZE, run_before=open_news)


@pytest.mark.parametrize("theme", THEMES)
def test_replay_marks_workflow_runs_and_compaction_on_the_timeline(
    snap_compare, make_app, theme: str
) -> None:
    async def replay_news(pilot) -> None:
        await settle(pilot)
        await add_session(pilot.app, NEWS, NEWS_EVENTS)
        pilot.app.open_replay(NEWS, None)
        await settle(pilot)
        for _ in range(4):  # to the thread's rescheduling
            await pilot.press("right_square_bracket")
            await settle(pilot)

    assert snap_compare(make_app(theme=theme), terminal_size=SIZE, run_before=replay_news)
