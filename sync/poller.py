"""The session-list poller: keeps sessions, agents and environments current in the store.

It lists every non-terminated session (all pages), upserts them, and hands the supervisor a
:class:`PollResult` so followers can be started and stopped. A session that leaves that list
(terminated, archived or deleted elsewhere) would otherwise keep its last active state in the
mirror forever, so each poll re-fetches up to :data:`RECONCILE_PER_POLL` sessions that were
active before (in the previous poll, or in the mirror at start-up) and are no longer listed.

The interval adapts: the minimum while any session is running or rescheduling (state
changes are likely), doubling up to the maximum while everything is idle (each poll costs
reads from the org-wide budget, which the streams need more). Agents and environments change
rarely: they are refreshed every few polls, and at once when a session names an agent the
poller has not seen. The platform (deployments and their runs, vaults and credential health,
memory stores: `drover.sync.platform`) is refreshed on the first poll and then every
`platform_every` polls, or at the next poll after `poke_platform`.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from drover.api.errors import NotFoundError
from drover.api.wire import JSONObject
from drover.sync.backoff import Backoff, Failure, classify
from drover.sync.platform import PlatformRefresh
from drover.sync.service import BackgroundLoop

if TYPE_CHECKING:
    from drover.api.client import ManagedAgentsClient
    from drover.store.api import MirrorReads, MirrorWrites

__all__ = ["ACTIVE_STATUSES", "RECONCILE_PER_POLL", "PollResult", "SessionPoller"]

log = logging.getLogger("drover.sync.poller")

ACTIVE_STATUSES = ("running", "idle", "rescheduling")
_BUSY = ("running", "rescheduling")
RECONCILE_PER_POLL = 50
"""Most sessions re-fetched one by one per poll (each costs a read); the rest wait a poll."""


@dataclass(frozen=True)
class PollResult:
    """One completed poll.

    Attributes:
        sessions: the non-terminated sessions, newest first (raw dicts, as stored).
        session_ids: their ids, same order.
        busy_ids: those running or rescheduling.
    """

    sessions: list[JSONObject] = field(repr=False)
    session_ids: list[str]
    busy_ids: frozenset[str]


PollHandler = Callable[[PollResult], Awaitable[None] | None]


class SessionPoller(BackgroundLoop):
    """Polls ``GET /v1/sessions`` on an adaptive interval.

    Args:
        client: a ``ManagedAgentsClient``.
        writer: the mirror's writer (``MirrorWrites``).
        reader: the mirror's reader (``MirrorReads``) (seeds the sessions to reconcile at start-up).
        on_poll: called after each successful poll (may be async).
        on_error: called with a fatal :class:`Failure` (401/403) before the poller stops.
        min_interval: seconds between polls while something is busy.
        max_interval: the ceiling while everything is idle.
        page_limit: page size.
        catalog_every: refresh agents and environments every this many polls.
        platform_every: refresh the platform every this many polls (0: never).
    """

    task_name = "session-poller"

    def __init__(
        self,
        client: ManagedAgentsClient,
        writer: MirrorWrites,
        *,
        reader: MirrorReads | None = None,
        on_poll: PollHandler | None = None,
        on_error: Callable[[Failure], None] | None = None,
        min_interval: float = 5.0,
        max_interval: float = 30.0,
        page_limit: int = 100,
        catalog_every: int = 10,
        platform_every: int = 12,
    ) -> None:
        self._client = client
        self._writer = writer
        self._reader = reader
        self._was_active: set[str] | None = None  # None until the first poll seeds it
        self._on_poll = on_poll
        self._on_error = on_error
        self.min_interval = min_interval
        self.max_interval = max_interval
        self._page_limit = page_limit
        self._catalog_every = max(1, catalog_every)
        self._known_agents: set[str] = set()
        self.platform = PlatformRefresh(client, writer, reader)
        """Deployments, vaults and memory stores (`drover.sync.platform`)."""
        self._platform_every = max(0, platform_every)
        self._platform_due = self._platform_every > 0
        self._wake = asyncio.Event()
        self.interval = min_interval
        self.polls = 0
        self.last: PollResult | None = None
        self.failure: Failure | None = None

    async def poll_once(self) -> PollResult:
        """List, upsert and report once (also used by ``run_until_idle``).

        Raises:
            DroverApiError: the listing failed (after the client's own read retries).
        """
        sessions = [
            s
            async for s in self._client.iter_sessions(
                statuses=list(ACTIVE_STATUSES), order="desc", limit=self._page_limit
            )
        ]
        sessions = [s for s in sessions if isinstance(s, dict) and s.get("id")]
        if sessions:
            await self._writer.upsert_sessions(sessions)
        await self._reconcile({s["id"] for s in sessions})
        agents = {_agent_id(s) for s in sessions} - {None}
        if self.polls % self._catalog_every == 0 or not agents <= self._known_agents:
            await self._refresh_catalog()
        if self._platform_due or (self._platform_every and self.polls % self._platform_every == 0):
            self._platform_due = False
            await self.platform.refresh()
        self.polls += 1
        result = PollResult(
            sessions=sessions,
            session_ids=[s["id"] for s in sessions],
            busy_ids=frozenset(s["id"] for s in sessions if s.get("status") in _BUSY),
        )
        self.last = result
        if self._on_poll is not None:
            outcome = self._on_poll(result)
            if inspect.isawaitable(outcome):
                await outcome
        return result

    async def _reconcile(self, listed: set[str]) -> None:
        """Re-fetch sessions that were active and are no longer listed as such."""
        before = self._was_active
        if before is None:
            before = set()
            if self._reader is not None:
                rows = self._reader.sessions(status=ACTIVE_STATUSES, limit=1_000_000)
                # Imported sessions (origin set) belong to another server: never re-fetched.
                before = {row.id for row in rows if row.origin is None}
        gone = sorted(before - listed)
        now, later = gone[:RECONCILE_PER_POLL], gone[RECONCILE_PER_POLL:]
        fresh = []
        for session_id in now:
            try:
                fresh.append(await self._client.retrieve_session(session_id))
            except NotFoundError:
                # Deleted upstream: its follower (if any) stops with `not_found`; the mirror
                # keeps the history, which is the point of having one.
                log.info("session %s no longer exists upstream", session_id)
        if fresh:
            await self._writer.upsert_sessions(fresh)
        self._was_active = listed | set(later)

    async def _refresh_catalog(self) -> None:
        agents = [a async for a in self._client.iter_agents(limit=100)]
        if agents:
            await self._writer.upsert_agents(agents)
        self._known_agents = {a["id"] for a in agents if isinstance(a, dict) and "id" in a}
        envs = [e async for e in self._client.iter_environments()]
        if envs:
            await self._writer.upsert_environments(envs)

    def poke(self) -> None:
        """Poll now instead of waiting out the interval (e.g. after the user acted)."""
        self.interval = self.min_interval
        self._wake.set()

    def poke_platform(self, *, validate: bool = False) -> None:
        """Refresh the platform at the next poll, now (`validate`: every credential too)."""
        if validate:
            self.platform.validate_now()
        self._platform_due = True
        self.poke()

    async def _run(self) -> None:
        # Failed polls back off from 1 s up to the idle interval (never below the first step).
        backoff = Backoff(1.0, max(1.0, self.max_interval))
        while True:
            self._wake.clear()
            try:
                result = await self.poll_once()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failure = classify(exc)
                self.failure = failure
                if failure.kind == "fatal":
                    log.error("session poller stopped: %s", failure.detail)
                    if self._on_error is not None:
                        self._on_error(failure)
                    return
                if failure.reason == "disk_full":  # polling would only fail again
                    await self._writer.wait_for_space()
                    continue
                delay = backoff.next_delay(failure.retry_after)
                log.info("session poll failed (%s); next in %.1fs", failure.detail, delay)
            else:
                self.failure = None
                backoff.reset()
                if result.busy_ids:
                    self.interval = self.min_interval
                else:
                    self.interval = min(self.max_interval, self.interval * 2)
                delay = self.interval
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), delay)


def _agent_id(session: JSONObject) -> str | None:
    agent = session.get("agent")
    if isinstance(agent, dict):
        agent_id: str | None = agent.get("id")
        return agent_id
    return agent if isinstance(agent, str) else None
