"""Attention: transitions detected from mirror states, announced once, not for focus or mutes."""

from __future__ import annotations

from typing import Any

from tui_support import ingest, settle

from drover.store.models import SessionRow
from drover.tui.attention.monitor import coalesce
from drover.tui.attention.tracker import (
    AttentionTracker,
    Snapshot,
    Transition,
    snapshot,
    window_title,
)
from drover.tui.screens.fleet import FleetScreen

RUNNING = "sesn_fleet_004"  # i % 4 == 0: still running in the fixture
OTHER = "sesn_fleet_008"


class Recorder:
    """An emitter that records instead of writing to a terminal."""

    def __init__(self) -> None:
        self.alerts: list[Transition] = []
        self.titles: list[str] = []

    def alert(self, transition: Transition) -> None:
        self.alerts.append(transition)

    def set_title(self, title: str) -> None:
        self.titles.append(title)


def _snap(sid: str, category: Any, token: str | None = None) -> Snapshot:
    return Snapshot(sid, f"t {sid}", category, token, "why")


def ask(eid: str, minute: int) -> list[dict[str, Any]]:
    at = f"2026-05-12T11:{minute:02d}:00Z"
    return [
        {"type": "agent.tool_use", "id": eid, "name": "bash", "input": {"command": "make"},
         "evaluated_permission": "ask", "processed_at": at},
        {"type": "session.status_idle", "id": f"{eid}_idle", "processed_at": at,
         "stop_reason": {"type": "requires_action", "event_ids": [eid]}},
    ]  # fmt: skip


def end_turn(eid: str) -> list[dict[str, Any]]:
    return [{"type": "session.status_idle", "id": eid, "stop_reason": {"type": "end_turn"},
             "processed_at": "2026-05-12T11:59:30Z"}]  # fmt: skip


# -- pure tracker --------------------------------------------------------------------------------


def test_baseline_announces_nothing_and_entries_are_announced_once() -> None:
    tracker = AttentionTracker()
    tracker.prime([_snap("a", "needs_you", "t1"), _snap("b", "active")])
    assert tracker.update([_snap("a", "needs_you", "t1")]) == []
    [entered] = tracker.update([_snap("b", "needs_you", "t2")])
    assert (entered.session_id, entered.category) == ("b", "needs_you")
    assert tracker.update([_snap("b", "needs_you", "t2")]) == []  # same visit: once
    assert [t.session_id for t in tracker.update([_snap("b", "needs_you", "t3")])] == ["b"]
    assert [t.category for t in tracker.update([_snap("a", "error", "t4")])] == ["error"]
    assert [t.category for t in tracker.update([_snap("a", "done")])] == ["done"]
    assert tracker.update([_snap("a", "active")]) == []
    assert tracker.waiting() == 1


def test_focused_and_muted_sessions_are_recorded_but_not_announced() -> None:
    tracker = AttentionTracker()
    tracker.prime([_snap("a", "active"), _snap("b", "active")])
    assert tracker.update([_snap("a", "needs_you", "t1")], focused="a") == []
    assert tracker.update([_snap("a", "needs_you", "t1")], focused=None) == []  # no replay
    assert tracker.toggle_mute("b") is True
    assert tracker.update([_snap("b", "done")]) == []
    assert tracker.waiting() == 1
    tracker.toggle_mute("a")
    assert tracker.waiting() == 0
    assert window_title("drover", 3) == "drover — 3 need you"
    assert window_title("drover", 0) == "drover"


def test_a_burst_is_coalesced_into_a_summary() -> None:
    many = [Transition(f"s{i}", "done" if i < 5 else "error", f"t{i}", "r") for i in range(7)]
    assert coalesce(many[:4]) == many[:4]
    out = coalesce(many)
    assert out[:3] == many[:3] and len(out) == 4
    assert (out[3].category, out[3].title) == ("error", "4 more sessions")


def test_snapshot_categories_from_rows() -> None:
    base = dict.fromkeys(SessionRow.__dataclass_fields__)
    base.update(id="s", deleted=False, title="x\x1b]0;t\x07", pending_actions=[],
                high_water_seq=0, event_count=0)  # fmt: skip

    def row(**kw: Any) -> SessionRow:
        return SessionRow(**{**base, **kw})

    assert snapshot(row(status="idle", stop_reason="end_turn")).category == "done"
    assert snapshot(row(status="terminated")).category == "done"
    assert snapshot(row(status="idle", needs_you="error_terminal")).category == "error"
    assert snapshot(row(status="idle", needs_you="budget_reached")).category == "needs_you"
    assert snapshot(row(status="running")).category == "active"
    assert snapshot(row(status="idle", needs_you="refusal", archived_at="x")).category == "active"
    assert "\x1b" not in snapshot(row(status="running")).title


# -- in the app ----------------------------------------------------------------------------------


async def started(make_app: Any, **kw: Any) -> tuple[Any, Recorder]:
    recorder = Recorder()
    return make_app(attention_emitter=recorder, **kw), recorder


async def test_transitions_ring_once_and_update_the_title_counter(make_app) -> None:
    app, recorder = await started(make_app)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert recorder.alerts == []  # sessions needing you at start-up are the baseline
        before = app.attention.tracker.waiting()
        assert recorder.titles[-1] == app.title == f"drover — {before} need you"

        await ingest(app, RUNNING, ask("sevt_att1", 50))
        await settle(pilot)
        assert [(a.session_id, a.category) for a in recorder.alerts] == [(RUNNING, "needs_you")]
        assert "approve bash" in recorder.alerts[0].reason
        assert app.title == f"drover — {before + 1} need you" == recorder.titles[-1]

        # More events for the same wait (no state change) do not ring again.
        await ingest(app, RUNNING, [{"type": "span.model_request_end", "id": "sevt_att_x",
                                     "processed_at": "2026-05-12T11:50:30Z"}])  # fmt: skip
        await settle(pilot)
        assert len(recorder.alerts) == 1
        titles = len(recorder.titles)

        await ingest(app, OTHER, end_turn("sevt_att_done"))
        await settle(pilot)
        assert [(a.session_id, a.category) for a in recorder.alerts[1:]] == [(OTHER, "done")]
        assert len(recorder.titles) == titles  # "done" does not change the counter


async def test_no_alert_for_the_open_session_nor_a_muted_one(make_app) -> None:
    app, recorder = await started(make_app)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_session(RUNNING)
        await settle(pilot)
        assert app.focused_session_id == RUNNING
        await ingest(app, RUNNING, ask("sevt_att2", 51))
        await settle(pilot)
        assert recorder.alerts == []
        app.screen.dismiss()
        await settle(pilot)
        assert app.focused_session_id is None

        screen = app.screen
        assert isinstance(screen, FleetScreen)
        screen.table.cursor = list(screen.table.ids).index(OTHER)
        waiting = app.attention.tracker.waiting()
        await pilot.press("M")
        await settle(pilot)
        assert app.attention.is_muted(OTHER)
        line = "".join(s.text for s in screen.table.render_line(screen.table.cursor))
        assert "⊘ " in line
        await ingest(app, OTHER, ask("sevt_att3", 52))
        await settle(pilot)
        assert recorder.alerts == [] and app.attention.tracker.waiting() == waiting

        # A grid pane in focus is honoured the same way (the grid sets the attribute).
        app.focused_session_id = "sesn_fleet_012"
        await ingest(app, "sesn_fleet_012", end_turn("sevt_att_grid"))
        await settle(pilot)
        assert recorder.alerts == []
