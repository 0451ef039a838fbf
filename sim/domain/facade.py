"""The sim's domain facade: every operation the HTTP layer can ask for, as plain Python.

CONTRACT (the HTTP layer in ``drover.sim.http.app`` programs against it):

* Inputs are parsed JSON bodies (dicts) exactly as clients send them; the domain validates them
  against the protocol (required fields, types, enums, limits) and raises
  :class:`drover.sim.wire.errors.SimError` (400/404/409…) with the right ``error_code`` where the
  protocol names one. Nothing is changed when an error is raised.
* Outputs are fresh wire-shaped dicts (copies; callers may mutate them).
* List methods return *all* matching objects in the protocol's natural order (agents,
  environments, sessions: ``created_at`` ascending; events: history order); the HTTP layer
  applies ``order``, ``limit`` and cursors. Filters that need domain knowledge are parameters.
* Everything runs on the server's event loop; :meth:`start` is awaited once after the loop
  runs (it starts the session tasks), :meth:`stop` on shutdown.

Documented choices (where the protocol is silent):

* Using an archived agent, environment, vault or memory store for a new session is a 400
  (only the environment has an SDK code, ``environment_archived``); unknown agents, agent
  versions, environments, vaults, memory stores and files in the body are 404s.
* Sends to an archived or terminated session are a 409 (no SDK code); archiving or deleting a
  ``running`` session is a 400. Archiving a ``terminated`` session just sets ``archived_at``.
* Only a session *paused* at its budget refuses ``user.message``/``user.define_outcome``/
  ``system.message`` (400 naming the accepted types). The request that crosses the cap
  completes; the thread pauses before its next model request or at the end of the turn.
* ``user.interrupt`` with a ``session_thread_id`` interrupts the whole session (the engine plays
  one thread at a time). An interrupt while idle is processed at once (after its queued copy).
* Answers routed to a child thread are echoed on the session view only (as in the example).
* A scripted tool the agent has no toolset for gets that toolset's default policy.

Extras beyond the HTTP contract: :meth:`SimDomain.settle` (await a session going quiet; for
tests and the fleet), :meth:`SimDomain.record` (the live record, 404 if unknown).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import logging
import random
from pathlib import Path

from drover.sim.domain.catalog import Catalog
from drover.sim.domain.deployments import DeploymentOps
from drover.sim.domain.library import LibraryOps
from drover.sim.domain.memory import MemoryOps
from drover.sim.domain.resources import ResourceOps
from drover.sim.domain.sessions import SessionOps
from drover.sim.domain.state import SimState
from drover.sim.domain.vaults import VaultOps
from drover.sim.domain.work import WorkOps
from drover.sim.engine.log import Subscription
from drover.sim.engine.pace import Pace
from drover.sim.scenarios.loader import load_scenarios
from drover.sim.scenarios.script import Scenario, choose_scenario
from drover.sim.wire.errors import SimError, invalid, not_found
from drover.sim.wire.ids import Clock, IdFactory

#: Seconds between checks for scheduled deployments that are due.
SCHEDULE_TICK = 5.0


class SimDomain(
    Catalog, SessionOps, ResourceOps, VaultOps, MemoryOps, LibraryOps, DeploymentOps, WorkOps
):
    """Agents, environments, sessions and their engines, and every resource family a session
    references or a supervisor looks at (vaults, memory stores, files and skills, deployments,
    self-hosted work).

    Args:
        seed: Seeds every session's scenario choices (same seed → same content). Ids are
            never seeded: they are unique across runs (see :class:`~drover.sim.wire.ids.IdFactory`).
        pace: Default playback speed of sessions (``Pace`` or its text form).
        clock: Default clock (wall clock if omitted).
        scenarios_dir: Folder of scenario files (default: the shipped ones).
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        pace: Pace | str = "realtime",
        clock: Clock | None = None,
        scenarios_dir: Path | None = None,
    ) -> None:
        self.seed = seed
        self.pace = Pace.parse(pace)
        self.state = SimState(ids=IdFactory(), clock=clock or Clock())
        self._sessions_made = 0
        self.scenarios: dict[str, Scenario] = load_scenarios(scenarios_dir)
        #: Queued copies of sent user events (on by default; ``/_sim/faults`` may turn them off).
        self.duplicate_user_events = True
        Catalog.__init__(self, self.state)
        self.seed_library()
        self._scheduler: asyncio.Task | None = None
        #: ``(kind, object_id, detail)`` callbacks: ``("event", session_id, event)`` for each
        #: event of a session view, and ``("session.created" | "session.archived" |
        #: "vault_credential.refresh_failed", id, {…})`` (the sim's webhooks listen here).
        self.observers: list = []

    def notify(self, kind: str, object_id: str, detail: dict | None = None) -> None:
        """Tell every observer; one that fails is logged and never stops the domain."""
        for observer in list(self.observers):
            try:
                observer(kind, object_id, detail or {})
            except Exception:
                logging.getLogger(__name__).exception("a domain observer failed")

    async def start(self) -> None:
        """Start the tasks of sessions that have work (sessions created before the loop ran)
        and the scheduler of cron deployments."""
        for record in self.state.sessions.values():
            if record.runtime is not None:
                record.runtime.ensure_task()
        self._scheduler = asyncio.create_task(self._schedule(), name="sim-deployments")

    async def stop(self) -> None:
        """Cancel every session task and the scheduler."""
        if self._scheduler is not None:
            self._scheduler.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._scheduler
            self._scheduler = None
        for record in list(self.state.sessions.values()):
            if record.runtime is not None:
                await record.runtime.stop()

    async def _schedule(self) -> None:
        """Fire scheduled deployments as the domain's clock passes their times."""
        while True:
            await asyncio.sleep(SCHEDULE_TICK)
            self.fire_due()

    # -- the catalog facade (docstrings in Catalog) ----------------------------------------

    def get_agent(self, agent_id: str, version: int | None = None) -> dict:
        return copy.deepcopy(self.agent(agent_id, version))

    def list_agent_versions(self, agent_id: str) -> list[dict]:
        return copy.deepcopy(self.versions(agent_id))

    def get_environment(self, env_id: str) -> dict:
        return copy.deepcopy(self.environment(env_id))

    def scenario_for_agent(self, agent: dict) -> Scenario:
        """The scenario an agent (or session agent snapshot) plays."""
        if "metadata" not in agent and agent.get("id") in self.state.agents:
            agent = self.state.agents[agent["id"]][-1]
        return choose_scenario(self.scenarios, agent)

    def session_rng(self) -> random.Random:
        """The seeded generator of the next session: the n-th session of a domain with the same
        seed makes the same choices (its id differs every run)."""
        self._sessions_made += 1
        return random.Random(f"{self.seed}:{self._sessions_made}")

    # -- events, threads, streams -------------------------------------------------------

    def list_events(self, session_id: str, thread_id: str | None = None) -> list[dict]:
        record = self.record(session_id)
        view = self._view(record, thread_id)
        return copy.deepcopy(record.log.events(view))

    def _view(self, record, thread_id: str | None) -> str | None:
        """The log view of a thread id (the primary thread is the session view)."""
        if thread_id is None or thread_id == record.runtime.primary_thread_id:
            return None
        if thread_id not in record.threads:
            raise not_found("session_thread", thread_id)
        return thread_id

    def list_threads(self, session_id: str, *, statuses=None) -> list[dict]:
        record = self.record(session_id)
        return [
            copy.deepcopy(t)
            for t in record.threads.values()
            if not statuses or t["status"] in statuses
        ]

    def get_thread(self, session_id: str, thread_id: str) -> dict:
        record = self.record(session_id)
        if thread_id not in record.threads:
            raise not_found("session_thread", thread_id)
        return copy.deepcopy(record.threads[thread_id])

    def archive_thread(self, session_id: str, thread_id: str) -> dict:
        """Archive a child thread (the primary thread can't be archived: 400)."""
        record = self.record(session_id)
        thread = record.threads.get(thread_id)
        if thread is None:
            raise not_found("session_thread", thread_id)
        if thread["parent_thread_id"] is None:
            raise invalid("the primary thread cannot be archived; archive the session")
        if thread["status"] == "running":
            raise invalid("a running thread cannot be archived")
        if thread["archived_at"] is None:
            thread["archived_at"] = thread["updated_at"] = record.runtime.now()
        return copy.deepcopy(thread)

    def list_resources(self, session_id: str) -> list[dict]:
        return copy.deepcopy(self.record(session_id).resource["resources"])

    def subscribe(
        self, session_id: str, thread_id: str | None = None, deltas: frozenset[str] = frozenset()
    ) -> Subscription:
        """Open a live connection on the session view or a child thread's view."""
        record = self.record(session_id)
        return record.log.subscribe(self._view(record, thread_id), frozenset(deltas))

    def record(self, session_id: str):
        """The record of a live session (404 otherwise)."""
        record = self.state.sessions.get(session_id)
        if record is None:
            raise not_found("session", session_id)
        return record


__all__ = ["SimDomain", "SimError"]
