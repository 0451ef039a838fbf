"""Shared helpers of the engine and domain tests (loaded by path: tests/sim is no package).

It has no tests itself. Scripts are tiny scenarios, one per engine path, selected per agent
with ``metadata.scenario``.
"""

from __future__ import annotations

import copy
import shutil
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sdk_check import assert_wire_shape

from drover.sim.domain.facade import SimDomain
from drover.sim.wire.errors import SimError
from drover.sim.wire.ids import ManualClock

SHIPPED = Path(__file__).resolve().parents[2] / "sim" / "scenarios"

SCRIPTS = {
    "ask": """
        [[turns]]
        [[turns.requests]]
        message = "Installing."
        tokens = { input = 1000, output = 100 }
        [[turns.requests.tools]]
        name = "bash"
        input = { command = "pip install -r requirements.txt" }
        output = "ok"
        [[turns.requests.tools]]
        name = "write"
        input = { file_path = "/tmp/x" }
        output = "written"
        [[turns.requests]]
        message = "Done."
        tokens = { input = 500, output = 50, cache_read = 1000, cache_write = 200 }
    """,
    "custom": """
        [[turns]]
        [[turns.requests]]
        message = "Looking up the ticket."
        [[turns.requests.tools]]
        name = "lookup_ticket"
        custom = true
        input = { id = "ENG-1" }
        [[turns.requests]]
        message = "Ticket found."
    """,
    "slow": """
        [[turns]]
        [[turns.requests]]
        seconds = 30
        message = "A long design document, streamed slowly."
        [[turns.requests]]
        message = "finished"
        [followup]
        [[followup.requests]]
        message = "Short answer."
    """,
    "errors": """
        [[turns]]
        [[turns.requests]]
        message = "Recovered."
        error = { type = "model_overloaded_error", attempts = 2, then = "recovers" }
        [[turns]]
        [[turns.requests]]
        message = "never"
        error = { type = "model_request_failed_error", attempts = 1, then = "exhausted" }
        [[turns]]
        [[turns.requests]]
        message = "never"
        error = { type = "billing_error", attempts = 0, then = "terminal" }
    """,
    "refuse": """
        [[turns]]
        [[turns.requests]]
        refusal = { category = "cyber", explanation = "Declined to write an exploit" }
    """,
    "team": """
        [[turns]]
        [[turns.requests]]
        message = "Asking the reviewer."
        [[turns.requests.delegate]]
        agent_name = "Reviewer"
        message = "Review it"
        scenario = "ask"
        reply = "Looks good."
        [[turns.requests]]
        message = "Reviewer says it looks good."
    """,
    "graded": """
        [[turns]]
        [[turns.requests]]
        message = "First draft."
        [[turns]]
        [[turns.requests]]
        message = "Revised draft."
        [outcome]
        iterations = [
          { result = "needs_revision", explanation = "Missing tests", seconds = 1 },
          { result = "satisfied", explanation = "All good", seconds = 1 },
        ]
    """,
    "pricey-team": """
        [[turns]]
        [[turns.requests]]
        message = "Delegating."
        [[turns.requests.delegate]]
        agent_name = "Spender"
        message = "Spend"
        scenario = "pricey"
        reply = "Spent."
        [[turns.requests]]
        message = "All done."
    """,
    "pricey": """
        [[turns]]
        [[turns.requests]]
        message = "one"
        tokens = { input = 200000, output = 20000, cache_read = 100000, cache_write = 40000 }
        [[turns.requests]]
        message = "two"
        tokens = { input = 100000, output = 10000 }
        [[turns.requests]]
        message = "three"
        tokens = { input = 100, output = 10 }
    """,
}


async def sim(tmp_path, scripts: dict[str, str] | None = None):
    """A started fast-paced domain whose scenarios are general.toml plus ``scripts``."""
    shutil.copy(SHIPPED / "general.toml", tmp_path / "general.toml")
    for name, body in (scripts or SCRIPTS).items():
        (tmp_path / f"{name}.toml").write_text(f'name = "{name}"\n' + textwrap.dedent(body))
    domain = SimDomain(seed=7, pace="fast", scenarios_dir=tmp_path)
    await domain.start()
    yield domain
    await domain.stop()


def make_session(
    sim: SimDomain,
    scenario: str = "general",
    *,
    tools=None,
    model="claude-sonnet-4-6",
    budget_cents: int | None = None,
    **agent_extra,
) -> str:
    agent = sim.create_agent(
        {
            "name": f"Agent {scenario}",
            "model": model,
            "metadata": {"scenario": scenario},
            "tools": tools if tools is not None else [{"type": "agent_toolset_20260401"}],
            **agent_extra,
        }
    )
    env_name = f"env-{len(sim.state.environments)}"
    env = sim.create_environment({"name": env_name, "config": {"type": "cloud"}})
    body: dict = {"agent": agent["id"], "environment_id": env["id"]}
    if budget_cents is not None:
        body["budget"] = {
            "type": "limit",
            "max_list_cost": {"amount": str(budget_cents), "currency": "USD"},
        }
    return sim.create_session(body)["id"]


def say(sim: SimDomain, sid: str, text: str = "go") -> list[dict]:
    return sim.send_events(
        sid, {"events": [{"type": "user.message", "content": [{"type": "text", "text": text}]}]}
    )["data"]


def types(sim: SimDomain, sid: str, thread_id: str | None = None) -> list[str]:
    events = sim.list_events(sid, thread_id)
    for event in events:
        assert_wire_shape(event)
    return [e["type"] for e in events]


def last(sim: SimDomain, sid: str, kind: str) -> dict:
    return [e for e in sim.list_events(sid) if e["type"] == kind][-1]


ASK_BASH = [
    {
        "type": "agent_toolset_20260401",
        "configs": [
            {"name": "bash", "permission_policy": {"type": "always_ask"}},
            {"name": "write", "permission_policy": {"type": "always_ask"}},
        ],
    }
]


# -- domain tests ---------------------------------------------------------------------------

TEXT = [{"type": "text", "text": "hi"}]


async def domain_sim():
    domain = SimDomain(seed=5, pace="fast", clock=ManualClock(datetime(2026, 5, 1, tzinfo=UTC)))
    await domain.start()
    yield domain
    await domain.stop()


def world(sim):
    """An agent, an environment and an idle session."""
    agent = sim.create_agent({"name": "Repo Assistant", "model": "claude-opus-4-8"})
    env = sim.create_environment({"name": "sandbox"})
    session = sim.create_session({"agent": agent["id"], "environment_id": env["id"]})
    return agent, env, session


def snapshot(sim: SimDomain) -> object:
    """Everything a request could change, including the id generator's position."""
    sessions = {
        sid: (copy.deepcopy(r.resource), copy.deepcopy(r.log.events()), copy.deepcopy(r.threads))
        for sid, r in sim.state.sessions.items()
    }
    return (
        copy.deepcopy(sim.state.agents),
        copy.deepcopy(sim.state.environments),
        sessions,
        sim.state.ids._rng.getstate(),
    )


def rejects(sim: SimDomain, call, status: int, code: str | None = None) -> SimError:
    before = snapshot(sim)
    with pytest.raises(SimError) as exc:
        call()
    assert exc.value.status == status, exc.value.message
    if code is not None:
        assert exc.value.error_code == code
    assert snapshot(sim) == before
    return exc.value


FULL_AGENT = {
    "name": "Full",
    "model": {"id": "claude-opus-4-8", "effort": "high", "speed": "standard"},
    "description": "Triages",
    "system": "Be careful.",
    "tools": [
        {
            "type": "agent_toolset_20260401",
            "configs": [{"name": "bash", "permission_policy": {"type": "always_ask"}}],
        },
        {"type": "mcp_toolset", "mcp_server_name": "github"},
        {
            "type": "custom",
            "name": "lookup_ticket",
            "description": "Fetch a ticket",
            "input_schema": {"type": "object", "properties": {"id": {"type": "string"}}},
        },
    ],
    "mcp_servers": [{"type": "url", "name": "github", "url": "https://example.com/mcp"}],
    "skills": [{"type": "anthropic", "skill_id": "xlsx"}],
    "metadata": {"team": "infra"},
}
