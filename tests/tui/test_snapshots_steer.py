"""Snapshots of launch and steer, in both themes, on the showcase mirror plus the steering
showcase (`steer_support`): the fleet (OUT column, a credential holding a session up, rules and
a budget in the header), `:deployments` and a deployment's runs, `:vaults`, `:memory` (a
memory's versions), `:rules`, the budget, outcome and rule dialogs, an outcome's evaluation in
the transcript and replay's outcome and rule markers.

Stable like the other snapshots: fixed size, the injected clock, workers awaited, text cursors
not blinking, animations off.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from steer_support import (
    BURNER,
    CONFIG,
    OUTCOME,
    RULED,
    MemoryEngines,
    add_steer_showcase,
)
from textual.widgets import DataTable, Input, TextArea
from tui_support import NOW, command, settle, still

SIZE = (150, 38)
THEMES = ["drover-dark", "drover-light"]


@pytest.fixture(scope="session")
def steer_template(showcase_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("steer")
    shutil.copytree(showcase_template, data_dir, dirs_exist_ok=True)
    add_steer_showcase(data_dir)
    return data_dir


@pytest.fixture
def make_steer_app(
    steer_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., Any]]:
    from drover.tui.app import DroverApp

    data_dir = tmp_path / "data"
    shutil.copytree(steer_template, data_dir)
    config = tmp_path / "config.toml"
    config.write_text(CONFIG)
    monkeypatch.setenv("DROVER_CONFIG", str(config))
    monkeypatch.setenv("DROVER_DATA_DIR", str(data_dir))

    def make(theme: str) -> DroverApp:
        app = DroverApp(data_dir=data_dir, config_path=config, clock=lambda: NOW, theme=theme,
                        engines=MemoryEngines(), desktop_notifications=False)  # fmt: skip
        app.animation_level = "none"
        return app

    yield make


async def _cursor_on(pilot: Any, session_id: str) -> None:
    await settle(pilot)
    table = pilot.app.screen.table
    table.cursor = list(table.ids).index(session_id)
    await settle(pilot)


@pytest.mark.parametrize("theme", THEMES)
def test_fleet_shows_outcomes_a_credential_holding_a_session_up_rules_and_budget(
    snap_compare, make_steer_app, theme: str
) -> None:
    assert snap_compare(make_steer_app(theme), terminal_size=(170, 38), run_before=settle)


@pytest.mark.parametrize("theme", THEMES)
def test_deployments_list_schedule_runs_failures_and_spend(
    snap_compare, make_steer_app, theme: str
) -> None:
    async def open_list(pilot: Any) -> None:
        await settle(pilot)
        await command(pilot, "deployments")

    assert snap_compare(make_steer_app(theme), terminal_size=SIZE, run_before=open_list)


@pytest.mark.parametrize("theme", THEMES)
def test_a_deployments_runs_name_their_sessions_and_errors(
    snap_compare, make_steer_app, theme: str
) -> None:
    async def open_runs(pilot: Any) -> None:
        await settle(pilot)
        await command(pilot, "deployments")
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(make_steer_app(theme), terminal_size=SIZE, run_before=open_runs)


@pytest.mark.parametrize("theme", THEMES)
def test_vaults_show_each_credentials_health_and_fix(
    snap_compare, make_steer_app, theme: str
) -> None:
    async def open_vaults(pilot: Any) -> None:
        await settle(pilot)
        await command(pilot, "vaults")

    assert snap_compare(make_steer_app(theme), terminal_size=SIZE, run_before=open_vaults)


@pytest.mark.parametrize("theme", THEMES)
def test_memory_shows_a_memorys_versions_and_who_wrote_them(
    snap_compare, make_steer_app, theme: str
) -> None:
    async def open_versions(pilot: Any) -> None:
        await settle(pilot)
        await command(pilot, "memory")
        for _ in range(3):  # the store, /python/, style.md
            await pilot.press("enter")
            await settle(pilot)
        pilot.app.screen.query_one(DataTable).move_cursor(row=1)
        await settle(pilot)

    assert snap_compare(make_steer_app(theme), terminal_size=SIZE, run_before=open_versions)


@pytest.mark.parametrize("theme", THEMES)
def test_rules_list_each_rules_state_and_the_audit_trail(
    snap_compare, make_steer_app, theme: str
) -> None:
    async def open_rules(pilot: Any) -> None:
        await settle(pilot)
        await command(pilot, "rules")

    assert snap_compare(make_steer_app(theme), terminal_size=SIZE, run_before=open_rules)


@pytest.mark.parametrize("theme", THEMES)
def test_b_asks_for_the_new_budget(snap_compare, make_steer_app, theme: str) -> None:
    async def open_dialog(pilot: Any) -> None:
        await _cursor_on(pilot, BURNER)
        await pilot.press("b")
        await still(pilot)

    assert snap_compare(make_steer_app(theme), terminal_size=SIZE, run_before=open_dialog)


@pytest.mark.parametrize("theme", THEMES)
def test_O_asks_for_an_outcome_its_rubric_and_iterations(
    snap_compare, make_steer_app, theme: str
) -> None:
    async def open_dialog(pilot: Any) -> None:
        await _cursor_on(pilot, BURNER)
        await pilot.press("O")
        await settle(pilot)
        screen = pilot.app.screen
        screen.query_one("#description", Input).value = "A profile of GET /search with a fix"
        screen.query_one("#rubric", TextArea).text = "Names the slow handler; p99 under 300 ms."
        screen.query_one("#iterations", Input).value = "4"
        await still(pilot)

    assert snap_compare(make_steer_app(theme), terminal_size=SIZE, run_before=open_dialog)


@pytest.mark.parametrize("theme", THEMES)
def test_Y_makes_a_rule_from_the_waiting_call(snap_compare, make_steer_app, theme: str) -> None:
    async def open_dialog(pilot: Any) -> None:
        await _cursor_on(pilot, "sesn_approval")
        await pilot.press("Y")
        await still(pilot)

    assert snap_compare(make_steer_app(theme), terminal_size=SIZE, run_before=open_dialog)


@pytest.mark.parametrize("theme", THEMES)
def test_an_outcomes_evaluation_reads_in_the_transcript(
    snap_compare, make_steer_app, theme: str
) -> None:
    async def open_session(pilot: Any) -> None:
        await settle(pilot)
        pilot.app.open_session(OUTCOME)
        await settle(pilot)

    assert snap_compare(make_steer_app(theme), terminal_size=SIZE, run_before=open_session)


@pytest.mark.parametrize("theme", THEMES)
def test_replay_marks_an_answer_by_rule(snap_compare, make_steer_app, theme: str) -> None:
    async def open_replay(pilot: Any) -> None:
        await settle(pilot)
        pilot.app.open_replay(RULED)
        await settle(pilot)

    assert snap_compare(make_steer_app(theme), terminal_size=SIZE, run_before=open_replay)
