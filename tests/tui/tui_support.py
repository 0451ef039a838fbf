"""Helpers shared by the TUI tests (imported as ``tui_support``): fixture mirrors built through
the store's real ingest path, and Pilot waiting helpers.

`fixture_mirror` writes `<data_dir>/default/mirror.db` from the protocol's
example-events.jsonl (the copy in tests/store/data; one session per scenario) plus a few
hand-made sessions: a hostile one (escape sequences and Rich markup in agent text, a 10 MB
tool result), a long one (paging) and a small synthetic fleet. `make_app` builds the real
`DroverApp` on it with a fixed clock.

`add_showcase` adds, on a copy used only by the snapshot tests (`make_showcase_app`), what
their pictures need beyond that: a session waiting for approval, a child thread's stream,
spend, agents and environments. Other tests keep the plain fixture, so their counts hold.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sim_http import api

from drover.store.mirror import Mirror

EXAMPLES = Path(__file__).resolve().parents[1] / "store" / "data" / "example-events.jsonl"
NOW = datetime(2026, 5, 12, 12, 0, 0, tzinfo=UTC)
HOSTILE = "sesn_hostile"
LONG = "sesn_long"
BIG_RESULT_CHARS = 10 * 1024 * 1024
HOSTILE_TEXT = "title \x1b]0;pwned\x07 and \x1b[31mred\x1b[0m and [bold red]x[/] done"


def _ts(minute: float) -> str:
    base = datetime(2026, 5, 12, 9, 0, 0, tzinfo=UTC).timestamp()
    return datetime.fromtimestamp(base + minute * 60, UTC).isoformat().replace("+00:00", "Z")


def _session(sid: str, title: str, agent: str, minute: float, **extra: Any) -> dict[str, Any]:
    return {
        "id": sid, "type": "session", "title": title, "status": extra.pop("status", "idle"),
        "agent": {"id": f"agent_{agent}", "name": agent, "model": {"id": "claude-sonnet-4-5"}},
        "environment_id": "env_1", "created_at": _ts(minute), "updated_at": _ts(minute),
        **extra,
    }  # fmt: skip


def _msg(eid: str, etype: str, text: str, minute: float) -> dict[str, Any]:
    return {"type": etype, "id": eid, "content": [{"type": "text", "text": text}],
            "processed_at": _ts(minute)}  # fmt: skip


def _examples(stream: str = "session") -> dict[str, list[dict[str, Any]]]:
    """The example events of one stream (`session` or `thread:ID`), by scenario."""
    by_scenario: dict[str, list[dict[str, Any]]] = {}
    for line in EXAMPLES.read_text().splitlines():
        record = json.loads(line)
        if record["stream"] == stream:
            by_scenario.setdefault(record["scenario"], []).append(record["event"])
    return by_scenario


def _hostile_events() -> list[dict[str, Any]]:
    big = ("0123456789abcdef" * (BIG_RESULT_CHARS // 16 + 1))[:BIG_RESULT_CHARS]
    return [
        _msg("sevt_h1", "user.message", "Dump the logs please.", 1),
        {"type": "session.status_running", "id": "sevt_h2", "processed_at": _ts(1.1)},
        _msg("sevt_h3", "agent.message", HOSTILE_TEXT, 1.2),
        {
            "type": "agent.tool_use",
            "id": "sevt_h4",
            "name": "bash",
            "input": {"command": "cat /var/log/big.log"},
            "evaluated_permission": "allow",
            "processed_at": _ts(1.3),
        },  # fmt: skip  # noqa: RUF028
        {
            "type": "agent.tool_result",
            "id": "sevt_h5",
            "tool_use_id": "sevt_h4",
            "content": [{"type": "text", "text": big}],
            "processed_at": _ts(1.4),
        },  # fmt: skip  # noqa: RUF028
        {
            "type": "agent.brand_new_thing",
            "id": "sevt_h6",
            "payload": {"x": 1},
            "processed_at": _ts(1.5),
        },  # fmt: skip  # noqa: RUF028
        {
            "type": "session.status_idle",
            "id": "sevt_h7",
            "stop_reason": {"type": "end_turn"},
            "processed_at": _ts(1.6),
        },  # fmt: skip  # noqa: RUF028
    ]


def _long_events(count: int = 260) -> list[dict[str, Any]]:
    events = [{"type": "session.status_running", "id": "sevt_l0", "processed_at": _ts(2)}]
    for i in range(1, count):
        etype = "agent.message" if i % 2 else "user.message"
        events.append(_msg(f"sevt_l{i}", etype, f"line {i}", 2 + i / 100))
    return events


def build_mirror(data_dir: Path, fleet: int = 40, *, location: str | None = None) -> Any:
    """Write the fixture mirror under `data_dir` (or at `location`: a PostgreSQL mirror's URL)
    and return where it is."""
    path = location or data_dir / "default" / "mirror.db"
    mirror = Mirror.open(path)
    try:
        w = mirror.writer
        sessions, events = [], {}
        for index, (scenario, evs) in enumerate(sorted(_examples().items())):
            sid = f"sesn_ex_{scenario}"
            sessions.append(_session(sid, scenario.replace("_", " "), "pr-reviewer", index * 60))
            events[sid] = evs
        sessions.append(_session(HOSTILE, HOSTILE_TEXT, "log-digger", 5))
        events[HOSTILE] = _hostile_events()
        sessions.append(_session(LONG, "long migration", "migrator", 6))
        events[LONG] = _long_events()
        for i in range(fleet):
            sid = f"sesn_fleet_{i:03d}"
            sessions.append(_session(sid, f"nightly docs {i:03d}", f"docgen-{i % 3}", 10 + i))
            run = i % 4 == 0
            events[sid] = [
                _msg(f"sevt_f{i}_1", "user.message", f"Generate docs for module {i}", 10 + i),
                {"type": "session.status_running", "id": f"sevt_f{i}_2",
                 "processed_at": _ts(10 + i)},
            ] + ([] if run else [
                {"type": "session.status_idle", "id": f"sevt_f{i}_3",
                 "stop_reason": {"type": "end_turn"}, "processed_at": _ts(10.5 + i)},
            ])  # fmt: skip
        w.submit("upsert_sessions", sessions).result()
        for sid, evs in events.items():
            w.submit("ingest", sid, evs).result()
    finally:
        mirror.close()
    return path


async def settle(pilot: Any) -> None:
    """Wait until workers are done and their results are on screen (never sleeps)."""
    from textual.worker import WorkerCancelled, WorkerState

    for _ in range(20):
        try:
            await pilot.app.workers.wait_for_complete()
        except WorkerCancelled:
            continue  # an exclusive worker was replaced by a newer one: wait for that instead
        await pilot.pause()
        active = (WorkerState.PENDING, WorkerState.RUNNING)
        if not any(w.state in active for w in pilot.app.workers):
            await pilot.pause()
            return


async def still(pilot: Any) -> None:
    """`settle`, then stop every text cursor on screen blinking (kept visible) for a snapshot."""
    from textual.widgets import Input, TextArea

    await settle(pilot)
    for field in pilot.app.screen.query("Input, TextArea"):
        if isinstance(field, Input | TextArea):
            field.cursor_blink = False
    await pilot.pause()


async def command(pilot: Any, line: str) -> None:
    """Type `:line` and enter at the command prompt, as a user would, and settle."""
    await pilot.press("colon", *line, "enter")
    await settle(pilot)


async def ingest(app: Any, session_id: str, events: list[dict[str, Any]]) -> None:
    """Ingest through the app's writer and deliver the change notice now (not on the timer).

    The writer calls `on_change` after resolving the ingest future, so wait for a later no-op
    batch before flushing the app's gathered changes.
    """
    import asyncio

    await app.mirror.writer.ingest(session_id, events)
    await asyncio.to_thread(app.mirror.writer.flush)
    app.feed.flush()


def screen_text(widget: Any) -> str:
    """The text a Line-API widget shows right now, one line per row."""
    return "\n".join(widget.render_line(y).text.rstrip() for y in range(widget.size.height))


def risky_session(sim: Any) -> str:
    """An agent playing risky-ops with bash on always_ask, an environment and a session."""
    toolset = {
        "type": "agent_toolset_20260401",
        "default_config": {"enabled": True, "permission_policy": {"type": "always_allow"}},
        "configs": [{"type": "bash", "name": "bash", "enabled": True,
                     "permission_policy": {"type": "always_ask"}}],
    }  # fmt: skip
    agent = api(sim, "POST", "/v1/agents", json={
        "name": "Infra Operator", "model": "claude-opus-4-7",
        "metadata": {"scenario": "risky-ops"}, "tools": [toolset]})  # fmt: skip
    env = api(sim, "POST", "/v1/environments",
              json={"name": f"env-{time.monotonic_ns()}", "config": {"type": "cloud"}})  # fmt: skip
    return api(sim, "POST", "/v1/sessions", json={
        "agent": agent["id"], "environment_id": env["id"], "title": "encrypt orders RDS",
        "initial_events": [{"type": "user.message",
                            "content": [{"type": "text", "text": "plan and apply"}]}],
    })["id"]  # fmt: skip


def live_app(sim: Any, tmp_path: Path, *, api_key: str | None = None) -> Any:
    """The real `DroverApp` syncing from `sim` into `tmp_path/data` (config in `tmp_path`)."""
    from drover.sync.profiles import ProfileEngines
    from drover.tui.app import DroverApp

    data = tmp_path / "data"
    return DroverApp(
        data_dir=data,
        config_path=tmp_path / "config.toml",
        engines=ProfileEngines.endpoint(sim.base_url, api_key or sim.api_key, data),
        desktop_notifications=False,
    )


async def until_asking(pilot: Any, session_id: str) -> Any:
    """Wait until the mirror has `session_id` waiting on requires_action; return its row."""
    app = pilot.app
    await until(pilot, lambda: app.mirror is not None, "the mirror")

    def asking() -> Any:
        row = app.mirror.reader.session(session_id)
        return row if row and row.needs_you == "requires_action" else None

    return await until(pilot, asking, "requires_action in the mirror")


async def fleet_after(pilot: Any, events: dict[str, list[dict[str, Any]]]) -> Any:
    """The fleet screen after each session's `events` were ingested and the list re-sorted."""
    from drover.tui.screens.fleet import FleetScreen

    await settle(pilot)
    for sid, evs in events.items():
        await ingest(pilot.app, sid, evs)
    screen = pilot.app.screen
    assert isinstance(screen, FleetScreen)
    await pilot.press("r")
    await settle(pilot)
    return screen


async def cursor_to(pilot: Any, screen: Any, session_id: str) -> None:
    """Put the fleet table's cursor on `session_id`'s row."""
    screen.table.cursor = list(screen.table.ids).index(session_id)
    await pilot.pause()


def queued(app: Any) -> list[tuple[str, str, dict]]:
    """The app's outbox as (session, kind, payload) triples."""
    return [(r.session_id, r.kind, r.payload) for r in app.mirror.reader.outbox()]


async def until(pilot: Any, check: Callable[[], Any], what: str, timeout: float = 30.0) -> Any:
    """Let the app run (sync works on its loop) until `check()` is truthy; return its value."""
    deadline = time.monotonic() + timeout
    while not (value := await asyncio.to_thread(check)):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await pilot.pause(0.1)
    return value


# -- the showcase: what snapshots need on top of the fixture mirror ------------------------------

APPROVAL = "sesn_approval"
"""A session waiting on two `ask` tool calls (the inbox, the allow dialog)."""
MULTI = "sesn_ex_multiagent_delegation"
"""The multi-agent example session; the showcase also mirrors its child thread's stream."""
CHILD = "sthr_011CQwTh7hEADTeN87K4te4y"
"""The child thread of `MULTI`."""
SHOWCASE_AGENTS: list[dict[str, Any]] = [
    {"type": "agent", "id": "agent_pr-reviewer", "name": "pr-reviewer", "version": 4,
     "description": "Reviews pull requests and runs their tests",
     "system": "You review pull requests.\nRun the tests before you approve anything.",
     "model": {"id": "claude-sonnet-4-5", "effort": {"type": "high"}, "speed": "standard"},
     "tools": [
         {"type": "agent_toolset_20260401",
          "default_config": {"enabled": True, "permission_policy": {"type": "always_allow"}},
          "configs": [{"type": "bash", "name": "bash", "enabled": True,
                       "permission_policy": {"type": "always_ask"}},
                      {"type": "web_fetch", "name": "web_fetch", "enabled": False}]},
         {"type": "mcp_toolset", "mcp_server_name": "github",
          "default_config": {"enabled": True},
          "configs": [{"name": "create_review", "enabled": True,
                       "permission_policy": {"type": "always_allow"}}]},
     ],
     "mcp_servers": [{"type": "url", "name": "github",
                      "url": "https://api.githubcopilot.com/mcp/"}],
     "skills": [{"type": "anthropic", "skill_id": "xlsx", "version": "1"}],
     "multiagent": {"type": "delegation"},
     "created_at": "2026-05-01T08:00:00Z", "updated_at": "2026-05-10T08:00:00Z"},
    {"type": "agent", "id": "agent_deployer", "name": "deployer", "version": 2,
     "description": "Ships tagged builds to staging",
     "model": {"id": "claude-opus-4-1"},
     "tools": [{"type": "agent_toolset_20260401",
                "default_config": {"enabled": True, "permission_policy": {"type": "always_ask"}}},
               {"type": "custom", "name": "page_oncall", "description": "Page the on-call human",
                "input_schema": {"type": "object"}}],
     "created_at": "2026-05-02T08:00:00Z", "updated_at": "2026-05-09T08:00:00Z"},
    {"type": "agent", "id": "agent_docgen-0", "name": "docgen-0", "version": 1,
     "model": "claude-haiku-4-5", "tools": [{"type": "agent_toolset_20260401"}],
     "created_at": "2026-05-03T08:00:00Z", "updated_at": "2026-05-03T08:00:00Z"},
]  # fmt: skip
SHOWCASE_ENVIRONMENTS: list[dict[str, Any]] = [
    {"type": "environment", "id": "env_1", "name": "cloud-default", "scope": "organization",
     "config": {"type": "cloud", "networking": {"type": "unrestricted"}},
     "created_at": "2026-04-20T08:00:00Z"},
    {"type": "environment", "id": "env_py", "name": "python-sandbox", "scope": "organization",
     "description": "Python 3.13 with the test toolchain",
     "config": {"type": "cloud",
                "networking": {"type": "limited", "allowed_hosts": ["pypi.org", "github.com"],
                               "allow_mcp_servers": True, "allow_package_managers": True},
                "packages": {"type": "packages", "apt": ["jq"], "pip": ["pytest", "ruff"]}},
     "created_at": "2026-05-01T08:00:00Z"},
    {"type": "environment", "id": "env_rack", "name": "on-prem rack", "scope": "workspace",
     "config": {"type": "self_hosted"}, "created_at": "2026-05-04T08:00:00Z"},
]  # fmt: skip


def _usage(
    eid: str, minute: float, cents: int, active: float, budget: int | None = None
) -> dict[str, Any]:
    return {
        "type": "session.usage", "id": eid, "processed_at": _ts(minute),
        "usage": {"input_tokens": 180_000 + cents * 90, "output_tokens": 9_000 + cents * 3,
                  "cache_read_input_tokens": 1_400_000 + cents * 700,
                  "cache_creation": {"ephemeral_5m_input_tokens": 22_000},
                  "list_cost": {"amount": str(cents), "currency": "USD"},
                  "active_seconds": active},
        "budget": None if budget is None else
        {"type": "limit", "max_list_cost": {"amount": str(budget), "currency": "USD"}},
    }  # fmt: skip


def _approval_events() -> list[dict[str, Any]]:
    def tool(eid: str, command: str, minute: float) -> dict[str, Any]:
        return {"type": "agent.tool_use", "id": eid, "name": "bash",
                "input": {"command": command}, "evaluated_permission": "ask",
                "processed_at": _ts(minute)}  # fmt: skip

    plan = (
        "The build is green. Two steps need your approval: migrate the staging database, "
        "then roll the web tier."
    )
    stop = {"type": "requires_action", "event_ids": ["sevt_a4", "sevt_a5"]}
    return [
        _msg("sevt_a1", "user.message", "Ship build 2026.05.12-3 to staging.", 160),
        {"type": "session.status_running", "id": "sevt_a2", "processed_at": _ts(160.1)},
        _msg("sevt_a3", "agent.message", plan, 161),
        tool("sevt_a4", "./deploy/migrate.sh --env staging", 161.5),
        tool("sevt_a5", "kubectl rollout restart deploy/web -n staging", 161.6),
        _usage("sevt_a6", 161.7, 4210, 1840.0, budget=5000),
        {
            "type": "session.status_idle",
            "id": "sevt_a7",
            "processed_at": _ts(162),
            "stop_reason": stop,
        },
    ]


def add_showcase(data_dir: Path) -> None:
    """Add to the fixture mirror under `data_dir` what the snapshots show beyond it: a session
    waiting for approval of two calls, the multi-agent example's child stream, spend on a few
    sessions (a budget at 84%), and agents and environments (`:agents`, `:envs`, `N`)."""
    mirror = Mirror.open(data_dir / "default" / "mirror.db")
    try:
        w = mirror.writer
        w.submit("upsert_agents", SHOWCASE_AGENTS).result()
        w.submit("upsert_environments", SHOWCASE_ENVIRONMENTS).result()
        approval = _session(APPROVAL, "ship build to staging", "deployer", 160)
        w.submit("upsert_sessions", [approval]).result()
        w.submit("ingest", APPROVAL, _approval_events()).result()
        child = _examples(f"thread:{CHILD}")["multiagent_delegation"]
        w.submit("ingest", MULTI, child, thread_id=CHILD).result()
        w.submit("ingest", LONG, [_usage("sevt_lu", 5, 1275, 3300.0)]).result()
        for i, cents in ((1, 310), (2, 95), (4, 488)):
            usage = _usage(f"sevt_fu{i}", 10.4 + i, cents, 600.0)
            w.submit("ingest", f"sesn_fleet_{i:03d}", [usage]).result()
    finally:
        mirror.close()
