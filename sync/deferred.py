"""`DeferredEngine`: an engine that paints first and connects when its server is up.

`drover demo` starts its simulator (which builds a whole fleet's history before it listens) in
a child process while the TUI starts, so the fleet appears without waiting for it. Callers use
this object as any `Engine`: the connection board is its own from the start (the real engine
publishes on it), focus is remembered, and actions wait for the real engine.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Generic, TypeVar

from drover.api.wire import JSONObject
from drover.config.rules import Rule
from drover.sync.account import Account
from drover.sync.backoff import Failure
from drover.sync.connection import ConnectionBoard
from drover.sync.engines import (
    ActionKind,
    Engine,
    LaunchRunner,
    NewSession,
    NotConnectedError,
)
from drover.sync.follow_lock import FollowHolder

__all__ = ["DeferredEngine"]

S = TypeVar("S")


class DeferredEngine(Generic[S]):
    """Builds and starts the real engine once `server` resolves.

    Args:
        server: resolves to whatever `build` needs (the started sim), or fails.
        build: `await build(server, board)` returns the real engine, publishing on `board`.
        on_failed: called on the loop with the exception when the server never came up.
    """

    def __init__(
        self,
        server: concurrent.futures.Future[S],
        build: Callable[[S, ConnectionBoard], Awaitable[Engine]],
        on_failed: Callable[[BaseException], None],
    ) -> None:
        self.board = ConnectionBoard()
        self.engine: Engine | None = None
        """The real engine, once built and started."""
        self._server = server
        self._build = build
        self._on_failed = on_failed
        self._focus: str | None = None
        self._failure: BaseException | None = None
        self._task: asyncio.Task[None] | None = None
        self._rules: dict[str, Rule] | None = None

    @property
    def account(self) -> Account | None:
        """The real engine's account (None until it exists)."""
        return self.engine.account if self.engine is not None else None

    @property
    def fatal(self) -> Failure | None:
        """The real engine's fatal failure, if any."""
        return self.engine.fatal if self.engine is not None else None

    @property
    def followed_by(self) -> FollowHolder | None:
        """Whether the real engine only observes (None until it exists)."""
        return self.engine.followed_by if self.engine is not None else None

    async def start(self) -> None:
        """Return at once; the engine is built and started in the background."""
        if self._task is None:
            self._task = asyncio.create_task(self._start_when_ready(), name="deferred-engine")

    async def _start_when_ready(self) -> None:
        try:
            server = await asyncio.wrap_future(self._server)
            engine = await self._build(server, self.board)
        except Exception as exc:  # reported once, on the loop; nothing to sync from
            self._failure = exc
            self._on_failed(exc)
            return
        await engine.start()
        engine.set_focus(self._focus)
        if self._rules is not None:
            engine.set_rules(self._rules)
        self.engine = engine

    async def ready(self) -> Engine | None:
        """Wait for the real engine (None if it could not be built)."""
        if self._task is not None:
            await asyncio.shield(self._task)
        return self.engine

    async def stop(self) -> None:
        """Stop starting, or stop the real engine."""
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self.engine is not None:
            await self.engine.stop()
            self.engine = None

    def set_focus(self, session_id: str | None) -> None:
        """Remember the focus; forward it when the engine exists."""
        self._focus = session_id
        if self.engine is not None:
            self.engine.set_focus(session_id)

    async def _engine(self) -> Engine:
        engine = await self.ready()
        if engine is None:
            raise NotConnectedError(f"the server did not start: {self._failure}")
        return engine

    async def submit_action(self, session_id: str, kind: ActionKind, **payload: Any) -> int:
        """Deliver through the real engine once it is running."""
        return await (await self._engine()).submit_action(session_id, kind, **payload)

    async def create_session(self, request: NewSession, *, follow: bool = True) -> str:
        """Create through the real engine once it is running."""
        return await (await self._engine()).create_session(request, follow=follow)

    async def launcher(self, **options: Any) -> LaunchRunner:
        """A launcher on the real engine once it is running."""
        return await (await self._engine()).launcher(**options)

    async def archive_session(self, session_id: str) -> None:
        """Archive through the real engine once it is running."""
        await (await self._engine()).archive_session(session_id)

    async def delete_session(self, session_id: str) -> None:
        """Delete through the real engine once it is running."""
        await (await self._engine()).delete_session(session_id)

    async def set_budget(self, session_id: str, cents: int) -> JSONObject:
        """Set the budget through the real engine once it is running."""
        return await (await self._engine()).set_budget(session_id, cents)

    def set_rules(self, rules: Mapping[str, Rule]) -> None:
        """Forward the rules (remembered for an engine still starting)."""
        self._rules = dict(rules)
        if self.engine is not None:
            self.engine.set_rules(rules)

    async def pause_rules(self, paused: bool) -> str | None:
        """Pause or resume through the real engine once it is running."""
        return await (await self._engine()).pause_rules(paused)

    def refresh_platform(self, *, validate: bool = False) -> None:
        """Refresh through the real engine, if it runs yet."""
        if self.engine is not None:
            self.engine.refresh_platform(validate=validate)

    async def memories(self, store_id: str, path_prefix: str | None = None) -> list[JSONObject]:
        """Browse through the real engine once it is running."""
        return await (await self._engine()).memories(store_id, path_prefix)

    async def memory(self, store_id: str, memory_id: str) -> JSONObject:
        """Read through the real engine once it is running."""
        return await (await self._engine()).memory(store_id, memory_id)

    async def memory_versions(self, store_id: str, memory_id: str) -> list[JSONObject]:
        """Read through the real engine once it is running."""
        return await (await self._engine()).memory_versions(store_id, memory_id)
