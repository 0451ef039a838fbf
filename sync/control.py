"""Control-plane calls of the sync engine: create, archive and delete sessions.

These are not session events, so they do not go through the outbox: each is one request whose
answer (or typed ``DroverApiError``) goes straight back to the caller, who tells the user. The
TUI reaches them through the engine, never over HTTP itself.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable
from typing import TYPE_CHECKING

from drover.sync.engines import NewSession

if TYPE_CHECKING:
    from drover.api.client import ManagedAgentsClient
    from drover.store.writer import MirrorWriter
    from drover.sync.follower import Follower
    from drover.sync.poller import SessionPoller

__all__ = ["DELETE_GRACE", "ControlPlane", "synced_or_done"]

DELETE_GRACE = 5.0
"""Seconds a delete waits for the follower's stream to go live, then for the deletion on it."""


class ControlPlane:
    """Mixin for :class:`~drover.sync.engine.SyncEngine`: session lifecycle calls."""

    if TYPE_CHECKING:
        client: ManagedAgentsClient
        writer: MirrorWriter
        poller: SessionPoller

        def follow(self, session_id: str) -> Follower: ...

        async def unfollow(self, session_id: str) -> None: ...

    async def create_session(self, request: NewSession) -> str:
        """Create a session, mirror it and follow it.

        Args:
            request: the agent, the environment, the title (None or empty: the server's
                default) and the first message (sent as the one ``user.message`` of
                ``initial_events``).

        Returns:
            The new session's id.

        Raises:
            DroverApiError: the server refused (e.g. an unknown agent) or was unreachable.
        """
        fields: dict[str, object] = {}
        if request.title:
            fields["title"] = request.title
        if request.first_message:
            text = request.first_message
            fields["initial_events"] = [
                {"type": "user.message", "content": [{"type": "text", "text": text}]}
            ]
        session = await self.client.create_session(
            request.agent_id, request.environment_id, **fields
        )
        await self.writer.upsert_sessions([session])
        session_id: str = session["id"]
        self.follow(session_id)
        self.poller.poke()  # the fleet's counts and the catalog catch up now, not in 30 s
        return session_id

    async def archive_session(self, session_id: str) -> None:
        """Archive a session and mirror the result (its follower ends on the terminated event).

        Raises:
            BadRequestError: the session is running (interrupt it and wait for idle first).
        """
        session = await self.client.archive_session(session_id)
        await self.writer.upsert_sessions([session])

    async def delete_session(self, session_id: str) -> None:
        """Delete a session upstream; the mirror keeps its history, marked deleted.

        The store marks a session deleted when it ingests the ``session.deleted`` event, which
        only an open stream delivers (the server forgets the session at once). So the session
        is followed first and its follower stopped once the deletion arrived. A session whose
        stream could not go live in time (e.g. an archived one: its follower ends on the
        terminated event in its history) keeps its mirror row unmarked.

        Raises:
            BadRequestError: the session is running (interrupt it and wait for idle first).
        """
        follower = self.follow(session_id)
        await _within(synced_or_done(follower), DELETE_GRACE)
        try:
            await self.client.delete_session(session_id)
            if follower.task is not None:
                await _within(asyncio.shield(follower.task), DELETE_GRACE)
        finally:
            await self.unfollow(session_id)


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
