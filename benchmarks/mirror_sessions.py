"""The generated fleet and its sessions: agents, environments, Session and Thread objects.

Objects are made with the sim's own builders (`drover.sim.wire.objects`), so they carry every key
the SDK declares; events come from `mirror_turns`. Each session has its own random source
seeded from (seed, index): the whole mirror is a pure function of the seed.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from mirror_calls import new_id, stamp
from mirror_content import VARS
from mirror_profiles import CHILD_AGENTS, PROFILES, Profile
from mirror_turns import SKELETON, SessionEvents

from drover.sim.domain.validate_environments import check_environment
from drover.sim.fleet.bodies import ENVIRONMENTS, agent_tools
from drover.sim.wire.objects import (
    new_agent,
    new_environment,
    new_session,
    new_thread,
    session_agent,
    thread_agent,
)

BASE_MS = 1_775_865_600_000  # 2026-04-11T00:00:00Z: sessions start over the 30 days after it
DAYS = 30
_DAY_MS = 86_400_000


@dataclass
class Generated:
    """One session: its object, thread objects and timeline `[(thread_id | None, event)]`."""

    session: dict[str, Any]
    threads: list[dict[str, Any]]
    timeline: list[tuple[str | None, dict[str, Any]]]


class Fleet:
    """Agents (one per profile) and environments of the generated mirror."""

    def __init__(self, seed: int) -> None:
        rng = random.Random(f"{seed}:fleet")
        now = stamp(BASE_MS - _DAY_MS)
        self.environments = [  # normalised as the server would (every package list present)
            new_environment(new_id(rng, "env_"), check_environment(body, update=False), now)
            for body in ENVIRONMENTS
        ]
        self.agents: dict[str, dict[str, Any]] = {}
        for profile in sorted(PROFILES, key=lambda p: p.delegates):  # roster members first
            perms = {"default": "always_allow"}
            for tool in profile.ask:  # `deploy`/`risky` are bash commands of a kind
                perms["bash" if tool in ("deploy", "risky") else tool] = "always_ask"
            tools, servers = agent_tools(
                {"permissions": perms, "mcp_servers": list(profile.mcp_servers)}
            )
            roster = None
            if profile.delegates:
                refs = [
                    {"type": "agent", "id": a["id"], "version": 1}
                    for a in self.agents.values()
                    if a["name"] in CHILD_AGENTS
                ]
                roster = {"type": "coordinator", "agents": refs}
            fields = {
                "name": profile.name,
                "model": {"id": profile.model, "effort": {"type": "high"}},
                "description": f"Generated benchmark agent ({profile.key})",
                "system": f"You are {profile.name}. Explain what you do and why.",
                "tools": tools,
                "mcp_servers": servers,
                "multiagent": roster,
                "metadata": {"scenario": profile.key},
            }
            self.agents[profile.key] = new_agent(new_id(rng, "agent_"), fields, now)
        self.by_name = {a["name"]: a for a in self.agents.values()}

    def snapshot(self, profile: Profile) -> dict[str, Any]:
        """The session's resolved agent (a coordinator carries its roster's definitions)."""
        roster = [self.by_name[n] for n in CHILD_AGENTS] if profile.delegates else []
        return session_agent(self.agents[profile.key], None, {a["id"]: a for a in roster})

    def environment(self, profile: Profile, rng: random.Random) -> dict[str, Any]:
        """Release and database work run on the infra image; the rest mostly on Python."""
        if profile.delegates or profile.key == "db-ops":
            return self.environments[2]
        return self.environments[rng.choice((0, 0, 0, 1, 3))]


def session_sizes(sessions: int, events: int, big_session: int, seed: int) -> list[int]:
    """Events per session, summing to `events` exactly; index 0 is the big session (if any).

    The others follow a log-normal spread (most sessions a few turns, a few hundreds of
    events), each at least one minimal turn.

    Raises:
        ValueError: the sizes cannot be met.
    """
    small = sessions - (1 if big_session else 0)
    rest = events - big_session
    if big_session and big_session < SKELETON:
        raise ValueError(f"--big-session must be 0 or at least {SKELETON} events")
    if small < 0 or rest < SKELETON * small or (small == 0 and rest):
        raise ValueError(
            f"cannot spread {events:,} events over {sessions:,} sessions with a "
            f"{big_session:,}-event session (each session needs at least {SKELETON})"
        )
    rng = random.Random(f"{seed}:sizes")
    weights = [rng.lognormvariate(0.0, 1.0) for _ in range(small)]
    spare, total = rest - SKELETON * small, sum(weights) or 1.0
    sizes = [SKELETON + int(spare * w / total) for w in weights]
    for i in range(rest - sum(sizes)):  # what rounding down left, one event each
        sizes[i % small] += 1
    return ([big_session] if big_session else []) + sizes


def generate_session(fleet: Fleet, index: int, size: int, seed: int, *, big: bool) -> Generated:
    """Session `index` with exactly `size` events (`big`: the long coordinator session)."""
    rng = random.Random(f"{seed}:session:{index}")
    sid = new_id(rng, "sesn_")
    if big:
        profile = next(p for p in PROFILES if p.delegates)
    else:
        profile = rng.choices(PROFILES, [p.weight for p in PROFILES])[0]
    values = {k: rng.choice(v) for k, v in VARS.items()}
    start = BASE_MS + (_DAY_MS if big else rng.randrange(DAYS * _DAY_MS))
    budgeted = rng.random() < profile.budgeted
    reach = budgeted and rng.random() < 0.5
    budget = None
    if budgeted:
        budget = {"type": "limit", "max_list_cost": {"amount": "0", "currency": "USD"}}
    gen = SessionEvents(rng, profile, values, start, budget)
    if big:
        gen.gap_ms = (5_000, 120_000)  # a long supervised run: short pauses between turns
    remaining, first = size, True
    while remaining:
        natural = SKELETON + int(rng.expovariate(1 / 24))
        if remaining - natural < SKELETON:
            natural = remaining
        roll = rng.random()
        ending = "interrupt" if roll < 0.03 else "retries_exhausted" if roll < 0.05 else "end_turn"
        if natural == remaining and reach:
            ending = "budget_reached"
        gen.turn(natural, first=first, ending=ending)
        remaining -= natural
        first = False
    usage = gen.last_usage["usage"] if gen.last_usage else None
    if budget is not None and usage is not None:
        _settle_budget(budget, usage, gen.cost_before_last_turn, reach)
    session = _session_object(sid, fleet, profile, gen, rng, usage, start)
    return Generated(session, _threads(sid, fleet, gen), gen.timeline)


def _settle_budget(budget: dict, usage: dict, before: int, reach: bool) -> None:
    """Set the cap every `session.usage` of the session refers to (the same dict).

    Reached: the cap sits just above the cost before the last turn, which crossed it (the
    crossing request completes, so the final cost may exceed the cap). Otherwise it is above
    the final cost, some sessions near it (the ledger's 80% warning).
    """
    final = int(usage["list_cost"]["amount"])
    cap = before + 1 if reach else int(final * random.Random(final).uniform(1.05, 3.0)) + 50
    budget["max_list_cost"]["amount"] = str(cap)
    if reach and final < cap:
        usage["list_cost"]["amount"] = str(cap)


def _session_object(
    sid: str,
    fleet: Fleet,
    profile: Profile,
    gen: SessionEvents,
    rng: random.Random,
    usage: dict | None,
    start: int,
) -> dict[str, Any]:
    """The Session as the server would list it after the last event."""
    values = gen.values
    title = gen.fill(rng.choice(profile.titles))
    created = stamp(start - 2000)
    resource = {
        "type": "github_repository",
        "id": new_id(rng, "sesrsc_"),
        "url": f"https://github.com/{values['owner']}/{values['project']}",
        "mount_path": "/workspace/repo",
        "checkout": {"type": "branch", "name": "main"},
        "created_at": created,
        "updated_at": created,
    }
    fields = {"title": title, "metadata": {"requester": values["author"]}, "budget": gen.budget}
    env_id = fleet.environment(profile, rng)["id"]
    obj = new_session(
        sid,
        agent=fleet.snapshot(profile),
        environment_id=env_id,
        fields=fields,
        resources=[resource],
        now=created,
    )
    obj["updated_at"] = stamp(gen.t)
    if usage is not None:
        obj["usage"] = usage
        duration = round((gen.t - start) / 1000, 3)
        obj["stats"] = {"active_seconds": usage["active_seconds"], "duration_seconds": duration}
    if rng.random() < 0.04:  # archived once done: status `terminated` (§5.3)
        obj["status"], obj["archived_at"] = "terminated", stamp(gen.t + 3_600_000)
        obj["updated_at"] = obj["archived_at"]
    return obj


def _threads(sid: str, fleet: Fleet, gen: SessionEvents) -> list[dict[str, Any]]:
    """The primary thread and each child thread a coordinator session created."""
    if gen.primary_thread is None:
        return []
    own = thread_agent(fleet.agents[gen.profile.key])
    out = [new_thread(gen.primary_thread, sid, own, None, stamp(gen.start_ms))]
    for name, thread_id in gen.children.items():
        if thread_id in gen.thread_started:
            agent = thread_agent(fleet.by_name[name])
            created = stamp(gen.thread_started[thread_id])
            out.append(new_thread(thread_id, sid, agent, gen.primary_thread, created))
    return out


def iter_sessions(sessions: int, events: int, big_session: int, seed: int) -> Iterator[Generated]:
    """Every generated session in index order, lazily (memory stays bounded)."""
    fleet = Fleet(seed)
    for index, size in enumerate(session_sizes(sessions, events, big_session, seed)):
        yield generate_session(fleet, index, size, seed, big=index == 0 and big_session > 0)
