"""``SessionRecord``: one session as the sim holds it (its wire object, event log and threads)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from drover.sim.engine.log import EventLog


@dataclass(eq=False)
class SessionRecord:
    """One session: its wire object, its event log and its threads.

    Attributes:
        resource: The ``Session`` object exactly as ``GET /v1/sessions/{id}`` returns it, kept
            current by the engine (status, usage, stats.active_seconds, updated_at…), except
            ``stats.duration_seconds``, which readers compute (see :meth:`SimDomain.get_session`).
        log: The session's event log and live connections.
        threads: Thread id → ``session_thread`` object, the primary thread included.
        runtime: The session's ``SessionRuntime`` (set right after the record is made; typed
            loosely because the runtime holds its record in turn).
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
