"""The shipped scenario files: they load, follow FORMAT.md and look like real sessions."""

from __future__ import annotations

import re
import tomllib

import pytest

from drover.sim.scenarios.loader import SCENARIOS_DIR, load_scenarios
from drover.sim.scenarios.script import Request, Scenario

SCENARIOS = load_scenarios()
#: Scenarios written for the demo fleet (general.toml belongs to the engine).
OURS = sorted(name for name in SCENARIOS if name != "general")
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
#: Braces that are code (f-strings) inside scripted output, not placeholders.
LITERAL_BRACES = {"term", "sort"}
ENGINE_NAMES = {"i", "item", "message"}


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _requests(scenario: Scenario) -> list[Request]:
    turns = [*scenario.turns, *([scenario.followup] if scenario.followup else [])]
    return [request for turn in turns for request in turn.requests]


def test_required_scenarios_are_shipped():
    expected = {
        "pr-reviewer", "doc-generator", "test-writer", "migration", "coordinator",
        "risky-ops", "flaky-infra", "budget-burner", "triage-bot", "security-audit",
    }  # fmt: skip
    assert expected <= set(SCENARIOS)


@pytest.mark.parametrize("name", OURS)
def test_placeholders_match_vars(name):
    raw = tomllib.loads((SCENARIOS_DIR / f"{name}.toml").read_text(encoding="utf-8"))
    known = set(raw.get("vars", {})) | ENGINE_NAMES | LITERAL_BRACES
    used = {m for text in _strings(raw) for m in PLACEHOLDER.findall(text)}
    assert used <= known, f"unknown placeholders: {sorted(used - known)}"
    unused = set(raw.get("vars", {})) - used
    assert not unused, f"vars never used: {sorted(unused)}"


@pytest.mark.parametrize("name", OURS)
def test_fleet_table_is_complete(name):
    fleet = SCENARIOS[name].fleet
    for key in ("weight", "agent_name", "model", "titles", "prompts", "permissions"):
        assert key in fleet, key
    assert fleet["weight"] > 0 and fleet["prompts"] and fleet["titles"]
    assert fleet["permissions"].get("default") in ("always_allow", "always_ask", "auto")
    scenario = SCENARIOS[name]
    tools = {c.name: c for r in _requests(scenario) for c in r.tools}
    for call in tools.values():
        if call.mcp_server:
            assert call.mcp_server in fleet.get("mcp_servers", []), call.name
        if call.custom:
            assert call.name in {t["name"] for t in fleet.get("custom_tools", [])}
    assert SCENARIOS[name].summary and SCENARIOS[name].match


@pytest.mark.parametrize("name", OURS)
def test_timing_and_tokens_are_plausible(name):
    for request in _requests(SCENARIOS[name]):
        assert 1 <= request.seconds <= 8
        if request.refusal is None:
            assert request.tokens.get("output", 0) >= 50
        assert request.tokens.get("input", 0) >= 100
        for call in request.tools:
            assert 0.2 <= call.seconds <= 20, call.name


@pytest.mark.parametrize("name", OURS)
def test_turns_end_with_a_message(name):
    scenario = SCENARIOS[name]
    for turn in [*scenario.turns, *([scenario.followup] if scenario.followup else [])]:
        last = turn.requests[-1]
        assert last.refusal or last.error or (last.message and not last.tools)
