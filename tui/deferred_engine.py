"""`DeferredEngine`: a sync engine stand-in that paints first and connects when its server is up.

`drover demo` starts its simulator (which builds a whole fleet's history before it listens) on a
background thread while the TUI starts, so the fleet screen appears without waiting for it. The
App talks to this object exactly as to a `SyncEngine`; calls made before the real engine exists
are remembered (focus, board observers) or wait for it (actions). No Textual here.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
from collections.abc import Callable
from typing import Any


class _Board:
    """Collects `subscribe` calls until the real engine's connection board exists."""

    def __init__(self) -> None:
        self.observers: list[Callable[..., Any]] = []
        self.target: Any = None

    def subscribe(self, observer: Callable[..., Any]) -> Callable[[], None]:
        """Subscribe now if the engine exists, else when it does (the App ignores the undo)."""
        if self.target is not None:
            return self.target.subscribe(observer)
        self.observers.append(observer)
        return lambda: None


class DeferredEngine:
    """Builds and starts the real engine once `server` resolves.

    Args:
        server: resolves to whatever `build` needs (the started sim), or fails.
        build: `build(server) -> engine` (a `SyncEngine` or compatible).
        on_failed: called on the UI loop with the exception when the server never came up.
    """

    def __init__(
        self,
        server: concurrent.futures.Future[Any],
        build: Callable[[Any], Any],
        on_failed: Callable[[BaseException], None],
    ) -> None:
        self.board = _Board()
        self.engine: Any = None
        """The real engine, once built."""
        self._server = server
        self._build = build
        self._on_failed = on_failed
        self._focus: str | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Return at once; the engine is built and started in the background."""
        if self._task is None:
            self._task = asyncio.create_task(self._start_when_ready(), name="deferred-engine")

    async def _start_when_ready(self) -> None:
        try:
            server = await asyncio.wrap_future(self._server)
        except Exception as exc:  # reported once, on the loop; nothing to sync from
            self._on_failed(exc)
            return
        engine = self._build(server)
        for observer in self.board.observers:
            engine.board.subscribe(observer)
        self.board.target = engine.board
        await engine.start()
        if self._focus is not None:
            engine.set_focus(self._focus)
        self.engine = engine

    async def ready(self) -> Any:
        """Wait for the real engine (None if the server never came up)."""
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

    async def _engine(self) -> Any:
        engine = await self.ready()
        if engine is None:
            raise RuntimeError("no server to send to: the simulator did not start")
        return engine

    async def submit_action(self, session_id: str, kind: str, **payload: Any) -> Any:
        """Deliver through the real engine once it is running."""
        return await (await self._engine()).submit_action(session_id, kind, **payload)

    async def create_session(self, agent_id: str, environment_id: str, **fields: Any) -> str:
        """Create through the real engine once it is running."""
        return await (await self._engine()).create_session(agent_id, environment_id, **fields)

    async def archive_session(self, session_id: str) -> None:
        """Archive through the real engine once it is running."""
        await (await self._engine()).archive_session(session_id)

    async def delete_session(self, session_id: str) -> None:
        """Delete through the real engine once it is running."""
        await (await self._engine()).delete_session(session_id)
