"""Creating, archiving and deleting sessions from the fleet: `N`, `A`, `D`, their dialogs,
read-only refusal, errors from the server; and `N` end to end on the real sim."""

from __future__ import annotations

from typing import Any

from sim_http import api
from textual.widgets import Input, Select, Static, TextArea
from tui_support import live_app, settle, until

from drover.api.errors import BadRequestError
from drover.sync.connection import ConnectionBoard
from drover.sync.engines import NewSession
from drover.tui.app import DroverApp
from drover.tui.screens.confirm import ConfirmScreen
from drover.tui.screens.fleet import FleetScreen
from drover.tui.screens.help import HelpScreen
from drover.tui.screens.new_session import NewSessionScreen
from drover.tui.screens.session import SessionScreen

A, B = "sesn_fleet_001", "sesn_fleet_002"
AGENTS = [
    {"id": "agent_docs", "name": "Docs Writer", "type": "agent"},
    {"id": "agent_old", "name": "Retired", "type": "agent", "archived_at": "2026-05-01T00:00:00Z"},
]
ENVS = [{"id": "env_1", "name": "cloud", "type": "environment"}]


class RecordingEngine:
    """A sync engine stand-in that records the control-plane calls (and can refuse them)."""

    account = None
    fatal = None
    followed_by = None

    def __init__(self, mirror: Any) -> None:
        self.mirror = mirror
        self.board = ConnectionBoard()
        self.calls: list[tuple[Any, ...]] = []
        self.refuse: Exception | None = None
        """Raised by archive/delete when set (as the server's 400 for a running session)."""

    async def start(self) -> None:
        await self.mirror.writer.upsert_agents(AGENTS)
        await self.mirror.writer.upsert_environments(ENVS)

    async def stop(self) -> None:
        pass

    def set_focus(self, session_id: str | None) -> None:
        pass

    def set_rules(self, rules: Any) -> None:
        pass

    def refresh_platform(self, *, validate: bool = False) -> None:
        pass

    async def submit_action(self, session_id: str, kind: str, **payload: Any) -> None:
        self.calls.append(("submit", session_id, kind))

    async def create_session(self, request: NewSession) -> str:
        agent_id, environment_id = request.agent_id, request.environment_id
        fields = {"title": request.title, "first_message": request.first_message}
        self.calls.append(("create", agent_id, environment_id, fields))
        session = {"id": "sesn_new", "type": "session", "status": "idle", "title": "new one",
                   "agent": {"id": agent_id, "name": "Docs Writer"},
                   "environment_id": environment_id}  # fmt: skip
        await self.mirror.writer.upsert_sessions([session])
        return "sesn_new"

    async def archive_session(self, session_id: str) -> None:
        self.calls.append(("archive", session_id))
        if self.refuse is not None:
            raise self.refuse

    async def delete_session(self, session_id: str) -> None:
        self.calls.append(("delete", session_id))
        if self.refuse is not None:
            raise self.refuse


def recording_app(make_app: Any, **kwargs: Any) -> DroverApp:
    engines: list[RecordingEngine] = []

    class Recording:
        async def engine(self, name: str | None, mirror: Any, **options: Any) -> RecordingEngine:
            engines.append(RecordingEngine(mirror))
            return engines[-1]

    app = make_app(engines=Recording(), **kwargs)
    app.recorded = engines  # type: ignore[attr-defined]
    return app


def calls(app: DroverApp) -> list[tuple[Any, ...]]:
    return app.recorded[0].calls  # type: ignore[attr-defined]


async def fleet_on(pilot: Any, sid: str) -> FleetScreen:
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, FleetScreen)
    screen.table.cursor = list(screen.table.ids).index(sid)
    await pilot.pause()
    return screen


def errors_shown(dialog: NewSessionScreen) -> list[str]:
    return [
        str(error.render())
        for error in dialog.query(".error").results(Static)
        if error.has_class("-shown")
    ]


async def test_n_offers_live_agents_and_validates_before_creating(make_app) -> None:
    app = recording_app(make_app)
    async with app.run_test(size=(140, 40)) as pilot:
        await fleet_on(pilot, A)
        await pilot.press("N")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, NewSessionScreen)
        assert [value for _, value in dialog.agents] == ["agent_docs"]  # archived left out
        for selector, only in (("#agent", "agent_docs"), ("#environment", "env_1")):
            assert dialog.query_one(selector, Select).value == only  # nothing else to choose
            dialog.query_one(selector, Select).clear()
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is dialog
        assert errors_shown(dialog) == ["Choose an agent.", "Choose an environment."]
        assert calls(app) == []


async def test_create_sends_the_fields_and_opens_the_new_session(make_app) -> None:
    app = recording_app(make_app)
    async with app.run_test(size=(140, 40)) as pilot:
        await fleet_on(pilot, A)
        await pilot.press("N")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, NewSessionScreen)
        dialog.query_one("#agent", Select).value = "agent_docs"
        dialog.query_one("#title", Input).focus()
        await pilot.press(*"docs run", "enter")  # enter moves on to the message
        assert isinstance(dialog.focused, TextArea)
        await pilot.press(*"write", "enter", *"the docs", "ctrl+s")
        await settle(pilot)
        assert calls(app) == [
            (
                "create",
                "agent_docs",
                "env_1",
                {"title": "docs run", "first_message": "write\nthe docs"},
            )
        ]
        assert isinstance(app.screen, SessionScreen) and app.screen.session_id == "sesn_new"
        assert any("Created sesn_new" in n.message for n in app._notifications)


async def test_escape_cancels_the_new_session_dialog(make_app) -> None:
    app = recording_app(make_app)
    async with app.run_test(size=(140, 40)) as pilot:
        await fleet_on(pilot, A)
        await pilot.press("N")
        await settle(pilot)
        app.screen.query_one("#agent", Select).value = "agent_docs"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, FleetScreen)
        assert calls(app) == []


async def test_archive_asks_first_and_cancel_does_nothing(make_app) -> None:
    app = recording_app(make_app)
    async with app.run_test(size=(140, 40)) as pilot:
        await fleet_on(pilot, A)
        await pilot.press("question_mark")  # A and D are off the footer but listed in help
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        assert {("N", "New"), ("A", "Archive"), ("D", "Delete")} <= set(app.screen.bindings)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("A")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen)
        assert dialog.question == "Archive nightly docs 001?"
        await pilot.press("escape")
        await settle(pilot)
        assert calls(app) == []
        await pilot.press("A")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert calls(app) == [("archive", A)]
        assert any("archived 1 session(s)" in n.message for n in app._notifications)


async def test_delete_says_the_mirror_keeps_history_and_acts_on_marked_rows(make_app) -> None:
    app = recording_app(make_app)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await fleet_on(pilot, A)
        await pilot.press("space")
        screen.table.cursor = list(screen.table.ids).index(B)
        await pilot.press("space", "D")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen)
        assert dialog.question == "Delete 2 sessions?"
        assert any(
            "removes the session on the server; drover keeps its mirrored history" in line
            for line in dialog.details
        )
        await pilot.click("#confirm")
        await settle(pilot)
        assert sorted(calls(app)) == [("delete", A), ("delete", B)]
        assert screen.table.marked == []


async def test_a_running_session_is_flagged_and_the_servers_refusal_is_shown(make_app) -> None:
    app = recording_app(make_app)
    running = "sesn_fleet_000"  # the fixture leaves every fourth one running
    async with app.run_test(size=(140, 40)) as pilot:
        await fleet_on(pilot, running)
        app.recorded[0].refuse = BadRequestError(  # type: ignore[attr-defined]
            "a running session cannot be archived; interrupt it and wait for idle", status=400
        )
        await pilot.press("A")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen)
        assert any("interrupt with i first" in line for line in dialog.details)
        await pilot.press("y")
        await settle(pilot)
        [error] = [n for n in app._notifications if n.severity == "error"]
        assert "cannot be archived; interrupt it" in error.message and "400" in error.message


async def test_readonly_refuses_new_archive_and_delete(make_app) -> None:
    app = recording_app(make_app, readonly=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await fleet_on(pilot, A)
        for key in ("N", "A", "D"):
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, FleetScreen), key
        assert len([n for n in app._notifications if "Read-only" in n.message]) == 3
        assert calls(app) == []


async def test_n_creates_on_the_sim_and_the_session_appears_in_the_fleet(
    sim, tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("DROVER_CONFIG", str(tmp_path / "config.toml"))
    agent = api(sim, "POST", "/v1/agents", json={
        "name": "Docs Writer", "model": "claude-sonnet-4-6",
        "metadata": {"scenario": "doc-generator"}})  # fmt: skip
    api(sim, "POST", "/v1/environments", json={"name": "docs-env", "config": {"type": "cloud"}})
    app = live_app(sim, tmp_path)
    async with app.run_test(size=(140, 40)) as pilot:
        await until(pilot, lambda: app.mirror is not None, "the mirror")
        await until(pilot, lambda: app.mirror.reader.agents(), "the agents mirrored")
        await until(pilot, lambda: app.mirror.reader.environments(), "the environments")
        await pilot.press("N")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, NewSessionScreen)
        dialog.query_one("#agent", Select).value = agent["id"]
        dialog.query_one("#title", Input).value = "docs from drover"
        dialog.query_one("#message", TextArea).focus()
        await pilot.press(*"document the api", "ctrl+s")
        session = await until(pilot, lambda: isinstance(app.screen, SessionScreen), "opened")
        assert session
        sid = app.screen.session_id
        server = api(sim, "GET", f"/v1/sessions/{sid}")
        assert server["title"] == "docs from drover"
        await pilot.press("escape")
        fleet = app.screen
        assert isinstance(fleet, FleetScreen)
        await until(pilot, lambda: sid in fleet.table.ids, "the new row in the fleet")
        await settle(pilot)
