"""The demo fleet: populate's state mix, long sessions, determinism, and the FleetKeeper."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import UTC, datetime

from sdk_check import assert_wire_shape

from drover.sim.domain.facade import SimDomain
from drover.sim.fleet.bodies import agent_tools, user_message
from drover.sim.fleet.keeper import FleetKeeper
from drover.sim.fleet.populate import populate
from drover.sim.wire.ids import ManualClock, parse_rfc3339

START = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def _last_stop(domain: SimDomain, session_id: str) -> str | None:
    idles = [e for e in domain.state.sessions[session_id].log.events()
             if e["type"] == "session.status_idle"]  # fmt: skip
    return idles[-1]["stop_reason"]["type"] if idles else None


async def _build(size: int, seed: int, finished_events: int, pace: str = "fast"):
    domain = SimDomain(seed=seed, pace=pace, clock=ManualClock(START))
    await domain.start()
    fleet = await populate(domain, size, seed=seed, finished_events=finished_events)
    return domain, fleet


async def test_populate_gives_a_mix_of_states():
    began = time.perf_counter()
    domain, fleet = await _build(40, seed=1, finished_events=10_000)
    assert time.perf_counter() - began < 10
    try:
        assert len(fleet.sessions) == 40 == len(domain.state.sessions)
        states = Counter(fleet.states.values())
        assert states["live"] and states["waiting"] and states["history"] and states["long"]
        status = {sid: domain.get_session(sid)["status"] for sid in fleet.sessions}
        stops = Counter(_last_stop(domain, sid) for sid in fleet.sessions if status[sid] == "idle")
        assert sum(s == "running" for s in status.values()) >= 4
        assert stops["requires_action"] >= 3
        assert stops["end_turn"] >= 10
        assert stops["budget_reached"] >= 1
        counts = [len(domain.state.sessions[sid].log.events()) for sid in fleet.sessions]
        assert max(counts) >= 10_000
        scenarios = {domain.scenario_for_agent(domain.state.sessions[sid].resource["agent"]).name
                     for sid in fleet.sessions}  # fmt: skip
        # The nightly deployment's run is one of them.
        assert sum(bool(domain.get_session(sid)["deployment_id"]) for sid in fleet.sessions) == 1
        assert len(scenarios) >= 8
    finally:
        await domain.stop()


async def test_history_is_in_the_past_and_everything_validates():
    domain, fleet = await _build(20, seed=3, finished_events=1_500)
    try:
        for sid in fleet.sessions:
            session = domain.get_session(sid)
            assert_wire_shape(session)
            created = parse_rfc3339(session["created_at"])
            if fleet.states[sid] in ("history", "long"):
                assert created < START
            events = domain.state.sessions[sid].log.events()
            stamps = [e["processed_at"] for e in events if e["processed_at"]]
            assert stamps == sorted(stamps)
            for event in events:
                assert_wire_shape(event)
        for agent_id in domain.state.agents:
            assert_wire_shape(domain.get_agent(agent_id))
        for env_id in domain.state.environments:
            assert_wire_shape(domain.get_environment(env_id))
        assert len(domain.state.environments) >= 3
    finally:
        await domain.stop()


def _fingerprint(domain: SimDomain, fleet) -> list[tuple]:
    """Each session's content (ids differ every run: they are unique, never seeded)."""
    out = []
    for sid in fleet.sessions:
        record = domain.state.sessions[sid]
        out.append((record.resource["title"], fleet.states[sid],
                    len(record.log.events()), _last_stop(domain, sid)))  # fmt: skip
    return out


async def test_populate_is_deterministic_with_a_seed():
    first, fleet1 = await _build(15, seed=5, finished_events=500, pace="instant")
    second, fleet2 = await _build(15, seed=5, finished_events=500, pace="instant")
    other, fleet3 = await _build(15, seed=6, finished_events=500, pace="instant")
    try:
        assert _fingerprint(first, fleet1) == _fingerprint(second, fleet2)
        assert _fingerprint(first, fleet1) != _fingerprint(other, fleet3)
    finally:
        for domain in (first, second, other):
            await domain.stop()


async def test_a_restarted_sim_with_the_same_seed_reissues_no_id():
    """drover's mirror keeps every event by id across sim restarts: a second run with the same
    seed tells the same stories under new ids (issue: reissued event ids)."""
    first, fleet1 = await _build(10, seed=5, finished_events=300, pace="instant")
    second, fleet2 = await _build(10, seed=5, finished_events=300, pace="instant")
    try:
        # Same stories (live sessions are still playing, so only their start is compared).
        assert [f[:2] for f in _fingerprint(first, fleet1)] == [
            f[:2] for f in _fingerprint(second, fleet2)
        ]

        def issued(domain: SimDomain) -> set[str]:
            ids = set(domain.state.agents) | set(domain.state.environments)
            for sid, record in domain.state.sessions.items():
                ids |= {sid, *record.threads, *(e["id"] for e in record.log.events())}
            return ids

        assert not issued(first) & issued(second)
    finally:
        for domain in (first, second):
            await domain.stop()


async def test_fleet_agents_carry_the_scenario_permissions():
    domain, _ = await _build(12, seed=2, finished_events=300)
    try:
        by_scenario = {}
        for agent_id in domain.state.agents:
            agent = domain.get_agent(agent_id)
            if agent["metadata"].get("fleet") == "demo":
                by_scenario[agent["metadata"]["scenario"]] = agent
        assert set(by_scenario) == set(domain.scenarios)
        reviewer = by_scenario["pr-reviewer"]["tools"]
        assert any(t["type"] == "mcp_toolset" and t["mcp_server_name"] == "github"
                   for t in reviewer)  # fmt: skip
        triage = by_scenario["triage-bot"]["tools"]
        assert any(t["type"] == "custom" and t["name"] == "lookup_ticket" for t in triage)
        coordinator = by_scenario["coordinator"]
        assert coordinator["multiagent"]["type"] == "coordinator"
        tools, _ = agent_tools(domain.scenarios["risky-ops"].fleet)
        assert tools[0]["configs"][0]["permission_policy"] == {"type": "always_ask"}
    finally:
        await domain.stop()


async def test_history_sessions_play_live_after_the_build():
    domain, fleet = await _build(12, seed=4, finished_events=300)
    try:
        idle = next(sid for sid in fleet.sessions if fleet.states[sid] == "history"
                    and _last_stop(domain, sid) == "end_turn")  # fmt: skip
        before = len(domain.state.sessions[idle].log.events())
        domain.send_events(idle, {"events": [user_message("One more thing?")]})
        await domain.settle(idle)
        events = domain.state.sessions[idle].log.events()[before:]
        assert events[-1]["type"] == "session.status_idle"
        assert parse_rfc3339(events[-1]["processed_at"]) >= START  # the live (domain) clock
    finally:
        await domain.stop()


async def test_keeper_keeps_sessions_working():
    domain = SimDomain(seed=9, pace="20x")
    await domain.start()
    keeper = FleetKeeper(domain, active=4, seed=9, interval=0.01)
    await keeper.start()
    try:
        for _ in range(200):
            await asyncio.sleep(0.01)
            working = [r for r in domain.state.sessions.values()
                       if r.resource["status"] in ("running", "rescheduling")]  # fmt: skip
            if len(working) >= 4:
                break
        assert len(working) >= 4
        assert len(domain.state.sessions) <= 6
    finally:
        await keeper.stop()
        await domain.stop()


async def test_keeper_sends_follow_ups_to_idle_sessions():
    domain, fleet = await _build(10, seed=8, finished_events=300, pace="instant")
    keeper = FleetKeeper(domain, active=20, seed=1, per_tick=8)
    try:
        idle = {sid: len(domain.state.sessions[sid].log.events()) for sid in fleet.sessions
                if _last_stop(domain, sid) in ("end_turn", "retries_exhausted", "refusal")
                and domain.get_session(sid)["status"] == "idle"}  # fmt: skip
        await keeper.tick()
        for sid in list(domain.state.sessions):
            await domain.settle(sid)
        resumed = [sid for sid, n in idle.items()
                   if len(domain.state.sessions[sid].log.events()) > n]  # fmt: skip
        created = [sid for sid in domain.state.sessions if sid not in fleet.sessions]
        assert resumed and created
        assert len(resumed) + len(created) == 8
        for sid in resumed:
            new = domain.state.sessions[sid].log.events()[idle[sid] :]
            assert new[0]["type"] == "user.message" and new[-1]["type"] == "session.status_idle"
        for sid in created:
            assert domain.get_session(sid)["metadata"]["scenario"] in domain.scenarios
    finally:
        await domain.stop()
