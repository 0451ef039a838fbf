"""The newer event types (SDK 2.17) in the transcript and in replay: workflow runs, thread
termination and rescheduling, context compaction. Each has its own line (no generic row), a
replay marker and a place in the timeline's legend; `[`/`]` step through them."""

from __future__ import annotations

from transcript_fixtures import NEWS, NEWS_EVENTS, add_session
from tui_support import screen_text, settle

from drover.store.replay import MARKER_KINDS, NOTABLE_KINDS
from drover.tui.screens.replay import ReplayScreen
from drover.tui.widgets.timeline import GLYPHS, LEGEND, Timeline

HEADS = {
    "sevt_n01": ('◆ workflow "nightly release" created · 3 phases: build → test → ship',
                 "running"),
    "sevt_n02": ('◆ workflow "nightly release" running', "running"),
    "sevt_n03": ('◆ workflow "nightly release" › build started', "dim"),
    "sevt_n04": ('◆ workflow "nightly release" › build ended', "dim"),
    "sevt_n07": ("⑂ thread Test Writer rescheduled: retrying after a transient error",
                 "needs-you"),
    "sevt_n08": ("≋ context compacted: earlier turns summarised to make room", "dim"),
    "sevt_n09": ("⑂ thread Test Writer terminated: it accepts no more input", "terminated"),
    "sevt_n11": ('◆ workflow "nightly release" error: timeout_error: The run reached its time '
                 "limit.", "error"),
    "sevt_n12": ('◆ workflow "nightly release" ended: timeout_error: The run reached its time '
                 "limit.", "error"),
    "sevt_n13": ("◆ workflow not created: max_workflow_runs_error: The session is at its limit "
                 "of open workflow runs.", "error"),
    "sevt_n15": ('◆ workflow "docs" idle', "idle"),
    "sevt_n16": ('◆ workflow "docs" ended: stopped by the agent', "needs-you"),
}  # fmt: skip


async def test_each_new_event_type_has_its_own_line(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 50)) as pilot:
        await settle(pilot)
        await add_session(app, NEWS, NEWS_EVENTS)
        app.open_session(NEWS)
        await settle(pilot)
        blocks = {b.row.id: b for b in app.screen.events.blocks}
        for event_id, (head, kind) in HEADS.items():
            assert (blocks[event_id].head, blocks[event_id].kind) == (head, kind), event_id
        shown = screen_text(app.screen.events)
        assert "· workflow_run" not in shown and "r: raw" not in shown  # no generic rows
        # The run's plan is one enter away.
        events = app.screen.events
        assert events.go_to(blocks["sevt_n01"].row.seq)
        await pilot.press("enter")
        await settle(pilot)
        shown = screen_text(events)
        assert "Build, test and ship the nightly." in shown
        assert "1. build — compile and package" in shown and "3. ship" in shown


async def test_phase_names_come_from_the_run_even_outside_the_window(make_app) -> None:
    """A window that starts after `workflow_run.created` still names the run and its phase:
    the page loader fetches the run's `created` event by index."""
    app = make_app()
    async with app.run_test(size=(120, 50)) as pilot:
        await settle(pilot)
        await add_session(app, NEWS, NEWS_EVENTS)
        reader = app.reader
        rows = [r for r in reader.transcript(NEWS, limit=500) if r.id >= "sevt_n05"]
        related = reader.linked_events(NEWS, rows)
        assert {r.id for r in related} == {"sevt_n01"}  # the plan of the run before the window
        app.open_session(NEWS)
        await settle(pilot)
        events = app.screen.events
        events.show(rows, related=related, has_older=True, has_newer=False)
        block = next(b for b in events.blocks if b.row.id == "sevt_n05")
        assert block.head == '◆ workflow "nightly release" › test started'


async def test_replay_marks_them_on_the_timeline_and_steps_through_them(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await add_session(app, NEWS, NEWS_EVENTS)
        app.open_replay(NEWS, None)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReplayScreen)
        timeline = screen.query_one(Timeline)
        kinds = {m.kind for m in timeline.markers}
        assert {"workflow", "compaction", "thread", "error"} <= kinds
        rendered = str(timeline.render())
        assert "◆" in rendered and "≋" in rendered
        assert "◆ workflow" in LEGEND and "≋ compacted" in LEGEND
        assert {"workflow", "compaction"} <= set(NOTABLE_KINDS) <= set(GLYPHS)
        assert "agent.thread_context_compacted" in MARKER_KINDS["compaction"]
        # `]` from the first event visits the run, its phases, the thread's troubles, the
        # compaction and the error, in order.
        visited = []
        for _ in range(9):
            await pilot.press("right_square_bracket")
            await settle(pilot)
            visited.append(screen.events.current.id)
        assert visited == ["sevt_n03", "sevt_n05", "sevt_n06", "sevt_n07", "sevt_n08",
                           "sevt_n09", "sevt_n11", "sevt_n12", "sevt_n13"]  # fmt: skip


async def test_the_legend_fits_an_80_column_terminal(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await add_session(app, NEWS, NEWS_EVENTS)
        app.open_replay(NEWS, None)
        await settle(pilot)
        last = str(app.screen.query_one(Timeline).render()).splitlines()[-1]
        assert last.strip().endswith("$ cost • tool") and "◆ workflow ≋ compacted" in last
