"""`:` commands, the command palette provider, themes and their persistence."""

from __future__ import annotations

import tomllib
from pathlib import Path

from tui_support import settle

from drover.themes import THEMES
from drover.tui.commands import DroverCommands
from drover.tui.screens.fleet import FleetScreen
from drover.tui.screens.resources import ResourceScreen


async def command(pilot, line: str) -> None:
    await pilot.press("colon", *line, "enter")
    await settle(pilot)


async def test_colon_commands_switch_views(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await command(pilot, "inbox")
        assert app.current_mode == "inbox"
        screen = app.screen
        assert isinstance(screen, FleetScreen) and screen.query_state.needs_only
        rows = app.reader.fleet_rows(list(screen.table.ids))
        assert rows and all(r.needs_you for r in rows.values())
        await command(pilot, "agents")
        assert isinstance(app.screen, ResourceScreen)
        await command(pilot, "sessions")
        assert app.current_mode == "sessions"
        await command(pilot, "nonsense")
        assert any("Unknown command" in n.message for n in app._notifications)
        await command(pilot, "q")
        assert app.return_code == 0


async def test_profile_command_opens_another_mirror(make_app, data_dir: Path) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await command(pilot, "profile other")
        await settle(pilot)
        assert app.profile == "other"
        assert (data_dir / "other" / "mirror.db").exists()
        assert list(app.screen.table.ids) == []


async def test_theme_switch_is_persisted(make_app, tmp_path: Path) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert {t.name for t in THEMES} <= set(app.available_themes)
        await command(pilot, "theme drover-solarized")
        assert app.theme == "drover-solarized"
        assert app.get_css_variables()["session-needs-you"]
    config = tomllib.loads((tmp_path / "config.toml").read_text())
    assert config["theme"] == "drover-solarized"
    again = make_app()
    assert again.theme == "drover-solarized"


async def test_palette_offers_commands_and_themes(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        provider = DroverCommands(app.screen)
        labels = [label for label, _, _ in provider._entries()]
        assert ":inbox" in labels and "theme: drover-high-contrast" in labels


async def test_foreign_theme_falls_back_to_drover_defaults(make_app) -> None:
    app = make_app(theme="textual-dark")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        variables = app.get_css_variables()
        assert {
            "session-running",
            "session-idle",
            "session-needs-you",
            "session-error",
            "session-terminated",
        } <= set(variables)
        await command(pilot, "grid")  # the live grid's panes use the fallback colours too
        assert type(app.screen).__name__ == "GridScreen"
