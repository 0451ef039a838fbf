"""Attention: transitions detected from mirror states, announced once, not for focus or mutes."""

from __future__ import annotations

import asyncio
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


def _snap(sid: str, category: Any, token: str | None = None, rev: int = 0) -> Snapshot:
    return Snapshot(sid, f"t {sid}", category, token, "why", rev)


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


def test_a_session_left_out_of_the_baseline_is_told_apart_by_its_rev() -> None:
    """The baseline reads only the sessions needing you, plus the highest `attention_rev`:
    a session first seen later was in its category at the baseline unless its rev is higher."""
    tracker = AttentionTracker()
    tracker.prime([_snap("a", "needs_you", "t1", rev=3)], mark=5)
    assert tracker.update([_snap("old", "done", rev=4)]) == []  # finished before the baseline
    assert tracker.update([_snap("old", "done", rev=4)]) == []
    [entered] = tracker.update([_snap("new", "done", rev=6)])  # finished since
    assert entered.session_id == "new"
    [needs] = tracker.update([_snap("late", "needs_you", "t2", rev=7)])
    assert needs.category == "needs_you"
    assert tracker.waiting() == 2
    assert [t.category for t in tracker.update([_snap("old", "error", "t3", rev=8)])] == ["error"]


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


def usage(eid: str, cents: int, minute: int) -> list[dict[str, Any]]:
    """A session's running total reported by the server (`list_cost` in cents, as the API)."""
    return [{"type": "session.usage", "id": eid, "processed_at": f"2026-05-12T11:{minute:02d}:00Z",
             "usage": {"list_cost": {"amount": str(cents), "currency": "USD"},
                       "input_tokens": 1000, "output_tokens": 10}}]  # fmt: skip


async def test_an_own_budget_rings_once_per_level_it_crosses(
    make_app, tmp_path, monkeypatch
) -> None:
    from tui_support import _session

    from drover.tui.attention import monitor
    from drover.tui.widgets.fleet_summary import FleetSummary

    monkeypatch.setattr(monitor, "BUDGET_CHECK_SECONDS", 0.0)  # look at every change
    (tmp_path / "config.toml").write_text('[budgets.agents."Perf Investigator"]\ndaily_usd = 1\n')
    app, recorder = await started(make_app)
    sid = "sesn_perf_budget"
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        summary = app.screen.query_one(FleetSummary)
        assert recorder.alerts == [] and summary.budgets == ()  # nothing spent by that agent
        perf = _session(sid, "why is search slow?", "Perf Investigator", 170)
        await asyncio.to_thread(app.mirror.writer.submit("upsert_sessions", [perf]).result)
        await ingest(app, sid, usage("sevt_u1", 50, 51))  # 50%: below the warning
        await settle(pilot)
        assert [a for a in recorder.alerts if a.category == "budget"] == []

        await ingest(app, sid, usage("sevt_u2", 85, 52))
        await settle(pilot)
        (warned,) = [a for a in recorder.alerts if a.category == "budget"]
        assert warned.title == "daily budget for Perf Investigator"
        assert warned.reason == "at 85%: $0.85 of $1.00"
        assert "Perf Investigator" in str(summary.render())

        await ingest(app, sid, usage("sevt_u3", 90, 53))  # still the same level: no ring
        await settle(pilot)
        assert len([a for a in recorder.alerts if a.category == "budget"]) == 1

        await ingest(app, sid, usage("sevt_u4", 120, 54))
        await settle(pilot)
        reasons = [a.reason for a in recorder.alerts if a.category == "budget"]
        assert reasons == ["at 85%: $0.85 of $1.00", "reached: $1.20 of $1.00"]
