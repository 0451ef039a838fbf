"""Snapshots of the fleet and session screens in two themes, on the fixture mirror.

Stable by construction: fixed terminal size, injected clock, isolated data/config dirs,
workers awaited before the picture (no sleeps), focus on non-text widgets (no blinking cursor).
"""

from __future__ import annotations

import pytest
from tui_support import HOSTILE, settle

SIZE = (120, 36)


@pytest.mark.parametrize("theme", ["drover-dark", "drover-light"])
def test_fleet_screen_shows_needs_you_first(snap_compare, make_app, theme: str) -> None:
    assert snap_compare(make_app(theme=theme), terminal_size=SIZE, run_before=settle)


@pytest.mark.parametrize("theme", ["drover-dark", "drover-light"])
def test_session_screen_shows_inert_transcript(snap_compare, make_app, theme: str) -> None:
    async def open_hostile(pilot) -> None:
        await settle(pilot)
        pilot.app.open_session(HOSTILE)
        await settle(pilot)

    assert snap_compare(make_app(theme=theme), terminal_size=SIZE, run_before=open_hostile)
