"""Control-plane calls of the sync engine: create, archive and delete sessions.

These are not session events, so they do not go through the outbox: each is one request whose
answer (or typed ``DroverApiError``) goes straight back to the caller, who tells the user. The
TUI reaches them through the engine, never over HTTP itself.

**The post-idle race.** ``session.status_idle`` reaches the stream before the server's
queryable status says idle (protocol §5.3), so an archive or delete sent on the idle event can
get the 400 for a running session. When the mirror does not show the session running, that
400 is the race: the call is repeated after ``RACE_DELAYS`` (a few seconds in all), then the
server's refusal goes to the caller. A session the mirror shows running is refused at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from drover.api.errors import BadRequestError
from drover.sync.engines import NewSession
from drover.sync.launch import Launcher

if TYPE_CHECKING:
    from pathlib import Path

    from drover.api.client import ManagedAgentsClient
    from drover.store.api import MirrorReads, MirrorWrites
    from drover.sync.follower import Follower
    from drover.sync.poller import SessionPoller

__all__ = ["DELETE_GRACE", "RACE_DELAYS", "ControlPlane", "is_running_refusal", "synced_or_done"]

log = logging.getLogger("drover.sync.control")
T = TypeVar("T")

DELETE_GRACE = 5.0
"""Seconds a delete waits for the follower's stream to go live, then for the deletion on it."""

RACE_DELAYS = (0.25, 0.5, 1.0, 1.5, 2.0, 2.5)
"""Waits before each repeat of an archive/delete refused by the post-idle race (~8 s in all)."""


def is_running_refusal(error: BaseException) -> bool:
    """The server's 400 for archiving or deleting a session it still sees running.

    The API gives this refusal no ``error_code``, so the message is the only way to tell it
    from other 400s; it is matched loosely (it says the session is running).
    """
    return (
        isinstance(error, BadRequestError)
        and error.status == 400
        and error.error_type in (None, "invalid_request_error")
        and "running" in (error.message or "").lower()
    )


class ControlPlane:
    """Mixin for :class:`~drover.sync.engine.SyncEngine`: session lifecycle calls."""

    if TYPE_CHECKING:
        client: ManagedAgentsClient
        writer: MirrorWrites
        reader: MirrorReads
        poller: SessionPoller

        @property
        def launch_folder(self) -> Path: ...

        def follow(self, session_id: str) -> Follower: ...

        async def unfollow(self, session_id: str) -> None: ...

    async def create_session(self, request: NewSession, *, follow: bool = True) -> str:
        """Create a session and mirror it (the one way drover creates a session).

        Args:
            request: what to create (see `NewSession`; the first message goes out as the one
                ``user.message`` of ``initial_events``).
            follow: follow the new session now; a launch creating hundreds leaves them to
                the poller (or to nobody, in a CLI that exits).

        Returns:
            The new session's id.

        Raises:
            DroverApiError: the server refused (e.g. an unknown agent) or was unreachable.
        """
        session = await self.client.create_session(
            request.agent(), request.environment_id, **request.body()
        )
        await self.writer.upsert_sessions([session])
        session_id: str = session["id"]
        if follow:
            self.follow(session_id)
        self.poller.poke()  # the fleet's counts and the catalog catch up now, not in 30 s
        return session_id

    async def launcher(self, **options: Any) -> Launcher:
        """A `Launcher` creating through this engine (see `drover.sync.launch`)."""
        return Launcher(self, **options)

    async def archive_session(self, session_id: str) -> None:
        """Archive a session and mirror the result (its follower ends on the terminated event).

        Rides through the post-idle race (see the module docstring).

        Raises:
            BadRequestError: the session is running (interrupt it and wait for idle first).
        """
        session = await self._through_race(session_id, self.client.archive_session)
        await self.writer.upsert_sessions([session])

    async def delete_session(self, session_id: str) -> None:
        """Delete a session upstream; the mirror keeps its history, marked deleted.

        The store marks a session deleted when it ingests the ``session.deleted`` event, which
        only an open stream delivers (the server forgets the session at once). So the session
        is followed first and its follower stopped once the deletion arrived. A session whose
        stream could not go live in time (e.g. an archived one: its follower ends on the
        terminated event in its history) keeps its mirror row unmarked. Rides through the
        post-idle race (see the module docstring).

        Raises:
            BadRequestError: the session is running (interrupt it and wait for idle first).
        """
        follower = self.follow(session_id)
        await _within(synced_or_done(follower), DELETE_GRACE)
        try:
            await self._through_race(session_id, self.client.delete_session)
            if follower.task is not None:
                await _within(asyncio.shield(follower.task), DELETE_GRACE)
        finally:
            await self.unfollow(session_id)

    async def _through_race(self, session_id: str, call: Callable[[str], Awaitable[T]]) -> T:
        """``call(session_id)``, repeated while its refusal is the post-idle race."""
        delays = iter(RACE_DELAYS)
        while True:
            try:
                return await call(session_id)
            except BadRequestError as exc:
                delay = next(delays, None)
                if delay is None or not is_running_refusal(exc) or self._mirror_running(session_id):
                    raise
                log.info("%s refused as running just after idle; again in %.2fs", session_id, delay)
                await asyncio.sleep(delay)

    def _mirror_running(self, session_id: str) -> bool:
        """Whether the mirror shows the session working (then the 400 is no race)."""
        row = self.reader.session(session_id)
        return row is not None and row.status in ("running", "rescheduling")


async def _within(awaitable: Awaitable[object], seconds: float) -> None:
    """Await for at most ``seconds`` (waiting longer gains nothing; the caller goes on)."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(awaitable, seconds)


async def synced_or_done(follower: Follower) -> None:
    """Wait until a follower's stream is live and caught up, or the follower has ended."""
    task = follower.task
    if task is None:
        return
    synced = asyncio.ensure_future(follower.synced.wait())
    try:
        await asyncio.wait({synced, task}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        synced.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await synced
