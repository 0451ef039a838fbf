"""The sim's in-memory world: agents, environments and sessions, each as wire-shaped JSON."""

from __future__ import annotations

from dataclasses import dataclass, field

from drover.sim.engine.record import SessionRecord
from drover.sim.wire.ids import Clock, IdFactory


@dataclass(eq=False)
class SimState:
    """Everything the sim knows. Dicts keep insertion (= creation) order.

    Attributes:
        agents: Agent id → its versions, oldest first (``versions[n - 1]`` is version ``n``).
        environments: Environment id → ``environment`` object.
        sessions: Session id → record; a deleted session is removed.
    """

    ids: IdFactory
    clock: Clock
    agents: dict[str, list[dict]] = field(default_factory=dict)
    environments: dict[str, dict] = field(default_factory=dict)
    sessions: dict[str, SessionRecord] = field(default_factory=dict)
