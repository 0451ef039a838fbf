"""Snapshots of every dialog and overlay, in a dark and a light theme, on the showcase mirror.

Same rules as `test_snapshots.py` (screens): fixed size, injected clock, private data/config
dirs, workers awaited, text cursors kept from blinking, animations off. Each dialog is opened
with the key that opens it for a user, over the screen it belongs to.
"""

from __future__ import annotations

from typing import Any

import pytest
from tui_support import APPROVAL, command, settle, still

SIZE = (120, 36)


async def on_approval(pilot: Any) -> None:
    """Open the session waiting for two approvals."""
    await settle(pilot)
    pilot.app.open_session(APPROVAL)
    await settle(pilot)


async def press(pilot: Any, *keys: str) -> None:
    """Press `keys`, then wait for what they started and hold the cursors still."""
    await pilot.press(*keys)
    await still(pilot)


class TestNewSession:
    def test_n_asks_for_agent_environment_title_and_message(self, snap_compare, snap_app) -> None:
        async def new(pilot: Any) -> None:
            await settle(pilot)
            await press(pilot, "N")

        assert snap_compare(snap_app, terminal_size=SIZE, run_before=new)


class TestConfirm:
    def test_y_lists_every_pending_call_before_allowing(self, snap_compare, snap_app) -> None:
        async def allow(pilot: Any) -> None:
            await on_approval(pilot)
            await press(pilot, "y")

        assert snap_compare(snap_app, terminal_size=SIZE, run_before=allow)

    def test_n_asks_what_to_tell_the_agent_before_denying(self, snap_compare, snap_app) -> None:
        async def deny(pilot: Any) -> None:
            await on_approval(pilot)
            await press(pilot, "n")

        assert snap_compare(snap_app, terminal_size=SIZE, run_before=deny)

    def test_m_asks_for_a_message_of_several_lines(self, snap_compare, snap_app) -> None:
        async def message(pilot: Any) -> None:
            await on_approval(pilot)
            await press(pilot, "m")
            await press(pilot, *"Roll back if p95 latency rises.", "enter", *"Then stop.")

        assert snap_compare(snap_app, terminal_size=SIZE, run_before=message)

    def test_archive_of_marked_sessions_says_what_happens_to_each(
        self, snap_compare, snap_app
    ) -> None:
        async def archive(pilot: Any) -> None:
            await settle(pilot)
            await pilot.press("slash", *"nightly docs 00[0-2]", "enter")
            await settle(pilot)
            await pilot.press("space", "space", "space")  # space marks and moves down
            await press(pilot, "A")

        assert snap_compare(snap_app, terminal_size=SIZE, run_before=archive)


class TestExport:
    def test_e_offers_format_path_and_redaction(
        self, snap_compare, snap_app, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.chdir("/tmp")  # the default path is in the current folder: make it stable

        async def export(pilot: Any) -> None:
            await settle(pilot)
            await press(pilot, "e")

        assert snap_compare(snap_app, terminal_size=SIZE, run_before=export)


class TestHelp:
    def test_question_mark_lists_the_fleet_keys_and_the_commands(
        self, snap_compare, snap_app
    ) -> None:
        async def help_(pilot: Any) -> None:
            await settle(pilot)
            await press(pilot, "question_mark")

        assert snap_compare(snap_app, terminal_size=SIZE, run_before=help_)


class TestPrompt:
    def test_colon_opens_the_command_line_at_the_bottom(self, snap_compare, snap_app) -> None:
        async def prompt(pilot: Any) -> None:
            await settle(pilot)
            await press(pilot, "colon", *"inb")

        assert snap_compare(snap_app, terminal_size=SIZE, run_before=prompt)

    def test_slash_asks_for_a_filter_with_a_hint(self, snap_compare, snap_app) -> None:
        async def prompt(pilot: Any) -> None:
            await settle(pilot)
            await press(pilot, "slash")

        assert snap_compare(snap_app, terminal_size=SIZE, run_before=prompt)


class TestSessionPicker:
    def test_p_on_the_grid_lists_sessions_to_follow(self, snap_compare, snap_app) -> None:
        async def picker(pilot: Any) -> None:
            await settle(pilot)
            await command(pilot, "grid 4")
            await press(pilot, "p", *"review")

        assert snap_compare(snap_app, terminal_size=SIZE, run_before=picker)


class TestViewer:
    def test_r_shows_an_event_as_raw_json(self, snap_compare, snap_app) -> None:
        async def raw(pilot: Any) -> None:
            await on_approval(pilot)
            await press(pilot, "up", "up", "r")

        assert snap_compare(snap_app, terminal_size=SIZE, run_before=raw)


class TestPalette:
    def test_ctrl_p_offers_the_drover_commands(self, snap_compare, snap_app) -> None:
        async def palette(pilot: Any) -> None:
            await settle(pilot)
            await press(pilot, "ctrl+p", *"grid")

        assert snap_compare(snap_app, terminal_size=SIZE, run_before=palette)
