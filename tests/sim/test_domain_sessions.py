"""Sessions as objects: snapshots, validation with no state change, updates, lists, threads."""

from __future__ import annotations

import copy
import runpy
from pathlib import Path

import pytest
from sdk_check import assert_wire_shape

# tests/sim is not a package: the shared helpers are loaded by path.
_s = runpy.run_path(str(Path(__file__).with_name("test_engine_support.py")))
sim = pytest.fixture(_s["domain_sim"])
world = pytest.fixture(_s["world"])
rejects, TEXT, FULL_AGENT = _s["rejects"], _s["TEXT"], _s["FULL_AGENT"]


def test_session_shape_snapshot_and_overrides(sim):
    helper = sim.create_agent({"name": "Reviewer", "model": "claude-haiku-4-5"})
    agent = sim.create_agent({**FULL_AGENT, "multiagent": {
        "type": "coordinator", "agents": [helper["id"], {"type": "self"}]}})  # fmt: skip
    env = sim.create_environment({"name": "e"})
    file_id = sim.list_files()[0]["id"]  # one of the library's uploaded files
    session = sim.create_session({
        "agent": {"type": "agent_with_overrides", "id": agent["id"], "model": "claude-sonnet-4-6",
                  "system": "Override."},
        "environment_id": env["id"], "title": "T", "metadata": {"ticket": "ENG-1"},
        "resources": [{"type": "github_repository", "url": "https://github.com/acme/tools",
                       "checkout": {"type": "branch", "name": "main"}},
                      {"type": "file", "file_id": file_id}],
        "budget": {"type": "limit", "max_list_cost": {"amount": "500", "currency": "USD"}},
    })  # fmt: skip
    assert_wire_shape(session)
    assert session["status"] == "idle" and session["agent"]["id"] == agent["id"]
    assert session["agent"]["version"] == 1 and session["agent"]["system"] == "Override."
    assert session["agent"]["model"] == {"id": "claude-sonnet-4-6", "effort": {"type": "high"}}
    names = [a["name"] for a in session["agent"]["multiagent"]["agents"]]
    assert names == ["Reviewer", "Full"]
    assert session["resources"][0]["mount_path"] == "/workspace/tools"
    assert sim.list_resources(session["id"]) == session["resources"]
    threads = sim.list_threads(session["id"])
    assert len(threads) == 1 and threads[0]["parent_thread_id"] is None
    assert_wire_shape(threads[0])
    pinned = sim.create_session({"agent": {"type": "agent", "id": helper["id"], "version": 1},
                                 "environment_id": env["id"]})  # fmt: skip
    assert pinned["agent"]["name"] == "Reviewer" and pinned["agent"]["multiagent"] is None


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"agent": "AGENT"},
        {"agent": "AGENT", "environment_id": "ENV", "metadata": {f"k{i}": "v" for i in range(17)}},
        {"agent": "AGENT", "environment_id": "ENV", "budget": {"type": "limit",
            "max_list_cost": {"amount": "1.5", "currency": "USD"}}},
        {"agent": "AGENT", "environment_id": "ENV", "initial_events": [{"type": "user.interrupt"}]},
        {"agent": "AGENT", "environment_id": "ENV", "initial_events": [
            {"type": "user.message", "content": TEXT}] * 51},
        {"agent": "AGENT", "environment_id": "ENV", "resources": [{"type": "disk"}]},
    ],
)  # fmt: skip
def test_bad_session_bodies_are_400_and_change_nothing(sim, world, body):
    agent, env, _ = world
    body = copy.deepcopy(body)
    if body.get("agent") == "AGENT":
        body["agent"] = agent["id"]
    elif isinstance(body.get("agent"), dict):
        body["agent"]["id"] = agent["id"]
    if body.get("environment_id") == "ENV":
        body["environment_id"] = env["id"]
    rejects(sim, lambda: sim.create_session(body), 400)


def test_unknown_agent_or_environment_is_404(sim, world):
    agent, env, _ = world
    body = {"agent": agent["id"], "environment_id": "env_nope"}
    rejects(sim, lambda: sim.create_session(body), 404, "environment_not_found")
    body = {"agent": "agent_nope", "environment_id": env["id"]}
    rejects(sim, lambda: sim.create_session(body), 404)
    body = {
        "agent": {"type": "agent", "id": agent["id"], "version": 7},
        "environment_id": env["id"],
    }
    rejects(sim, lambda: sim.create_session(body), 404)


@pytest.mark.parametrize(
    "events",
    [
        [],
        [{"type": "user.shout"}],
        [{"type": "user.message"}],
        [{"type": "user.message", "content": []}],
        [{"type": "user.message", "content": [{"type": "video"}]}],
        [{"type": "user.tool_confirmation", "tool_use_id": "sevt_x", "result": "maybe"}],
        [{"type": "user.tool_confirmation", "tool_use_id": "sevt_x", "result": "allow",
          "deny_message": "no"}],
        [{"type": "user.define_outcome", "description": "d"}],
        [{"type": "user.define_outcome", "description": "d",
          "rubric": {"type": "text", "content": "r"}, "max_iterations": 21}],
        [{"type": "system.message", "content": TEXT}],
        [{"type": "user.message", "content": TEXT}, {"type": "system.message", "content": TEXT},
         {"type": "user.message", "content": TEXT}],
        [{"type": "user.tool_result", "tool_use_id": "sevt_x"}],
        [{"type": "user.message", "content": TEXT}, {"type": "user.custom_tool_result",
          "custom_tool_use_id": "sevt_x"}],
    ],
)  # fmt: skip
def test_bad_sends_are_400_and_change_nothing(sim, world, events):
    _, _, session = world
    rejects(sim, lambda: sim.send_events(session["id"], {"events": events}), 400)


def test_send_to_unknown_session_is_404(sim):
    rejects(sim, lambda: sim.send_events("sesn_nope", {"events": []}), 404)
    rejects(sim, lambda: sim.subscribe("sesn_nope"), 404)


async def test_system_message_rides_with_its_user_message(sim, world):
    _, _, session = world
    receipt = sim.send_events(
        session["id"],
        {
            "events": [
                {"type": "user.message", "content": TEXT},
                {"type": "system.message", "content": TEXT},
            ]
        },
    )
    for echo in receipt["data"]:
        assert_wire_shape(echo)
    await sim.settle(session["id"])
    kinds = [e["type"] for e in sim.list_events(session["id"])]
    assert kinds[:3] == ["user.message", "system.message", "session.status_running"]


async def test_update_session_emits_only_changed_fields(sim, world):
    _, _, session = world
    sid = session["id"]
    updated = sim.update_session(sid, {"title": "New", "metadata": {"a": "1"}})
    assert updated["title"] == "New" and updated["metadata"] == {"a": "1"}
    event = sim.list_events(sid)[-1]
    assert_wire_shape(event)
    assert set(event) == {"type", "id", "processed_at", "title", "metadata"}
    sim.update_session(sid, {"title": "New", "metadata": {"a": None}})
    event = sim.list_events(sid)[-1]
    assert set(event) == {"type", "id", "processed_at"}  # metadata cleared to empty: absent
    count = len(sim.list_events(sid))
    sim.update_session(sid, {"title": "New"})
    assert len(sim.list_events(sid)) == count  # nothing changed, no event
    tools = [{"type": "agent_toolset_20260401",
              "default_config": {"permission_policy": {"type": "always_ask"}}}]  # fmt: skip
    sim.update_session(sid, {"agent": {"tools": tools}})
    event = sim.list_events(sid)[-1]
    assert event["agent"]["tools"][0]["default_config"]["permission_policy"]["type"] == "always_ask"
    assert_wire_shape(event)
    sim.send_events(sid, {"events": [{"type": "user.message", "content": TEXT}]})
    rejects(sim, lambda: sim.update_session(sid, {"agent": {"tools": []}}), 400)
    rejects(sim, lambda: sim.update_session(sid, {"vault_ids": ["vlt_1"]}), 400)


async def test_list_sessions_filters(sim, world):
    agent, env, first = world
    other = sim.create_agent({"name": "o", "model": "claude-sonnet-4-6"})
    store = sim.create_memory_store({"name": "Team notes"})["id"]
    second = sim.create_session({"agent": other["id"], "environment_id": env["id"],
                                 "resources": [{"type": "memory_store",
                                                "memory_store_id": store}]})  # fmt: skip
    sim.send_events(second["id"], {"events": [{"type": "user.message", "content": TEXT}]})
    assert [s["id"] for s in sim.list_sessions()] == [first["id"], second["id"]]
    assert [s["id"] for s in sim.list_sessions(agent_id=agent["id"])] == [first["id"]]
    assert sim.list_sessions(agent_id=agent["id"], agent_version=2) == []
    assert [s["id"] for s in sim.list_sessions(statuses=["running"])] == [second["id"]]
    assert [s["id"] for s in sim.list_sessions(memory_store_id=store)] == [second["id"]]
    mounted = sim.get_session(second["id"])["resources"][0]
    assert mounted["mount_path"] == "/mnt/memory/team-notes" and mounted["name"] == "Team notes"
    assert sim.list_sessions(deployment_id="depl_1") == []
    for session in sim.list_sessions():
        assert_wire_shape(session)


async def test_threads_and_views_404(sim, world):
    _, _, session = world
    sid = session["id"]
    primary = sim.list_threads(sid)[0]
    assert sim.get_thread(sid, primary["id"]) == primary
    assert sim.list_events(sid, primary["id"]) == sim.list_events(sid)
    rejects(sim, lambda: sim.get_thread(sid, "sthr_nope"), 404)
    rejects(sim, lambda: sim.subscribe(sid, "sthr_nope"), 404)
    rejects(sim, lambda: sim.archive_thread(sid, primary["id"]), 400)
    assert sim.list_threads(sid, statuses=["running"]) == []


async def test_duration_stats_come_from_the_session_clock(sim, world):
    _, _, session = world
    sim.state.clock.advance(90)
    assert sim.get_session(session["id"])["stats"]["duration_seconds"] == 90.0
