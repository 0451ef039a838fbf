"""One session through the sync engine: check it exists, follow it, catch up, report why it ended.

``drover tail`` and the action commands share this: they never read the API around the sync
engine (everything shown comes from the mirror, everything sent goes through the outbox).

On a team's shared mirror the engine is a viewer's (`drover.sync.viewer`): no key, no API. The
hub follows every session, so the link follows nothing itself: the session must be in the
mirror already, and what the hub commits arrives through the mirror's change notices.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from drover.cli.common import CliError, Context, rejected_key

__all__ = ["SessionLink"]


class SessionLink:
    """A sync engine following exactly one session.

    Args:
        ctx: the invocation context.
        session_id: the session.
    """

    def __init__(self, ctx: Context, session_id: str) -> None:
        self.ctx = ctx
        self.session_id = session_id
        self.changed = asyncio.Event()
        """Set (on the loop) whenever the writer committed something for the session."""
        self.engine: Any = None
        self.follower: Any = None

    async def __aenter__(self) -> SessionLink:
        loop = asyncio.get_running_loop()

        def notice(sid: str, _high_water: int) -> None:  # runs on the writer thread
            if sid == self.session_id:
                loop.call_soon_threadsafe(self.changed.set)

        self.engine = await self.ctx.engine(auto_follow=False, on_change=notice)
        return self

    @property
    def viewing(self) -> bool:
        """True on a shared mirror the hub keeps (the engine has no API of its own)."""
        return self.engine.account is None

    async def __aexit__(self, *exc_info: object) -> None:
        await self.engine.stop()

    @property
    def reader(self) -> Any:
        """The engine's mirror reader."""
        return self.engine.reader

    async def check(self) -> dict[str, Any]:
        """Fetch the session once: an unknown id, a bad key or no network fail here, clearly.

        The object is stored too: the poller lists only active sessions, so this is how an
        ended or archived session's header (title, agent, archive time) reaches the mirror.
        """
        if self.viewing:
            row = self.reader.session(self.session_id)
            if row is None:
                raise self.ctx.no_session(self.session_id)
            return dict(row.raw) if isinstance(row.raw, dict) else {"id": self.session_id}
        session = await self.ctx.probe(self.session_id)
        assert session is not None
        await self.engine.writer.upsert_sessions([session])
        return session

    async def start(self) -> None:
        """Start following (back-fill, then live) and the outbox (a viewer: nothing to start)."""
        if self.viewing:
            return
        self.follower = self.engine.follow(self.session_id)
        await self.engine.start()

    async def caught_up(self) -> None:
        """Wait until the back-fill reached the server's tail (or the follower ended); a
        viewer's mirror is as caught up as the hub keeps it."""
        if self.follower is None:
            return
        synced = asyncio.ensure_future(self.follower.synced.wait())
        try:
            await asyncio.wait({synced, self.follower.task}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            synced.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await synced
        self.raise_if_failed()

    @property
    def ended(self) -> bool:
        """True once the follower stopped (terminated, deleted, or failed)."""
        return self.follower is not None and self.follower.task.done()

    def raise_if_failed(self) -> None:
        """Turn a follower stopped by 401/403/404 into the matching user-facing error."""
        if not self.ended:
            return
        reason = self.follower.stop_reason
        if reason == "not_found":
            raise self.ctx.no_session(self.session_id)
        if reason == "unauthorized":
            raise rejected_key(self.ctx.name, self.ctx.key_source)
        if reason == "forbidden":
            raise CliError(f"the key for profile {self.ctx.name!r} may not read {self.session_id}")

    async def wait_change(self, timeout: float) -> None:
        """Wait for a commit touching the session (or ``timeout`` seconds)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.changed.wait(), timeout)
        self.changed.clear()
