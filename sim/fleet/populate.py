"""The demo fleet: agents, environments and sessions in varied states, built from the scenarios.

:func:`populate` builds a fleet in one go: one agent per scenario (from its ``[fleet]`` table),
a few environments, and sessions distributed by ``weight``. Most sessions are played instantly
"in the past" (a pace ``instant`` + a replay clock), so they carry realistic timestamps; some
stop on a pending approval, some end on an error, a refusal or the budget, a few are very long;
the rest are started live and play at the domain's pace. After the build every session is
handed over to the domain's pace and clock, so anything sent to it later plays live.

:class:`FleetKeeper` keeps about ``active`` sessions working, by sending follow-ups to idle
sessions and creating new ones.

Besides FORMAT.md's keys, ``[fleet]`` may hold ``followups`` (texts for later user messages),
``environment`` (a name from :data:`drover.sim.fleet.bodies.ENVIRONMENTS`) and ``repository``
(a GitHub URL template, mounted at ``/workspace/repo``).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from dataclasses import dataclass, field
from datetime import timedelta

from drover.sim.engine.pace import Pace
from drover.sim.fleet.bodies import (
    ReplayClock,
    asks_early,
    custom_output,
    ensure_agents,
    ensure_environments,
    nth_message,
    session_body,
    turn_work,
    user_message,
)
from drover.sim.scenarios.loader import Scenario

#: Stop reasons after which a session may get a follow-up.
TERMINAL_STOPS = ("end_turn", "retries_exhausted", "refusal")
#: Shares of a fleet left waiting on an approval, and started live.
WAITING_SHARE, LIVE_SHARE = 0.15, 0.2
#: Chance that a finished session older than a week was archived since.
ARCHIVED_SHARE = 0.2
IDLE_OR_END = ("session.status_idle", "session.status_terminated")


@dataclass
class Fleet:
    """What the fleet made.

    Attributes:
        agents: Scenario name → agent id (roster-only agents under their agent name).
        environments: Environment name → id.
        sessions: Session ids, in creation order.
        states: Session id → the state it was built in (``history``, ``waiting``, ``long``,
            ``live``).
    """

    agents: dict[str, str] = field(default_factory=dict)
    environments: dict[str, str] = field(default_factory=dict)
    sessions: list[str] = field(default_factory=list)
    states: dict[str, str] = field(default_factory=dict)

    def create(self, domain, scenario: Scenario, rng: random.Random, **kw) -> tuple[str, dict]:
        """Create a session of ``scenario``; ``(session id, its vars)``.

        The engine's own ``[vars]`` draw is replaced by the one the title and prompts use.
        """
        ensure_agents(domain, self.agents)
        ensure_environments(domain, self.environments)
        values = scenario.choose_vars(rng)
        body = session_body(self.agents, self.environments, scenario, values, rng)
        session_id = domain.create_session(body, **kw)["id"]
        runtime = domain.state.sessions[session_id].runtime
        if runtime is not None and hasattr(runtime, "vars"):
            runtime.vars = dict(values)
        self.sessions.append(session_id)
        return session_id, values


def last_stop(domain, session_id: str) -> dict | None:
    """The session's latest ``session.status_idle``/``_terminated`` event, if recent."""
    for event in reversed(domain.state.sessions[session_id].log.events()[-8:]):
        if event["type"] in IDLE_OR_END:
            return event
    return None


def _send(domain, session_id: str, events: list[dict]) -> int:
    """Send ``events``; the session log's length before they were sent."""
    before = len(domain.state.sessions[session_id].log.events())
    domain.send_events(session_id, {"events": events})
    return before


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


# -- populate ----------------------------------------------------------------------------


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
        idle = await _settle(domain, session_id, _send(domain, session_id, [user_message(text)]))
        sent += 1
        while idle and idle.get("stop_reason", {}).get("type") == "requires_action":
            if plan.state == "waiting":
                return
            clock.advance(rng.uniform(15, 600))  # somebody approves a while later
            answers = _answers(domain, session_id, idle, rng, allow=0.8)
            idle = await _settle(domain, session_id, _send(domain, session_id, answers))
        if idle is None or idle.get("stop_reason", {}).get("type") not in TERMINAL_STOPS:
            return  # terminated, at its budget, or stuck


def _domain_pace(domain) -> Pace:
    return Pace.parse(getattr(domain, "pace", None) or "realtime")


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
    for plan in _plan(domain.scenarios, size, rng):
        if plan.state == "live":
            session_id, values = fleet.create(domain, plan.scenario, rng)
            _send(domain, session_id, [user_message(nth_message(plan.scenario, values, rng, 0))])
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
    live = _domain_pace(domain)
    for clock, pace in handover:  # from now on they play (follow-ups, approvals) like the rest
        clock.release()
        pace.mode, pace.value = live.mode, live.value
    return fleet


# -- keeper ------------------------------------------------------------------------------


class FleetKeeper:
    """Keeps about ``active`` fleet sessions working, at the domain's pace.

    Every tick it counts the fleet's working sessions; for each one missing (at most
    ``per_tick``) it either sends a follow-up to an idle session whose turn ended, or creates
    a new session with a scenario prompt. Sessions waiting on approval or at their budget are
    left for the user.

    Args:
        domain: The sim domain.
        active: Target number of ``running``/``rescheduling`` sessions.
        seed: Seed of its choices.
        interval: Seconds between ticks; by default derived from the domain's pace.
        per_tick: Most sessions started per tick (staggers the load).
    """

    def __init__(self, domain, active: int, *, seed: int = 0, interval: float | None = None,
                 per_tick: int = 2) -> None:  # fmt: skip
        self.domain, self.active, self.per_tick = domain, active, per_tick
        self.rng = random.Random(seed)
        self.fleet = Fleet()
        pace = _domain_pace(domain)
        default = {"realtime": 2.0, "factor": 2.0 / pace.value, "eps": 0.5}.get(pace.mode, 0.25)
        self.interval = default if interval is None else interval
        self._task: asyncio.Task | None = None
        self._sent: dict[str, int] = {}

    async def start(self) -> None:
        """Start ticking in a background task."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="sim-fleet-keeper")

    async def stop(self) -> None:
        """Stop ticking."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while True:
            await self.tick()
            await asyncio.sleep(self.interval)

    def _records(self) -> list:
        """The fleet's sessions (any session whose metadata names a scenario), unarchived."""
        return [r for r in self.domain.state.sessions.values()
                if r.resource["metadata"].get("scenario") in self.domain.scenarios
                and r.resource.get("archived_at") is None]  # fmt: skip

    async def tick(self) -> None:
        """One round: top the working sessions up towards ``active``."""
        records = self._records()
        logs = {r.id: len(r.log.events()) for r in records}
        # A session sent a message is "working" from then on, even before its task picks it up.
        self._sent = {sid: n for sid, n in self._sent.items() if logs.get(sid) == n}
        working = len(self._sent) + sum(
            r.resource["status"] in ("running", "rescheduling") for r in records
            if r.id not in self._sent)  # fmt: skip
        resumable = [r for r in records if r.resource["status"] == "idle" and not r.log.closed
                     and r.id not in self._sent and (stop := last_stop(self.domain, r.id))
                     and stop.get("stop_reason", {}).get("type") in TERMINAL_STOPS]  # fmt: skip
        for _ in range(min(self.per_tick, self.active - working)):
            if resumable and self.rng.random() < (0.7 if len(resumable) > self.active else 0.4):
                record = resumable.pop(self.rng.randrange(len(resumable)))
                scenario = self.domain.scenarios[record.resource["metadata"]["scenario"]]
                count = sum(e["type"] == "user.message" for e in record.log.events())
                values = getattr(record.runtime, "vars", {})
                session_id = record.id
            else:
                pool = [s for s in self.domain.scenarios.values() if s.fleet.get("prompts")]
                weights = [s.fleet.get("weight", 1) for s in pool]
                scenario = self.rng.choices(pool, weights=weights)[0]
                session_id, values = self.fleet.create(self.domain, scenario, self.rng)
                count = 0
            text = nth_message(scenario, values, self.rng, count)
            self._sent[session_id] = _send(self.domain, session_id, [user_message(text)])
