"""Building the demo fleet: agents, environments and sessions in varied states, from the
scenarios.

:func:`populate` builds a fleet in one go: one agent per scenario (from its ``[fleet]`` table),
a few environments, and sessions distributed by ``weight``. Most sessions are played instantly
"in the past" (a pace ``instant`` + a replay clock), so they carry realistic timestamps; some
stop on a pending approval, some end on an error, a refusal or the budget, a few are very long;
the rest are started live and play at the domain's pace. After the build every session is
handed over to the domain's pace and clock, so anything sent to it later plays live.

:class:`~drover.sim.fleet.keeper.FleetKeeper` then keeps some of them working.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass
from datetime import timedelta

from drover.sim.engine.pace import Pace
from drover.sim.fleet.bodies import (
    asks_early,
    custom_output,
    ensure_agents,
    ensure_environments,
    nth_message,
    turn_work,
    user_message,
)
from drover.sim.fleet.fleet import IDLE_OR_END, TERMINAL_STOPS, Fleet, domain_pace, last_stop, send
from drover.sim.fleet.platform import ensure_deployment
from drover.sim.fleet.replay_clock import ReplayClock
from drover.sim.scenarios.script import Scenario

#: Shares of a fleet left waiting on an approval, and started live.
WAITING_SHARE, LIVE_SHARE = 0.15, 0.2
#: Chance that a finished session older than a week was archived since.
ARCHIVED_SHARE = 0.2
#: Fleets at least this big include a nightly deployment (its run is one of the sessions).
DEPLOYMENT_FLEET = 10


async def _settle(domain, session_id: str, before: int) -> dict | None:
    """Let an instantly paced session play until it stops; its final idle/terminated event."""
    log = domain.state.sessions[session_id].log
    for _ in range(1000):
        await asyncio.sleep(0)
        events = log.events()
        if len(events) > before and events[-1]["type"] in IDLE_OR_END:
            return events[-1]
    return last_stop(domain, session_id)


def _answers(domain, session_id: str, idle: dict, rng: random.Random, allow: float) -> list[dict]:
    """Answers to every pending request of a ``requires_action`` idle (mostly allow)."""
    record = domain.state.sessions[session_id]
    wanted = idle["stop_reason"]["event_ids"]
    uses = {e["id"]: e for e in record.log.events() if e["id"] in wanted}
    answers: list[dict] = []
    for event_id in wanted:
        use = uses.get(event_id, {})
        if use.get("type") == "agent.custom_tool_use":
            scenario = domain.scenarios.get(record.resource["metadata"].get("scenario", ""))
            result = custom_output(scenario, use["name"], getattr(record.runtime, "vars", {}))
            answers.append({"type": "user.custom_tool_result", "custom_tool_use_id": event_id,
                            "content": [{"type": "text", "text": result}]})  # fmt: skip
        elif rng.random() < allow:
            answers.append({"type": "user.tool_confirmation", "tool_use_id": event_id,
                            "result": "allow"})  # fmt: skip
        else:
            answers.append({"type": "user.tool_confirmation", "tool_use_id": event_id,
                            "result": "deny", "deny_message": "Not now, please."})  # fmt: skip
    return answers


@dataclass
class _Plan:
    """How one fleet session is built."""

    scenario: Scenario
    state: str  # history | waiting | long | live
    messages: int = 1
    age_hours: float = 0.0
    archive: bool = False


def _plan(scenarios: dict[str, Scenario], size: int, rng: random.Random) -> list[_Plan]:
    """Scenario and state of every session, oldest first (``created_at`` order)."""
    pool = [s for s in scenarios.values() if s.fleet.get("prompts")] or list(scenarios.values())
    weights = [max(0, s.fleet.get("weight", 1)) for s in pool]
    first = sorted(pool, key=lambda s: -s.fleet.get("weight", 1))[:size]  # each shows up once
    chosen = first + rng.choices(pool, weights=weights, k=size - len(first))
    rng.shuffle(chosen)
    n_long = max(1, round(size / 70)) if size >= 10 else 0
    longest = max(pool, key=turn_work)
    plans = [_Plan(longest, "long", age_hours=rng.uniform(24, 72)) for _ in range(n_long)]
    rest = chosen[n_long:]
    waiting = {i for i in range(len(rest)) if asks_early(rest[i])}
    waiting = set(sorted(waiting)[: round(size * WAITING_SHARE)])
    live = [i for i in range(len(rest)) if i not in waiting][: round(size * LIVE_SHARE)]
    for i, scenario in enumerate(rest):
        if i in waiting:
            plans.append(_Plan(scenario, "waiting", 1, rng.uniform(0.05, 3)))
        elif i in live:
            plans.append(_Plan(scenario, "live"))
        else:
            turns = len(scenario.turns) + (scenario.followup is not None)
            age = rng.uniform(1, 14 * 24)
            archive = age > 7 * 24 and rng.random() < ARCHIVED_SHARE
            plans.append(_Plan(scenario, "history", rng.randint(1, turns), age, archive))
    order = {"history": 0, "long": 0, "waiting": 1, "live": 2}
    return sorted(plans, key=lambda p: (order[p.state], -p.age_hours))


async def _play(domain, session_id: str, plan: _Plan, values: dict, rng: random.Random,
                clock: ReplayClock, min_events: int = 0) -> None:  # fmt: skip
    """Play ``plan`` instantly: messages, the user's pauses, approvals (mostly allow)."""
    log = domain.state.sessions[session_id].log
    sent = 0
    while sent < plan.messages or len(log.events()) < min_events:
        if sent:
            clock.advance(rng.uniform(60, 1800))  # the user reads, then writes a follow-up
        text = nth_message(plan.scenario, values, rng, sent)
        idle = await _settle(domain, session_id, send(domain, session_id, [user_message(text)]))
        sent += 1
        while idle and idle.get("stop_reason", {}).get("type") == "requires_action":
            if plan.state == "waiting":
                return
            clock.advance(rng.uniform(15, 600))  # somebody approves a while later
            answers = _answers(domain, session_id, idle, rng, allow=0.8)
            idle = await _settle(domain, session_id, send(domain, session_id, answers))
        if idle is None or idle.get("stop_reason", {}).get("type") not in TERMINAL_STOPS:
            return  # terminated, at its budget, or stuck


async def populate(domain, size: int, *, seed: int = 0, finished_events: int = 10_000) -> Fleet:
    """Build a demo fleet of ``size`` sessions in ``domain`` (see the module docstring).

    Args:
        domain: A :class:`~drover.sim.domain.facade.SimDomain`; must be called on its event loop.
        size: Number of sessions.
        seed: Seed of every choice (scenarios, states, texts, approvals).
        finished_events: Minimum event count of the few very long finished sessions
            (``round(size / 70)`` of them, at least one when ``size`` ≥ 10).

    Returns:
        What was built.
    """
    rng = random.Random(seed)
    fleet = Fleet()
    live_clock = domain.state.clock
    now = live_clock.now()
    handover: list[tuple[ReplayClock, Pace]] = []
    # A fleet of ten or more has a nightly deployment; its run is one of the sessions.
    deploy = size >= DEPLOYMENT_FLEET and "triage-bot" in domain.scenarios
    for plan in _plan(domain.scenarios, size - deploy, rng):
        if plan.state == "live":
            session_id, values = fleet.create(domain, plan.scenario, rng)
            send(domain, session_id, [user_message(nth_message(plan.scenario, values, rng, 0))])
        else:
            clock = ReplayClock(now - timedelta(hours=plan.age_hours), live_clock)
            pace = Pace("instant")
            session_id, values = fleet.create(domain, plan.scenario, rng, pace=pace, clock=clock)
            clock.advance(rng.uniform(1, 20))
            minimum = finished_events if plan.state == "long" else 0
            await _play(domain, session_id, plan, values, rng, clock, minimum)
            if plan.archive and domain.state.sessions[session_id].resource["status"] == "idle":
                clock.advance(rng.uniform(3600, 3 * 86400))
                domain.archive_session(session_id)
            handover.append((clock, pace))
        fleet.states[session_id] = plan.state
    if deploy:
        ensure_agents(domain, fleet.agents)
        ensure_environments(domain, fleet.environments)
        session_id = ensure_deployment(domain, fleet.agents, fleet.environments)
        if session_id is not None:
            fleet.sessions.append(session_id)
            fleet.states[session_id] = "live"
    live = domain_pace(domain)
    for clock, pace in handover:  # from now on they play (follow-ups, approvals) like the rest
        clock.release()
        pace.mode, pace.value = live.mode, live.value
    return fleet
