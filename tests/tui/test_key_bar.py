"""The footer's key hints: whole hints only, and `? Help` always reachable, at any width."""

from __future__ import annotations

import pytest
from tui_support import HOSTILE, command, settle

from drover.tui.widgets.key_bar import KeyBar


@pytest.mark.parametrize("where", ["fleet", "session", "grid"])
@pytest.mark.parametrize("width", [80, 120, 200])
async def test_a_narrow_footer_drops_whole_hints_and_keeps_help(make_app, width, where) -> None:
    """Every screen has the one footer (the fleet had Textual's, which cut `? Help` off at 120
    columns)."""
    app = make_app()
    async with app.run_test(size=(width, 30)) as pilot:
        await settle(pilot)
        if where == "session":
            app.open_session(HOSTILE)
        elif where == "grid":
            await command(pilot, "grid 4")
        await settle(pilot)
        bar = app.screen.query_one(KeyBar)
        text = bar.render().plain
        assert len(text) <= width
        assert text.rstrip().endswith("? Help")
        hints = [binding for _n, binding, _e, _t in app.screen.active_bindings.values()
                 if binding.show]  # fmt: skip
        for binding in hints:  # a hint is shown whole or not at all
            key = app.get_key_display(binding)
            if f" {key} " in text and binding.description:
                assert f" {key} {binding.description} " in text + " "
        if width == 200:  # room for everything: nothing dropped
            assert all(b.description in text for b in hints)
