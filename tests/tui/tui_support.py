"""Helpers shared by the TUI tests (imported as ``tui_support``): fixture mirrors built through
the store's real ingest path, and Pilot waiting helpers.

`fixture_mirror` writes `<data_dir>/default/mirror.db` from the protocol's
example-events.jsonl (the copy in tests/store/data; one session per scenario) plus a few
hand-made sessions: a hostile one (escape sequences and Rich markup in agent text, a 10 MB
tool result), a long one (paging) and a small synthetic fleet. `make_app` builds the real
`DroverApp` on it with a fixed clock.
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


def _examples() -> dict[str, list[dict[str, Any]]]:
    by_scenario: dict[str, list[dict[str, Any]]] = {}
    for line in EXAMPLES.read_text().splitlines():
        record = json.loads(line)
        if record["stream"] == "session":
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


def build_mirror(data_dir: Path, fleet: int = 40) -> Path:
    """Write the fixture mirror under `data_dir` and return its path."""
    path = data_dir / "default" / "mirror.db"
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
    from textual.worker import WorkerState

    for _ in range(20):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        active = (WorkerState.PENDING, WorkerState.RUNNING)
        if not any(w.state in active for w in pilot.app.workers):
            await pilot.pause()
            return


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


async def until(pilot: Any, check: Callable[[], Any], what: str, timeout: float = 30.0) -> Any:
    """Let the app run (sync works on its loop) until `check()` is truthy; return its value."""
    deadline = time.monotonic() + timeout
    while not (value := await asyncio.to_thread(check)):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await pilot.pause(0.1)
    return value
