"""Pace parsing and timing, scenario loading/validation/choice, and instant pre-building."""

from __future__ import annotations

import asyncio
import random
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sdk_check import assert_wire_shape

from drover.sim.domain.facade import SimDomain
from drover.sim.engine.pace import Pace
from drover.sim.scenarios.loader import ScenarioError, load_scenario, load_scenarios
from drover.sim.scenarios.script import choose_scenario, fill
from drover.sim.wire.ids import Clock, ManualClock, parse_rfc3339

SHIPPED = Path(__file__).resolve().parents[2] / "sim" / "scenarios"


@pytest.mark.parametrize(
    ("text", "mode", "value"),
    [("realtime", "realtime", 1), ("fast", "fast", 1), ("instant", "instant", 1),
     ("10x", "factor", 10), ("0.5x", "factor", 0.5), ("200eps", "eps", 200)],
)  # fmt: skip
def test_pace_parse(text, mode, value):
    pace = Pace.parse(text)
    assert (pace.mode, pace.value) == (mode, value) and str(Pace.parse(str(pace))) == str(pace)


@pytest.mark.parametrize("text", ["", "slow", "0x", "-2x", "eps", "10"])
def test_pace_parse_rejects(text):
    with pytest.raises(ValueError):
        Pace.parse(text)


async def test_factor_pace_scales_sleep_and_manual_clock_advances():
    clock = ManualClock(datetime(2026, 1, 1, tzinfo=UTC))
    started = time.monotonic()
    await Pace.parse("100x").wait(2.0, clock)
    assert 0.015 <= time.monotonic() - started < 1.0
    assert clock.monotonic() == 2.0  # scripted seconds, whatever the speed


async def test_eps_pace_spaces_events():
    pace = Pace.parse("200eps")
    started = time.monotonic()
    for _ in range(11):
        await pace.after_event(Clock())
    assert time.monotonic() - started >= 0.045  # 10 gaps of 5 ms


async def test_instant_pace_prebuilds_a_session_in_the_past():
    past = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
    domain = SimDomain(seed=2, pace="fast")
    await domain.start()
    agent = domain.create_agent({"name": "General helper", "model": "claude-sonnet-4-6"})
    env = domain.create_environment({"name": "e"})
    clock = ManualClock(past)
    body = {
        "agent": agent["id"],
        "environment_id": env["id"],
        "initial_events": [{"type": "user.message", "content": [{"type": "text", "text": "x"}]}],
    }
    session = domain.create_session(body, pace=Pace.parse("instant"), clock=clock)
    await asyncio.sleep(0)  # one loop step: instant pace never yields inside a turn
    session = domain.get_session(session["id"])
    assert session["status"] == "idle"
    events = domain.list_events(session["id"])
    stamps = [parse_rfc3339(e["processed_at"]) for e in events]
    assert stamps == sorted(stamps) and stamps[0] == past
    assert (stamps[-1] - past).total_seconds() > 10  # scripted seconds became clock time
    assert session["usage"]["active_seconds"] > 10
    assert session["stats"]["duration_seconds"] == pytest.approx(
        (stamps[-1] - past).total_seconds(), abs=1
    )
    assert_wire_shape(session)
    await domain.stop()


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(text)
    return path


REQ = 'name = "bad"\n[[turns]]\n[[turns.requests]]\n'


@pytest.mark.parametrize(
    ("body", "where"),
    [
        (REQ + 'mesage = "typo"\n', "turns[0].requests[0].mesage"),
        (REQ + 'seconds = "2"\n', "turns[0].requests[0].seconds"),
        ('name = "bad"\n[[turns]]\n[[turns.requests]]\n[[turns.requests.tools]]\nname = "rm"\n',
         "turns[0].requests[0].tools[0].name"),
        ('name = "bad"\n[[turns]]\n[[turns.requests]]\nerror = { then = "maybe" }\n',
         "turns[0].requests[0].error.then"),
        ('name = "other"\n[[turns]]\n[[turns.requests]]\n', "name"),
        ('name = "bad"\n', "turns"),
        ('name = "bad"\n[vars]\nrepo = []\n[[turns]]\n[[turns.requests]]\n', "vars.repo"),
        (REQ + '[outcome]\niterations = [{ result = "meh" }]\n',
         "outcome.iterations[0].result"),
        ('name = "bad"\nturns = [', "invalid TOML"),
    ],
)  # fmt: skip
def test_bad_scenario_files_name_file_and_key(tmp_path, body, where):
    with pytest.raises(ScenarioError) as exc:
        load_scenario(write(tmp_path, "bad", body))
    assert str(exc.value).startswith("bad.toml: ") and where in str(exc.value)


def test_shipped_general_scenario_loads():
    general = load_scenarios(SHIPPED)["general"]
    assert general.turns and general.followup is not None and general.fleet["prompts"]


def test_scenario_choice_order(tmp_path):
    write(tmp_path, "general", 'name = "general"\n[[turns]]\n[[turns.requests]]\n')
    write(
        tmp_path,
        "a-review",
        'name = "a-review"\nmatch = ["review"]\n[[turns]]\n[[turns.requests]]\n',
    )
    write(
        tmp_path,
        "b-tests",
        'name = "b-tests"\nmatch = ["test", "review"]\n[[turns]]\n[[turns.requests]]\n',
    )
    scenarios = load_scenarios(tmp_path)
    assert (
        choose_scenario(scenarios, {"name": "x", "metadata": {"scenario": "b-tests"}}).name
        == "b-tests"
    )
    assert choose_scenario(scenarios, {"name": "PR Reviewer", "metadata": {}}).name == "a-review"
    assert choose_scenario(scenarios, {"name": "Test bot", "metadata": {}}).name == "b-tests"
    assert (
        choose_scenario(scenarios, {"name": "Other", "metadata": {"scenario": "nope"}}).name
        == "general"
    )


def test_vars_are_seeded_and_filled():
    scenario = load_scenarios(SHIPPED)["general"]
    first = scenario.choose_vars(random.Random("1:sesn_a"))
    assert first == scenario.choose_vars(random.Random("1:sesn_a"))
    filled = fill({"cmd": "cd {repo} && echo {unknown}", "n": [1, "{repo}"]}, first)
    assert filled == {"cmd": f"cd {first['repo']} && echo {{unknown}}", "n": [1, first["repo"]]}
