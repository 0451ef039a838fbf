"""The sim's in-memory world: agents, environments and sessions, each as wire-shaped JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from drover.sim.engine.log import EventLog
from drover.sim.wire.ids import Clock, IdFactory


@dataclass(eq=False)
class SessionRecord:
    """One session: its wire object, its event log and its threads.

    Attributes:
        resource: The ``Session`` object exactly as ``GET /v1/sessions/{id}`` returns it, kept
            current by the engine (status, usage, stats.active_seconds, updated_at…), except
            ``stats.duration_seconds``, which readers compute (see :meth:`SimDomain.get_session`).
        log: The session's event log and live connections.
        threads: Thread id → ``session_thread`` object, the primary thread included.
        runtime: The engine's driver for this session (its type is the engine's business).
        ended_at: When the session reached ``terminated`` (freezes ``duration_seconds``).
    """

    resource: dict
    log: EventLog = field(default_factory=EventLog)
    threads: dict[str, dict] = field(default_factory=dict)
    runtime: Any = None
    ended_at: datetime | None = None

    @property
    def id(self) -> str:
        return self.resource["id"]


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
