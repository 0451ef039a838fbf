"""Every shipped scenario played to its natural end on SimDomain (pace instant, no HTTP).

Agents are configured exactly as the demo fleet configures them. Every persisted event (session
view and thread views), every live preview frame, the session, its threads and the agents must
validate strictly against the official SDK's types.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import pytest
from sdk_check import assert_wire_shape

from drover.sim.domain.facade import SimDomain
from drover.sim.fleet.bodies import (
    custom_output,
    ensure_agents,
    ensure_environments,
    nth_message,
    session_body,
    user_message,
)

NAMES = sorted(SimDomain(seed=0, pace="instant").scenarios)
PREVIEWS = frozenset({"agent.message", "agent.thinking"})


@dataclass
class Played:
    """A finished session: its events (session view, then every thread's) and frames."""

    domain: SimDomain
    session_id: str
    events: list[dict]
    frames: list[dict] = field(default_factory=list)
    threads: dict[str, list[dict]] = field(default_factory=dict)

    def of(self, kind: str) -> list[dict]:
        return [e for e in self.events if e["type"] == kind]

    def stops(self) -> list[str]:
        return [e["stop_reason"]["type"] for e in self.of("session.status_idle")]


def _answer(domain: SimDomain, session_id: str, verdict: str) -> list[dict]:
    record = domain.state.sessions[session_id]
    idle = [e for e in record.log.events() if e["type"] == "session.status_idle"][-1]
    by_id = {e["id"]: e for e in record.log.events()}
    answers = []
    for event_id in idle["stop_reason"]["event_ids"]:
        use = by_id[event_id]
        if use["type"] == "agent.custom_tool_use":
            scenario = domain.scenarios[record.resource["metadata"]["scenario"]]
            text = custom_output(scenario, use["name"], record.runtime.vars)
            answers.append({"type": "user.custom_tool_result", "custom_tool_use_id": event_id,
                            "content": [{"type": "text", "text": text}]})  # fmt: skip
        elif verdict == "allow":
            answers.append({"type": "user.tool_confirmation", "tool_use_id": event_id,
                            "result": "allow"})  # fmt: skip
        else:
            answers.append({"type": "user.tool_confirmation", "tool_use_id": event_id,
                            "result": "deny", "deny_message": "Not here."})  # fmt: skip
    return answers


async def play(name: str, verdict: str = "allow", *, messages: int | None = None) -> Played:
    """Create a fleet-configured session of ``name`` and play every scripted turn (+1 follow-up).

    Requests for approval are answered with ``verdict``; custom tools with their scripted
    output. Stops early at ``budget_reached`` or termination.
    """
    domain = SimDomain(seed=7, pace="instant")
    await domain.start()
    agents: dict[str, str] = {}
    environments: dict[str, str] = {}
    ensure_agents(domain, agents)
    ensure_environments(domain, environments)
    scenario = domain.scenarios[name]
    rng = random.Random(3)
    values = scenario.choose_vars(rng)
    body = session_body(agents, environments, scenario, values, rng)
    session_id = domain.create_session(body)["id"]
    domain.state.sessions[session_id].runtime.vars = dict(values)
    sub = domain.subscribe(session_id, deltas=PREVIEWS)
    total = messages or len(scenario.turns) + (scenario.followup is not None)
    for index in range(total):
        text = nth_message(scenario, values, rng, index)
        domain.send_events(session_id, {"events": [user_message(text)]})
        session = await domain.settle(session_id)
        for _ in range(20):
            events = domain.state.sessions[session_id].log.events()
            idle = [e for e in events if e["type"] == "session.status_idle"][-1:]
            if session["status"] != "idle" or not idle:
                break
            if idle[0]["stop_reason"]["type"] != "requires_action":
                break
            domain.send_events(session_id, {"events": _answer(domain, session_id, verdict)})
            session = await domain.settle(session_id)
        if session["status"] == "terminated" or idle[0]["stop_reason"]["type"] == "budget_reached":
            break
    frames = []
    while not sub.queue.empty():
        frames.append(sub.queue.get_nowait())
    sub.close()
    played = Played(domain, session_id, domain.list_events(session_id), frames)
    for thread in domain.list_threads(session_id):
        if thread["parent_thread_id"] is not None:
            played.threads[thread["id"]] = domain.list_events(session_id, thread["id"])
    await domain.stop()
    return played


def check_shapes(played: Played) -> None:
    """Everything the session produced validates strictly against the SDK."""
    domain, session_id = played.domain, played.session_id
    for event in played.events + [e for evs in played.threads.values() for e in evs]:
        assert_wire_shape(event)
    for frame in played.frames:
        assert_wire_shape(frame)
    assert_wire_shape(domain.get_session(session_id))
    for thread in domain.list_threads(session_id):
        assert_wire_shape(thread)
    for agent_id in domain.state.agents:
        assert_wire_shape(domain.get_agent(agent_id))
    for env_id in domain.state.environments:
        assert_wire_shape(domain.get_environment(env_id))


@pytest.mark.parametrize("verdict", ["allow", "deny"])
@pytest.mark.parametrize("name", NAMES)
async def test_plays_to_its_natural_end(name, verdict):
    played = await play(name, verdict)
    check_shapes(played)
    assert played.of("agent.message"), "no agent message"
    final = played.stops()[-1]
    assert final in ("end_turn", "retries_exhausted", "refusal", "budget_reached")
    assert played.domain.get_session(played.session_id)["status"] == "idle"
    if verdict == "deny" and played.of("user.tool_confirmation"):
        results = ("agent.tool_result", "agent.mcp_tool_result")
        everything = played.events + [e for evs in played.threads.values() for e in evs]
        denied = [e for e in everything if e["type"] in results and e["is_error"]]
        assert denied, "a denied call must get an error result"
    assert any(f["type"] == "event_delta" for f in played.frames)


async def test_risky_ops_asks_before_running_commands():
    played = await play("risky-ops")
    asks = [e for e in played.of("agent.tool_use") if e["evaluated_permission"] == "ask"]
    assert {e["name"] for e in asks} == {"bash"}
    assert any("terraform apply" in e["input"]["command"] for e in asks)
    assert "requires_action" in played.stops()


async def test_risky_ops_denied_apply_still_finishes():
    played = await play("risky-ops", "deny", messages=1)
    assert played.stops()[-1] == "end_turn"
    assert "If you denied it" in played.of("agent.message")[-1]["content"][0]["text"]


async def test_flaky_infra_reschedules_then_exhausts():
    played = await play("flaky-infra", messages=2)
    assert played.of("session.status_rescheduled")
    statuses = [e["error"]["retry_status"]["type"] for e in played.of("session.error")]
    assert statuses.count("retrying") >= 2 and statuses[-1] == "exhausted"
    assert played.stops() == ["end_turn", "retries_exhausted"]
    assert any(e["is_error"] for e in played.of("span.model_request_end"))


async def test_budget_burner_reaches_its_budget():
    played = await play("budget-burner")
    assert played.stops()[-1] == "budget_reached"
    session = played.domain.get_session(played.session_id)
    spent = int(session["usage"]["list_cost"]["amount"])
    assert spent >= int(session["budget"]["max_list_cost"]["amount"])


async def test_coordinator_delegates_and_cross_posts_the_childs_request():
    played = await play("coordinator", messages=1)
    created = played.of("session.thread_created")
    assert {e["agent_name"] for e in created} == {"Test Writer", "Reviewer"}
    crossed = [e for e in played.events if e["type"] in ("agent.tool_use", "agent.mcp_tool_use")
               and e.get("session_thread_id")]  # fmt: skip
    assert crossed and all(e["evaluated_permission"] == "ask" for e in crossed)
    assert {e["session_thread_id"] for e in crossed} <= {e["session_thread_id"] for e in created}
    assert len(played.of("agent.thread_message_received")) == 2
    assert all(played.threads.values())


async def test_migration_is_long():
    played = await play("migration", messages=1)
    assert len(played.events) >= 300
    edits = [e for e in played.of("agent.tool_use") if e["name"] == "edit"]
    assert len({e["input"]["file_path"] for e in edits}) >= 120


async def test_test_writer_fails_first_then_passes():
    played = await play("test-writer", messages=1)
    by_id = {e["id"]: e for e in played.events}
    runs = [e for e in played.of("agent.tool_result")
            if "pytest" in by_id[e["tool_use_id"]]["input"].get("command", "")]  # fmt: skip
    first, last = runs[0], runs[-1]
    assert first["is_error"] or "failed" in first["content"][0]["text"]
    assert not last["is_error"] and "passed" in last["content"][0]["text"]
    assert "failed" not in last["content"][0]["text"]


async def test_triage_bot_waits_for_its_custom_tool():
    played = await play("triage-bot", messages=1)
    (use,) = played.of("agent.custom_tool_use")
    assert use["name"] == "lookup_ticket" and use["input"]["id"].startswith("SUP-")
    assert played.of("user.custom_tool_result")
    assert played.stops() == ["requires_action", "end_turn"]


async def test_security_audit_refuses_the_exploit():
    played = await play("security-audit")
    assert played.stops() == ["end_turn", "refusal", "end_turn"]
    refusal = played.of("session.status_idle")[1]
    assert refusal["stop_details"]["category"] == "cyber"


async def test_pr_reviewer_posts_review_through_github_mcp():
    played = await play("pr-reviewer", messages=1)
    (use,) = played.of("agent.mcp_tool_use")
    assert use["mcp_server_name"] == "github" and use["evaluated_permission"] == "ask"
    assert played.of("agent.mcp_tool_result")[0]["is_error"] is False
