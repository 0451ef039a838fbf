"""Launch and steer end to end on the real sim, through the keys and dialogs a person uses:
`b` raises a budget and the session resumes; `O` defines an outcome that is evaluated, shown in
the fleet's OUTCOME column and found by search; `Y` makes a rule that answers the call and is
written under the profile in config.toml, `!` pauses it; `:vaults` shows a failed credential
that makes its session need you; `:deployments` shows a deployment's runs, spend and sessions;
`:memory` browses a store's memories and their versions."""

from __future__ import annotations

from typing import Any

from sim_http import api, server_events
from steer_bodies import agent_body, env_body, say
from textual.widgets import DataTable, Input, Static, TextArea
from tui_support import command, screen_text, settle, until

from drover.config.settings import load_config
from drover.sync.profiles import ProfileEngines
from drover.tui.app import DroverApp
from drover.tui.screens.deployments import DeploymentScreen, DeploymentsScreen
from drover.tui.screens.fleet import FleetScreen
from drover.tui.screens.memory import MemoryScreen
from drover.tui.screens.steer_dialogs import BudgetScreen, OutcomeScreen, RuleScreen
from drover.tui.screens.vaults import VaultsScreen
from drover.tui.widgets.fleet_summary import FleetSummary

SENTRY = "https://mcp.sentry.dev/mcp?revoked=1"


def _agent(sim: Any, scenario: str, *, ask_bash: bool = False, **extra: Any) -> str:
    return str(
        api(sim, "POST", "/v1/agents", json=agent_body(scenario, ask_bash=ask_bash, **extra))["id"]
    )


def _env(sim: Any) -> str:
    return str(api(sim, "POST", "/v1/environments", json=env_body())["id"])


def _session(sim: Any, agent: str, env: str, text: str | None = "go", **fields: Any) -> str:
    body = {"agent": agent, "environment_id": env, **fields}
    if text:
        body["initial_events"] = say(text)
    return str(api(sim, "POST", "/v1/sessions", json=body)["id"])


def _app(sim: Any, tmp_path: Any, monkeypatch: Any) -> DroverApp:
    monkeypatch.setenv("DROVER_CONFIG", str(tmp_path / "config.toml"))
    return DroverApp(
        data_dir=tmp_path / "data",
        config_path=tmp_path / "config.toml",
        engines=ProfileEngines.endpoint(sim.base_url, sim.api_key, tmp_path / "data"),
        desktop_notifications=False,
    )


async def _on_row(pilot: Any, sid: str) -> FleetScreen:
    app = pilot.app
    await until(pilot, lambda: isinstance(app.screen, FleetScreen), "the fleet")
    screen = app.screen
    await until(pilot, lambda: sid in screen.table.ids, "the row")
    screen.table.cursor = list(screen.table.ids).index(sid)
    await settle(pilot)
    return screen


def _needs(app: DroverApp, sid: str, reason: str) -> Any:
    return lambda: (row := app.mirror.reader.session(sid)) is not None and row.needs_you == reason


async def test_b_raises_the_budget_and_the_session_resumes(sim, tmp_path, monkeypatch):
    cap = {"type": "limit", "max_list_cost": {"amount": "150", "currency": "USD"}}
    sid = _session(sim, _agent(sim, "budget-burner"), _env(sim), "profile it", budget=cap)
    app = _app(sim, tmp_path, monkeypatch)
    async with app.run_test(size=(150, 40)) as pilot:
        await until(pilot, lambda: app.mirror is not None, "the mirror")
        await until(pilot, _needs(app, sid, "budget_reached"), "budget_reached")
        await _on_row(pilot, sid)
        await pilot.press("b")
        dialog = await until(pilot, lambda: isinstance(app.screen, BudgetScreen) and app.screen,
                             "the budget dialog")  # fmt: skip
        field = dialog.query_one("#usd", Input)
        field.value = "0.50"
        await pilot.press("ctrl+s")
        assert "more than" in str(dialog.query_one("#problem", Static).render())
        field.value = "1000"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: not isinstance(app.screen, BudgetScreen), "the dialog closed")

        def raised() -> bool:
            session = api(sim, "GET", f"/v1/sessions/{sid}")
            return session["budget"]["max_list_cost"]["amount"] == "100000"

        await until(pilot, raised, "the budget raised on the server")
        await until(pilot, lambda: len(server_events(sim, sid, "session.status_running")) >= 2,
                    "running again")  # fmt: skip
        await until(pilot, lambda: app.mirror.reader.session(sid).needs_you != "budget_reached",
                    "no longer stopped at the budget")  # fmt: skip


async def test_O_defines_an_outcome_shown_in_the_fleet_and_found_by_search(
    sim, tmp_path, monkeypatch
):
    sid = _session(sim, _agent(sim, "doc-generator"), _env(sim), None, title="docs for auth")
    app = _app(sim, tmp_path, monkeypatch)
    async with app.run_test(size=(150, 40)) as pilot:
        await until(pilot, lambda: app.mirror is not None, "the mirror")
        await until(pilot, lambda: app.mirror.reader.session(sid) is not None, "the session")
        await _on_row(pilot, sid)
        await pilot.press("O")
        dialog = await until(pilot, lambda: isinstance(app.screen, OutcomeScreen) and app.screen,
                             "the outcome dialog")  # fmt: skip
        await pilot.press("ctrl+s")
        assert "Say what" in str(dialog.query_one("#problem", Static).render())
        dialog.query_one("#description", Input).value = "Reference docs for every public module"
        dialog.query_one("#rubric", TextArea).text = "Every module has a page; the how-to runs."
        dialog.query_one("#iterations", Input).value = "3"
        await pilot.press("ctrl+s")
        [defined] = await until(pilot, lambda: server_events(sim, sid, "user.define_outcome"),
                                "the outcome on the server")  # fmt: skip
        assert defined["max_iterations"] == 3
        assert defined["rubric"] == {
            "type": "text",
            "content": "Every module has a page; the how-to runs.",
        }
        await until(pilot, lambda: app.mirror.reader.outcomes([sid]).get(sid, {}).get("verdict")
                    == "met", "the outcome met", timeout=60)  # fmt: skip
        screen = app.screen
        assert isinstance(screen, FleetScreen)
        screen.reload()
        await settle(pilot)
        assert "✓" in screen_text(screen.table)  # the OUTCOME column
        hits = app.mirror.reader.search("outcome:met")
        assert {h.session_id for h in hits} == {sid}
        app.open_session(sid)
        await settle(pilot)
        heads = [block.head for block in app.screen.events.blocks]
        assert "◎ outcome: Reference docs for every public module · up to 3 iterations" in heads
        assert any(h.startswith("↻ needs revision · iteration 1: The how-to") for h in heads)
        assert any(h.startswith("✓ outcome met · iteration 2: Every public module") for h in heads)
        assert "outcome ✓ outcome met · iteration 2 of 3" in str(
            app.screen.query_one("#outcome", Static).render()
        )


async def test_Y_makes_a_rule_that_answers_the_call_and_is_saved_per_profile(
    sim, tmp_path, monkeypatch
):
    sid = _session(sim, _agent(sim, "test-writer", ask_bash=True, name="Test Writer"),
                   _env(sim), "Write tests for tax.rounding")  # fmt: skip
    app = _app(sim, tmp_path, monkeypatch)
    async with app.run_test(size=(150, 40)) as pilot:
        await until(pilot, lambda: app.mirror is not None, "the mirror")
        await until(pilot, _needs(app, sid, "requires_action"), "the pytest call waiting")
        screen = await _on_row(pilot, sid)
        await pilot.press("Y")
        dialog = await until(pilot, lambda: isinstance(app.screen, RuleScreen) and app.screen,
                             "the rule dialog")  # fmt: skip
        pattern = dialog.query_one("#pattern", Input)
        assert "✓ matches this call" in str(dialog.query_one("#verdict", Static).render())
        pattern.value = "ls -la"
        await settle(pilot)
        assert "✗ does not match" in str(dialog.query_one("#verdict", Static).render())
        await pilot.press("ctrl+s")
        assert "does not match the call" in str(dialog.query_one("#problem", Static).render())
        pattern.value = r"cd /workspace/repo && python -m pytest tests/\S+ -q"
        dialog.query_one("#name", Input).value = "pytest"
        await pilot.press("ctrl+s")
        [answer] = await until(pilot, lambda: server_events(sim, sid, "user.tool_confirmation"),
                               "the rule's answer")  # fmt: skip
        assert answer["result"] == "allow"
        rules = load_config(tmp_path / "config.toml").rules_for("default")
        assert list(rules) == ["pytest"] and rules["pytest"].agent == "Test Writer"
        assert rules["pytest"].until is not None  # "for 30 min" by default
        [audit] = app.mirror.reader.rule_audit()
        assert audit.rule == "pytest" and audit.tool_use_id == answer["tool_use_id"]
        summary = screen.query_one(FleetSummary)
        await until(pilot, lambda: summary.rules == (1, False), "the header's rule count")
        assert "⚖ 1 rule" in str(summary.render())
        await pilot.press("exclamation_mark")
        await until(pilot, lambda: summary.rules == (1, True), "paused")
        assert "⚖ 1 rules paused · ! resumes" in str(summary.render())
        assert app.mirror.reader.rules_paused() is not None
        app.open_session(sid)
        await settle(pilot)
        heads = [block.head for block in app.screen.events.blocks]
        assert any(h.startswith("⚖ allowed by rule pytest · bash $ cd /workspace/") for h in heads)


async def test_vaults_show_a_failed_credential_and_its_session_needs_you(
    sim, tmp_path, monkeypatch
):
    vault = api(sim, "POST", "/v1/vaults", json={"display_name": "Team credentials"})
    api(sim, "POST", f"/v1/vaults/{vault['id']}/credentials", json={
        "display_name": "Sentry", "auth": {"type": "mcp_oauth", "mcp_server_url": SENTRY,
                                           "access_token": "sim-sentry-token"}})  # fmt: skip
    agent = _agent(sim, "general", mcp_servers=[{"type": "url", "name": "sentry", "url": SENTRY}],
                   tools=[{"type": "mcp_toolset", "mcp_server_name": "sentry"}])  # fmt: skip
    sid = _session(sim, agent, _env(sim), None, vault_ids=[vault["id"]], title="sentry digest")
    app = _app(sim, tmp_path, monkeypatch)
    async with app.run_test(size=(150, 40)) as pilot:
        await until(pilot, lambda: app.mirror is not None, "the mirror")
        await until(pilot, _needs(app, sid, "credential"), "the credential reason")
        screen = await _on_row(pilot, sid)
        # The row repaints on the change notice, a moment after the mirror has the reason.
        reason = "re-authorize credential Sentry: to…"
        await until(pilot, lambda: reason in screen_text(screen.table), "the reason in the row")
        await command(pilot, "vaults")
        vaults = app.screen
        assert isinstance(vaults, VaultsScreen)
        await until(pilot, lambda: vaults.table.row_count == 2, "the vault and its credential")
        cells = [str(c) for c in vaults.table.get_row_at(1)]
        assert cells[0].strip() == "Sentry" and cells[2] == "✗ invalid"
        assert cells[3] == "1 need you" and "re-authorize" in cells[4]
        assert "secret" in str(vaults.query_one("#note", Static).render())
        vaults.table.move_cursor(row=1)
        await pilot.press("enter")

        def filtered() -> bool:
            return isinstance(app.screen, FleetScreen) and (
                app.screen.query_state.pattern == "credential"
            )

        await until(pilot, filtered, "the inbox, filtered")


async def test_deployments_show_runs_spend_and_their_sessions(sim, tmp_path, monkeypatch):
    agent, env = _agent(sim, "triage-bot"), _env(sim)
    deployment = api(sim, "POST", "/v1/deployments", json={
        "name": "Nightly triage", "agent": agent, "environment_id": env,
        "initial_events": [{"type": "user.message",
                            "content": [{"type": "text", "text": "triage the queue"}]}],
        "schedule": {"type": "cron", "expression": "0 6 * * *", "timezone": "UTC"}})  # fmt: skip
    run = api(sim, "POST", f"/v1/deployments/{deployment['id']}/run")
    other = _session(sim, agent, env, "a session of its own")
    app = _app(sim, tmp_path, monkeypatch)
    async with app.run_test(size=(150, 40)) as pilot:
        await until(pilot, lambda: app.mirror is not None, "the mirror")
        await until(pilot, lambda: (d := app.mirror.reader.deployments()) and d[0].spend_cents,
                    "the deployment's spend")  # fmt: skip
        await until(pilot, lambda: app.mirror.reader.session(other) is not None, "the other")
        await command(pilot, "deployments")
        listed = app.screen
        assert isinstance(listed, DeploymentsScreen)
        await until(pilot, lambda: listed.table.row_count == 1, "one deployment")
        cells = [str(c) for c in listed.table.get_row_at(0)]
        assert cells[0] == "Nightly triage" and cells[2] == "0 6 * * * UTC"
        assert (cells[5], cells[6], cells[7]) == ("1", "0", "1") and cells[8].startswith("$")
        await pilot.press("enter")
        detail = await until(pilot, lambda: isinstance(app.screen, DeploymentScreen)
                             and app.screen, "the runs")  # fmt: skip
        runs = detail.query_one(DataTable)
        await until(pilot, lambda: runs.row_count == 1, "its run")
        assert str(runs.get_row_at(0)[6]) == run["session_id"]
        await pilot.press("s")

        def narrowed() -> Any:
            screen = app.screen
            return isinstance(screen, FleetScreen) and screen.query_state.deployment and screen

        fleet = await until(pilot, narrowed, "the fleet narrowed to the deployment")
        await until(pilot, lambda: list(fleet.table.ids) == [run["session_id"]], "only its run")
        assert "deployment: Nightly triage" in str(fleet.query_one(FleetSummary).render())
        await pilot.press("escape")
        await until(pilot, lambda: other in fleet.table.ids, "every session again")


async def test_memory_browses_a_store_and_a_memorys_versions(sim, tmp_path, monkeypatch):
    store = api(
        sim,
        "POST",
        "/v1/memory_stores",
        json={"name": "Team conventions", "description": "How we ship"},
    )
    sid_store = store["id"]
    memory = api(sim, "POST", f"/v1/memory_stores/{sid_store}/memories",
                 json={"path": "/python/style.md", "content": "Format with black."})  # fmt: skip
    api(sim, "POST", f"/v1/memory_stores/{sid_store}/memories/{memory['id']}",
        json={"content": "Format with ruff."})  # fmt: skip
    app = _app(sim, tmp_path, monkeypatch)
    async with app.run_test(size=(150, 40)) as pilot:
        await until(pilot, lambda: app.mirror is not None, "the mirror")
        await until(pilot, lambda: app.mirror.reader.memory_stores(), "the store mirrored")
        await command(pilot, "memory")
        screen = app.screen
        assert isinstance(screen, MemoryScreen)
        await until(pilot, lambda: screen.table.row_count == 1, "the store")
        await pilot.press("enter")
        await until(pilot, lambda: screen.place.level == "folder", "the store's root")
        assert "▸ /python/" in str(screen.table.get_row_at(0)[0])
        await pilot.press("enter")
        await until(pilot, lambda: screen.place.prefix == "/python/", "the folder")
        await pilot.press("enter")
        await until(pilot, lambda: screen.place.level == "versions", "the versions")
        assert screen.table.row_count == 2
        newest = [str(c) for c in screen.table.get_row_at(0)]
        assert newest[0].startswith("● ") and newest[1] == "modified"
        assert "Format with ruff." in str(screen.query_one("#preview", Static).render())
        screen.table.move_cursor(row=1)
        await settle(pilot)
        assert "Format with black." in str(screen.query_one("#preview", Static).render())
        await pilot.press("backspace")
        await until(pilot, lambda: screen.place.level == "folder", "back up")
