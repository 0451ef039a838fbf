"""Snapshots of the fleet at 80×24 (what narrow terminals keep) and 160×45 (every column),
dark and light, with sessions waiting on approvals (WAITING and NEEDS YOU filled in)."""

from __future__ import annotations

import pytest
from test_inbox_actions import fleet_with_asks
from test_where_users_live import ASKS


async def _with_asks(pilot) -> None:
    await fleet_with_asks(pilot, ASKS)
    pilot.app.screen.table.cursor = 0


@pytest.mark.parametrize("theme", ["drover-dark", "drover-light"])
@pytest.mark.parametrize("size", [(80, 24), (160, 45)], ids=["80x24", "160x45"])
def test_fleet_keeps_status_title_and_needs_you(snap_compare, make_app, theme, size) -> None:
    assert snap_compare(make_app(theme=theme), terminal_size=size, run_before=_with_asks)
