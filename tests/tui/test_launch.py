"""Launching from the TUI: `L` and its dialog, the progress view, `:launches`, a launch's record,
the fleet filtered by a launch, resume and cancel — on the real sim where it sends anything."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from launch_fixtures import DONE, FLEET, HALF, add_launches
from launch_support import agent_and_environment, server_view
from textual.widgets import Button, DataTable, Input, Select, Static, TextArea
from tui_support import command, settle, until

from drover.config.settings import load_config
from drover.sync.profiles import ProfileEngines
from drover.tui.app import DroverApp
from drover.tui.screens.fleet import FleetScreen
from drover.tui.screens.launch_dialog import LaunchDialog
from drover.tui.screens.launch_progress import LaunchProgressScreen
from drover.tui.screens.launch_record import LaunchRecordScreen
from drover.tui.screens.launches import LaunchesScreen
from drover.tui.screens.session import SessionScreen


def _sim_app(sim: Any, tmp_path: Path, monkeypatch: Any, **profile: Any) -> DroverApp:
    monkeypatch.setenv("DROVER_CONFIG", str(tmp_path / "config.toml"))
    profile.setdefault("create_per_minute", 600)
    return DroverApp(
        data_dir=tmp_path / "data",
        config_path=tmp_path / "config.toml",
        engines=ProfileEngines.endpoint(sim.base_url, sim.api_key, tmp_path / "data", **profile),
        desktop_notifications=False,
    )


async def _mirrored(pilot: Any, app: DroverApp) -> None:
    await until(pilot, lambda: app.mirror is not None, "the mirror")
    await until(pilot, lambda: app.mirror.reader.agents(), "the agents mirrored")
    await until(pilot, lambda: app.mirror.reader.environments(), "the environments")


def _state(app: DroverApp, launch_id: str) -> str | None:
    progress = app.launch_progress.get(launch_id)
    return progress.state if progress is not None else None


def _created(app: DroverApp, launch_id: str) -> int:
    progress = app.launch_progress.get(launch_id)
    return progress.created if progress is not None else 0


def _preview(dialog: LaunchDialog) -> str:
    return str(dialog.query_one("#preview", Static).render())


async def _open_dialog(pilot: Any) -> LaunchDialog:
    await pilot.press("L")
    await settle(pilot)
    dialog = pilot.app.screen
    assert isinstance(dialog, LaunchDialog)
    return dialog


async def test_L_launches_on_the_sim_with_progress_then_the_record_and_the_fleet(
    sim, tmp_path, monkeypatch
) -> None:
    agent, env = agent_and_environment(sim)
    items = tmp_path / "prs.txt"
    items.write_text("https://x/pull/1\nhttps://x/pull/2\nhttps://x/pull/3\n")
    app = _sim_app(sim, tmp_path, monkeypatch)
    async with app.run_test(size=(140, 40)) as pilot:
        await _mirrored(pilot, app)
        dialog = await _open_dialog(pilot)
        dialog.query_one("#agent", Select).value = agent
        dialog.query_one("#environment", Select).value = env
        dialog.query_one("#title", Input).value = "PR {n}"
        dialog.query_one("#message", TextArea).text = "Review {item}"
        dialog.query_one("#items", Input).value = str(items)
        dialog.query_one("#save", Input).value = "review"
        await settle(pilot)
        assert _preview(dialog) == "3 sessions · first: PR 1 — Review https://x/pull/1"
        await pilot.press("ctrl+s")
        progress = await until(
            pilot, lambda: isinstance(app.screen, LaunchProgressScreen) and app.screen, "progress"
        )
        launch_id = progress.launch_id
        await until(pilot, lambda: _state(app, launch_id) == "done", "the launch done")
        await settle(pilot)
        assert "3/3 created" in str(progress.query_one("#line", Static).render())
        assert load_config(tmp_path / "config.toml").templates["review"].message == "Review {item}"

        await pilot.press("enter")  # its record
        record = await until(pilot, lambda: isinstance(app.screen, LaunchRecordScreen)
                             and app.screen, "the record")  # fmt: skip
        await until(pilot, lambda: len(record.items) == 3, "three items")
        view = server_view(sim, launch_id)
        assert len(view.sessions) == 3 and view.duplicates == 0
        assert {i.session_id for i in record.items} == {s["id"] for s in view.sessions}
        table = record.query_one(DataTable)
        assert str(table.get_row_at(0)[1]) == "https://x/pull/1"

        await pilot.press("enter")  # the first item's session
        await until(pilot, lambda: isinstance(app.screen, SessionScreen), "its session")
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("f")  # the fleet, this launch only
        fleet = await until(pilot, lambda: isinstance(app.screen, FleetScreen) and app.screen,
                            "the fleet")  # fmt: skip
        await until(pilot, lambda: fleet.query_state.launch_id == launch_id, "the filter")
        await until(pilot, lambda: set(fleet.table.ids) == {i.session_id for i in record.items},
                    "only the launch's sessions")  # fmt: skip
        await pilot.press("escape")
        await until(pilot, lambda: fleet.query_state.launch_id is None, "the filter cleared")


async def test_the_dialog_previews_the_first_item_and_waits_for_what_is_missing(
    make_showcase_app, tmp_path
) -> None:
    items = tmp_path / "prs.jsonl"
    items.write_text('{"url": "u1", "repo": "web"}\n{"url": "u2"}\n')
    app = make_showcase_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        dialog = await _open_dialog(pilot)
        assert _preview(dialog) == "choose an agent and an environment"
        assert dialog.query_one("#launch", Button).disabled
        dialog.query_one("#agent", Select).value = "agent_pr-reviewer"
        dialog.query_one("#environment", Select).value = "env_1"
        dialog.query_one("#message", TextArea).text = "Review {url} in {repo}"
        await settle(pilot)
        assert _preview(dialog) == "say what to launch over: an items file, or a count"
        dialog.query_one("#items", Input).value = str(items)
        await settle(pilot)
        assert _preview(dialog) == "item 2: {repo} is not a field of the item (it has {url}, {n})"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is dialog, "nothing launches while the template cannot fill in"
        dialog.query_one("#message", TextArea).text = "Review {url}"
        await settle(pilot)
        assert _preview(dialog) == "2 sessions · first: Review u1"
        assert not dialog.query_one("#launch", Button).disabled
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, FleetScreen) and not app.launch_progress


async def test_a_saved_template_fills_the_form(make_showcase_app, tmp_path) -> None:
    (tmp_path / "config.toml").write_text(
        '[templates.nightly]\nagent = "pr-reviewer"\nenvironment = "env_1"\n'
        'title = "docs {n}"\nmessage = "Document module {n}"\nbudget_usd = 2.5\n'
        'vault_ids = ["vlt_1"]\n[templates.nightly.metadata]\nteam = "docs"\n'
    )
    app = make_showcase_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        dialog = await _open_dialog(pilot)
        dialog.query_one("#template", Select).value = "nightly"
        dialog.query_one("#count", Input).value = "4"
        await settle(pilot)
        assert dialog.query_one("#agent", Select).value == "agent_pr-reviewer"  # found by name
        assert dialog.query_one("#title", Input).value == "docs {n}"
        assert dialog.query_one("#budget", Input).value == "2.5"
        assert "metadata team · 1 vault(s)" in str(dialog.query_one("#extras", Static).render())
        assert _preview(dialog) == "4 sessions · first: docs 1 — Document module 1"


async def test_readonly_refuses_L_and_launches_actions(make_app) -> None:
    app = make_app(readonly=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("L")
        await settle(pilot)
        assert isinstance(app.screen, FleetScreen)
        await command(pilot, "launch")
        assert not isinstance(app.screen, LaunchDialog)
        refused = [n for n in app._notifications if "Read-only" in n.message]
        assert len(refused) == 2


async def test_launches_lists_them_and_the_record_shows_each_item(make_showcase_app) -> None:
    app = make_showcase_app()
    add_launches(app.data_dir / "default" / "mirror.db")
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await command(pilot, "launches")
        screen = app.screen
        assert isinstance(screen, LaunchesScreen)
        await until(pilot, lambda: len(screen.rows) == 2, "two launches")
        table = screen.query_one(DataTable)
        assert [str(c) for c in table.get_row_at(0)[:3]] == [HALF, "interrupted", "2/6"]
        assert [str(c) for c in table.get_row_at(1)[:3]] == [DONE, "done", "4/5"]
        table.move_cursor(row=1)
        await pilot.press("enter")
        record = await until(pilot, lambda: isinstance(app.screen, LaunchRecordScreen)
                             and app.screen, "the record")  # fmt: skip
        await until(pilot, lambda: len(record.items) == 5, "five items")
        outcomes = [i.outcome for i in record.items]
        assert outcomes[2] == "needs you" and outcomes[4] == "failed"
        assert [i.session_id for i in record.items[:4]] == FLEET
        title = str(record.query_one("#title", Static).render())
        assert title.startswith(f"launch {DONE} · done · 4/5 sessions")
        await pilot.press("f")
        fleet = await until(pilot, lambda: isinstance(app.screen, FleetScreen) and app.screen,
                            "the fleet")  # fmt: skip
        await until(pilot, lambda: set(fleet.table.ids) == set(FLEET), "the launch's sessions")


async def test_resume_from_launches_reads_back_and_finishes_on_the_sim(
    sim, tmp_path, monkeypatch
) -> None:
    agent, env = agent_and_environment(sim)
    app = _sim_app(sim, tmp_path, monkeypatch)
    async with app.run_test(size=(140, 40)) as pilot:
        await _mirrored(pilot, app)
        from drover.config.templates import LaunchTemplate
        from drover.sync.launch_plan import counted_items, plan_launch

        plan = plan_launch(
            LaunchTemplate(agent=agent, environment=env, message="job {n}"),
            counted_items(4),
            agent_id=agent,
            environment_id=env,
        )
        writer = app.mirror.writer
        await writer.create_launch(plan.launch)
        await writer.launch_item_creating(plan.id, 0)  # went out; the server made it
        from sim_http import api

        api(sim, "POST", "/v1/sessions",
            json={"agent": agent, "environment_id": env, **plan.requests[0].body()})  # fmt: skip
        await command(pilot, "launches")
        screen = app.screen
        assert isinstance(screen, LaunchesScreen)
        await until(pilot, lambda: len(screen.rows) == 1, "the launch")
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, LaunchProgressScreen), "progress")
        await until(pilot, lambda: _state(app, plan.id) == "done", "done")
        assert app.launch_progress[plan.id].found == 1
    view = server_view(sim, plan.id)
    assert len(view.sessions) == 4 and view.duplicates == 0


async def test_c_cancels_a_running_launch_and_escape_only_hides_it(
    sim, tmp_path, monkeypatch
) -> None:
    agent, env = agent_and_environment(sim)
    app = _sim_app(sim, tmp_path, monkeypatch, create_per_minute=60, create_burst=1)
    async with app.run_test(size=(140, 40)) as pilot:
        await _mirrored(pilot, app)
        dialog = await _open_dialog(pilot)
        dialog.query_one("#agent", Select).value = agent
        dialog.query_one("#environment", Select).value = env
        dialog.query_one("#message", TextArea).text = "job {n}"
        dialog.query_one("#count", Input).value = "30"
        await settle(pilot)
        await pilot.press("ctrl+s")
        progress = await until(
            pilot, lambda: isinstance(app.screen, LaunchProgressScreen) and app.screen, "progress"
        )
        launch_id = progress.launch_id
        await pilot.press("escape")  # hidden: it keeps running
        await until(pilot, lambda: _created(app, launch_id) >= 1, "a first session")
        assert app.launch_running(launch_id)
        await pilot.press("colon", *"launches", "enter")  # no `settle`: it awaits the launch
        await until(pilot, lambda: isinstance(app.screen, LaunchesScreen) and app.screen.rows,
                    "the launch listed")  # fmt: skip
        await pilot.press("c")
        await until(pilot, lambda: app.launch_progress[launch_id].state == "cancelled",
                    "cancelled")  # fmt: skip
        created = app.launch_progress[launch_id].created
        assert 1 <= created < 30
        assert app.mirror.reader.launch(launch_id).state == "cancelled"
    assert len(server_view(sim, launch_id).sessions) == created
