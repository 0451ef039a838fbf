"""``FleetKeeper``: keeps about ``active`` fleet sessions working, by sending follow-ups to idle
sessions and creating new ones."""

from __future__ import annotations

import asyncio
import contextlib
import random

from drover.sim.fleet.bodies import nth_message, user_message
from drover.sim.fleet.fleet import TERMINAL_STOPS, Fleet, domain_pace, last_stop, send


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
        pace = domain_pace(domain)
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
            self._sent[session_id] = send(self.domain, session_id, [user_message(text)])
