"""Thread lanes: the bar lists a multi-agent session's threads; `t` switches the transcript."""

from __future__ import annotations

from tui_support import LONG, ingest, settle

from drover.tui.screens.session import SessionScreen
from drover.tui.widgets.thread_bar import ThreadBar

MULTI = "sesn_ex_multiagent_delegation"
CHILD = "sthr_011CQwTh7hEADTeN87K4te4y"


def _child_events() -> list[dict]:
    return [
        {"type": "agent.message", "id": f"sevt_child{i}", "session_thread_id": CHILD,
         "content": [{"type": "text", "text": f"child says {i}"}],
         "processed_at": f"2026-05-12T12:00:0{i}.500Z"}
        for i in range(3)
    ]  # fmt: skip


async def _open(pilot, session_id: str) -> SessionScreen:
    await settle(pilot)
    pilot.app.open_session(session_id)
    await settle(pilot)
    assert isinstance(pilot.app.screen, SessionScreen)
    return pilot.app.screen


def _ids(screen: SessionScreen) -> list[str]:
    return [block.row.id for block in screen.events.blocks]


async def test_t_cycles_between_the_primary_and_child_lanes(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await app.mirror.writer.ingest(MULTI, _child_events(), thread_id=CHILD)
        screen = await _open(pilot, MULTI)
        bar = screen.query_one(ThreadBar)
        assert bar.display and [t.agent_name for t in bar.threads] == ["Reviewer"]
        text = str(bar.render())
        assert "primary" in text and "Reviewer" in text and "idle" in text
        primary = _ids(screen)
        assert primary and not any(i.startswith("sevt_child") for i in primary)

        await pilot.press("t")
        await settle(pilot)
        assert screen.lane == CHILD and bar.selected == CHILD
        assert _ids(screen) == [f"sevt_child{i}" for i in range(3)]
        # Live events of the child's stream arrive in its lane.
        more = [{**_child_events()[0], "id": "sevt_child9", "processed_at": "2026-05-12T12:01Z"}]
        await app.mirror.writer.ingest(MULTI, more, thread_id=CHILD)
        await ingest(app, MULTI, [])
        await settle(pilot)
        assert _ids(screen)[-1] == "sevt_child9"

        await pilot.press("t")
        await settle(pilot)
        assert screen.lane is None and _ids(screen) == primary


async def test_single_thread_session_has_no_lane_bar(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(pilot, LONG)
        assert not screen.query_one(ThreadBar).display
        await pilot.press("t")
        await settle(pilot)
        assert screen.lane is None
