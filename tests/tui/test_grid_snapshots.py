"""Snapshot of the live grid (4 panes, auto-filled with the busiest sessions) in two themes.

Stable by construction, like tests/tui/test_snapshots.py: fixed terminal size, injected clock
(elapsed times in the tickers), isolated data/config dirs, workers awaited before the picture,
focus on a pane's log (no blinking cursor).
"""

from __future__ import annotations

import pytest
from tui_support import settle

from drover.tui.commands import run_command

SIZE = (120, 36)


@pytest.mark.parametrize("theme", ["drover-dark", "drover-light"])
def test_grid_shows_four_busiest_sessions(snap_compare, make_app, theme: str) -> None:
    async def open_grid(pilot) -> None:
        await settle(pilot)
        run_command(pilot.app, "grid 4")
        await settle(pilot)

    assert snap_compare(make_app(theme=theme), terminal_size=SIZE, run_before=open_grid)
