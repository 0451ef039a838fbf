"""Snapshots of every screen, in a dark and a light theme, on the showcase mirror.

One class per area of the app; each test is named after what its picture proves. Dialogs and
overlays are in `test_dialog_snapshots.py`.

Stable by construction: fixed terminal size, injected clock, isolated data/config dirs (a
private copy of the showcase mirror, see `tui_support.add_showcase`), workers awaited before the
picture (`settle`: no sleeps), text cursors kept from blinking (`still`), animations off
(`snap_app`). The app is driven with the keys a user would press (`:inbox`, `enter`, `t`,
...), or its navigation methods where a key path would depend on list order (opening one
particular session).
"""

from __future__ import annotations

from typing import Any

from tui_support import APPROVAL, HOSTILE, MULTI, command, settle, still

SIZE = (120, 36)
SMALL = (80, 24)
"""The smallest terminal drover promises to work in."""


async def open_session(pilot: Any, session_id: str) -> None:
    """Open one session's live view (from wherever the app is)."""
    await settle(pilot)
    pilot.app.open_session(session_id)
    await settle(pilot)


class TestFleet:
    def test_fleet_lists_sessions_that_need_you_first(self, snap_compare, snap_app) -> None:
        assert snap_compare(snap_app, terminal_size=SIZE, run_before=settle)

    def test_fleet_fits_an_80x24_terminal(self, snap_compare, snap_app) -> None:
        assert snap_compare(snap_app, terminal_size=SMALL, run_before=settle)

    def test_filter_narrows_the_fleet_and_the_header_says_so(self, snap_compare, snap_app) -> None:
        async def filter_docs(pilot: Any) -> None:
            await settle(pilot)
            await pilot.press("slash", *"docs 00", "enter")
            await settle(pilot)

        assert snap_compare(snap_app, terminal_size=SIZE, run_before=filter_docs)


class TestInbox:
    def test_inbox_lists_only_sessions_waiting_on_you(self, snap_compare, snap_app) -> None:
        async def inbox(pilot: Any) -> None:
            await settle(pilot)
            await command(pilot, "inbox")

        assert snap_compare(snap_app, terminal_size=SIZE, run_before=inbox)


class TestSession:
    def test_session_awaiting_approval_shows_its_pending_calls(
        self, snap_compare, snap_app
    ) -> None:
        async def approval(pilot: Any) -> None:
            await open_session(pilot, APPROVAL)

        assert snap_compare(snap_app, terminal_size=SIZE, run_before=approval)

    def test_session_shows_agent_text_inertly(self, snap_compare, snap_app) -> None:
        async def hostile(pilot: Any) -> None:
            await open_session(pilot, HOSTILE)

        assert snap_compare(snap_app, terminal_size=SIZE, run_before=hostile)

    def test_multi_agent_session_shows_its_lanes(self, snap_compare, snap_app) -> None:
        async def multi(pilot: Any) -> None:
            await open_session(pilot, MULTI)

        assert snap_compare(snap_app, terminal_size=SIZE, run_before=multi)

    def test_t_shows_the_child_threads_own_stream(self, snap_compare, snap_app) -> None:
        async def child_lane(pilot: Any) -> None:
            await open_session(pilot, MULTI)
            await pilot.press("t")
            await settle(pilot)

        assert snap_compare(snap_app, terminal_size=SIZE, run_before=child_lane)


class TestReplay:
    def test_replay_opens_at_the_first_event_with_a_timeline(self, snap_compare, snap_app) -> None:
        async def replay(pilot: Any) -> None:
            await settle(pilot)
            await command(pilot, "replay sesn_ex_requires_action_confirmation")

        assert snap_compare(snap_app, terminal_size=SIZE, run_before=replay)

    def test_brackets_jump_to_the_next_approval_on_the_timeline(
        self, snap_compare, snap_app
    ) -> None:
        async def next_mark(pilot: Any) -> None:
            await settle(pilot)
            await command(pilot, "replay sesn_ex_requires_action_confirmation")
            await pilot.press("right_square_bracket", "right_square_bracket")
            await settle(pilot)

        assert snap_compare(snap_app, terminal_size=SIZE, run_before=next_mark)


class TestSearch:
    def test_search_lists_hits_newest_first_with_facets(self, snap_compare, snap_app) -> None:
        async def search(pilot: Any) -> None:
            await settle(pilot)
            await command(pilot, "search tests agent:pr-reviewer")
            await still(pilot)

        assert snap_compare(snap_app, terminal_size=SIZE, run_before=search)

    def test_search_explains_a_query_it_cannot_run(self, snap_compare, snap_app) -> None:
        async def bad_query(pilot: Any) -> None:
            await settle(pilot)
            await command(pilot, "search after:yesterday")
            await still(pilot)

        assert snap_compare(snap_app, terminal_size=SIZE, run_before=bad_query)


class TestCost:
    def test_cost_ledger_shows_totals_trend_budgets_and_sessions(
        self, snap_compare, snap_app, tmp_path
    ) -> None:
        (tmp_path / "config.toml").write_text("[budgets]\ndaily_usd = 60\n")

        async def cost(pilot: Any) -> None:
            await settle(pilot)
            await command(pilot, "cost")

        assert snap_compare(snap_app, terminal_size=SIZE, run_before=cost)

    def test_a_on_the_cost_ledger_groups_spend_by_agent(self, snap_compare, snap_app) -> None:
        async def by_agent(pilot: Any) -> None:
            await settle(pilot)
            await command(pilot, "cost")
            await pilot.press("a")
            await settle(pilot)

        assert snap_compare(snap_app, terminal_size=SIZE, run_before=by_agent)


class TestGrid:
    def test_grid_shows_the_four_busiest_sessions(self, snap_compare, snap_app) -> None:
        async def grid(pilot: Any) -> None:
            await settle(pilot)
            await command(pilot, "grid 4")

        assert snap_compare(snap_app, terminal_size=SIZE, run_before=grid)

    def test_z_zooms_the_focused_pane(self, snap_compare, snap_app) -> None:
        async def zoom(pilot: Any) -> None:
            await settle(pilot)
            await command(pilot, "grid 4")
            await pilot.press("z")
            await settle(pilot)

        assert snap_compare(snap_app, terminal_size=SIZE, run_before=zoom)


class TestResources:
    def test_agents_lists_each_agent_with_its_model_and_asks(self, snap_compare, snap_app) -> None:
        async def agents(pilot: Any) -> None:
            await settle(pilot)
            await command(pilot, "agents")

        assert snap_compare(snap_app, terminal_size=SIZE, run_before=agents)

    def test_agent_detail_shows_tools_with_their_policies(self, snap_compare, snap_app) -> None:
        async def detail(pilot: Any) -> None:
            await settle(pilot)
            await command(pilot, "agents")
            await pilot.press("enter")
            await settle(pilot)

        assert snap_compare(snap_app, terminal_size=SIZE, run_before=detail)

    def test_envs_lists_each_environment_with_its_network(self, snap_compare, snap_app) -> None:
        async def envs(pilot: Any) -> None:
            await settle(pilot)
            await command(pilot, "envs")

        assert snap_compare(snap_app, terminal_size=SIZE, run_before=envs)

    def test_environment_detail_shows_hosts_and_packages(self, snap_compare, snap_app) -> None:
        async def detail(pilot: Any) -> None:
            await settle(pilot)
            await command(pilot, "envs")
            await pilot.press("down", "enter")
            await settle(pilot)

        assert snap_compare(snap_app, terminal_size=SIZE, run_before=detail)
