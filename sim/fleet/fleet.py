"""``Fleet``: what a fleet made, and the small helpers :mod:`~drover.sim.fleet.populate` and
:mod:`~drover.sim.fleet.keeper` share to drive its sessions through the domain facade."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from drover.sim.engine.pace import Pace
from drover.sim.fleet.bodies import ensure_agents, ensure_environments, session_body
from drover.sim.fleet.platform import ensure_platform, platform_fields
from drover.sim.scenarios.script import Scenario

#: Stop reasons after which a session may get a follow-up.
TERMINAL_STOPS = ("end_turn", "retries_exhausted", "refusal")
#: Events that end a turn, or the session.
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
        platform: The vault and memory store the fleet's sessions use (``vault``, ``store``).
    """

    agents: dict[str, str] = field(default_factory=dict)
    environments: dict[str, str] = field(default_factory=dict)
    sessions: list[str] = field(default_factory=list)
    states: dict[str, str] = field(default_factory=dict)
    platform: dict[str, str] = field(default_factory=dict)

    def create(self, domain, scenario: Scenario, rng: random.Random, **kw) -> tuple[str, dict]:
        """Create a session of ``scenario``; ``(session id, its vars)``.

        The engine's own ``[vars]`` draw is replaced by the one the title and prompts use.
        """
        ensure_agents(domain, self.agents)
        ensure_environments(domain, self.environments)
        ensure_platform(domain, self.platform)
        values = scenario.choose_vars(rng)
        body = session_body(self.agents, self.environments, scenario, values, rng)
        extra = platform_fields(scenario, self.platform)
        if extra.get("resources"):
            body["resources"] = [*body.get("resources", []), *extra["resources"]]
        if extra.get("vault_ids"):
            body["vault_ids"] = extra["vault_ids"]
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


def send(domain, session_id: str, events: list[dict]) -> int:
    """Send ``events``; the session log's length before they were sent."""
    before = len(domain.state.sessions[session_id].log.events())
    domain.send_events(session_id, {"events": events})
    return before


def domain_pace(domain) -> Pace:
    """The domain's default pace (sessions created without one play at it)."""
    return Pace.parse(getattr(domain, "pace", None) or "realtime")
