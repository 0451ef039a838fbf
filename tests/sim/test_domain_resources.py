"""Agents and environments: shapes, versioning, uniqueness, validation, no-op on error."""

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


def test_agent_defaults_and_full_shape(sim):
    bare = sim.create_agent({"name": "a", "model": "claude-sonnet-4-6"})
    assert_wire_shape(bare)
    # effort is always present, resolved to the default when left out (the SDK says so)
    assert bare["version"] == 1
    assert bare["model"] == {"id": "claude-sonnet-4-6", "effort": {"type": "high"}}
    assert bare["execution_identity"] == {"type": "service_account"} and bare["tools"] == []
    full = sim.create_agent(FULL_AGENT)
    assert_wire_shape(full)
    toolset, mcp = full["tools"][0], full["tools"][1]
    assert toolset["default_config"]["permission_policy"] == {"type": "always_allow"}
    assert toolset["configs"][0]["type"] == "bash"
    assert mcp["default_config"]["permission_policy"] == {"type": "always_ask"}
    assert full["model"]["effort"] == {"type": "high"} and full["skills"][0]["version"] == "latest"


def test_agent_versions_bump_and_conflict(sim):
    agent = sim.create_agent({"name": "a", "model": "claude-sonnet-4-6"})
    same = sim.update_agent(agent["id"], {"name": "a"})
    assert same["version"] == 1  # nothing changed: no new version
    v2 = sim.update_agent(agent["id"], {"system": "new", "version": 1, "metadata": {"k": "v"}})
    assert v2["version"] == 2 and v2["system"] == "new"
    v3 = sim.update_agent(agent["id"], {"metadata": {"k": None}})
    assert v3["version"] == 3 and v3["metadata"] == {}
    rejects(sim, lambda: sim.update_agent(agent["id"], {"system": "x", "version": 1}), 409)
    assert sim.get_agent(agent["id"], 1)["system"] is None
    assert [a["version"] for a in sim.list_agent_versions(agent["id"])] == [1, 2, 3]
    for version in sim.list_agent_versions(agent["id"]):
        assert_wire_shape(version)
    rejects(sim, lambda: sim.get_agent(agent["id"], 9), 404)
    rejects(sim, lambda: sim.get_agent("agent_nope"), 404)


def test_archived_agent_and_environment_cannot_start_sessions(sim):
    agent = sim.create_agent({"name": "a", "model": "claude-sonnet-4-6"})
    env = sim.create_environment({"name": "e"})
    archived = sim.archive_agent(agent["id"])
    assert archived["archived_at"] is not None
    assert sim.list_agents() == [] and len(sim.list_agents(include_archived=True)) == 1
    body = {"agent": agent["id"], "environment_id": env["id"]}
    rejects(sim, lambda: sim.create_session(body), 400)  # no SDK code for it
    other = sim.create_agent({"name": "b", "model": "claude-sonnet-4-6"})
    sim.archive_environment(env["id"])
    body = {"agent": other["id"], "environment_id": env["id"]}
    rejects(sim, lambda: sim.create_session(body), 400, "environment_archived")


def test_environment_names_are_unique(sim):
    env = sim.create_environment(
        {
            "name": "one",
            "config": {
                "type": "cloud",
                "networking": {"type": "limited", "allowed_hosts": ["mirror.example.test"]},
                "packages": {"pip": ["pytest"]},
            },
        }
    )
    assert_wire_shape(env)
    assert env["config"]["packages"]["pip"] == ["pytest"] and env["config"]["packages"]["npm"] == []
    rejects(sim, lambda: sim.create_environment({"name": "one"}), 409)
    two = sim.create_environment({"name": "two", "config": {"type": "self_hosted"}})
    rejects(sim, lambda: sim.update_environment(two["id"], {"name": "one"}), 409)
    renamed = sim.update_environment(two["id"], {"name": "three", "metadata": {"a": "b"}})
    assert renamed["name"] == "three" and renamed["metadata"] == {"a": "b"}
    assert sim.delete_environment(two["id"]) == {"id": two["id"], "type": "environment_deleted"}
    rejects(sim, lambda: sim.get_environment(two["id"]), 404)


@pytest.mark.parametrize(
    "body",
    [
        {"model": "m"},  # missing name
        {"name": "", "model": "m"},
        {"name": "x" * 257, "model": "m"},
        {"name": "a"},  # missing model
        {"name": "a", "model": "m", "colour": "red"},  # unknown field
        {"name": "a", "model": "m", "metadata": {f"k{i}": "v" for i in range(17)}},
        {"name": "a", "model": "m", "metadata": {"k" * 65: "v"}},
        {"name": "a", "model": "m", "metadata": {"k": "v" * 513}},
        {"name": "a", "model": "m", "tools": [{"type": "calculator"}]},
        {"name": "a", "model": {"id": "m", "speed": "warp"}},
        {"name": "a", "model": "m", "tools": [{"type": "agent_toolset_20260401",
            "default_config": {"permission_policy": {"type": "sometimes"}}}]},
        {"name": "a", "model": "m", "tools": [{"type": "mcp_toolset", "mcp_server_name": "gh"}]},
        {"name": "a", "model": "m", "multiagent": {"type": "coordinator", "agents": ["agent_x"]}},
    ],
)  # fmt: skip
def test_bad_agent_bodies_are_400_and_change_nothing(sim, body):
    rejects(sim, lambda: sim.create_agent(body), 400)


def test_scenario_for_agent(sim):
    by_meta = sim.create_agent({"name": "x", "model": "m", "metadata": {"scenario": "general"}})
    assert sim.scenario_for_agent(by_meta).name == "general"
    unknown = sim.create_agent({"name": "Nothing matches zzz", "model": "m"})
    assert sim.scenario_for_agent(unknown).name == "general"


def test_agent_tool_updates_are_checked_against_existing_mcp_servers(sim):
    agent = sim.create_agent(FULL_AGENT)
    tools = copy.deepcopy(agent["tools"])
    tools[0]["configs"] = []
    updated = sim.update_agent(agent["id"], {"tools": tools})
    assert updated["version"] == 2 and updated["mcp_servers"] == agent["mcp_servers"]
    without_mcp = [t for t in tools if t["type"] != "mcp_toolset"]
    rejects(sim, lambda: sim.update_agent(agent["id"], {"tools": without_mcp}), 400)
    cleared = sim.update_agent(agent["id"], {"tools": without_mcp, "mcp_servers": []})
    assert cleared["mcp_servers"] == [] and cleared["version"] == 3
    assert_wire_shape(cleared)
