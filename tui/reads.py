"""`ReadPool`: the threads mirror reads run on, tracked so the mirror is never closed mid-read.

Screens call `await app.reads.run(reader.method, ...)` instead of `asyncio.to_thread`: the pool
is bounded (SQLite reads gain nothing from dozens of threads on a 2-core machine) and it knows
which reads are still executing even after the worker that awaited one was cancelled, so
closing a profile can wait for them before closing connections underneath them.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

T = TypeVar("T")


class ReadsClosed(asyncio.CancelledError):
    """A read was asked for while the mirror is being closed; the asking worker just ends."""


class ReadPool:
    """A small executor for blocking mirror reads.

    Args:
        workers: threads in the pool.
    """

    def __init__(self, workers: int = 4) -> None:
        self._executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix="drover-read"
        )
        self._in_flight: set[concurrent.futures.Future[Any]] = set()
        self._closing = False

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run `fn(*args, **kwargs)` on the pool and await its result.

        Raises:
            ReadsClosed: the mirror is being closed (see `closing`).
        """
        if self._closing:
            raise ReadsClosed("the mirror is being closed")
        future = self._executor.submit(fn, *args, **kwargs)
        self._in_flight.add(future)
        future.add_done_callback(self._in_flight.discard)
        return await asyncio.wrap_future(future)

    @contextlib.asynccontextmanager
    async def closing(self, timeout: float = 10.0) -> AsyncIterator[None]:
        """Refuse new reads, wait for those under way, and let the body close connections.

        Draining alone is not enough: a worker that took the source before it was cleared can
        submit a read after the drain, and SQLite crashes the process when a connection is
        closed under a running statement.
        """
        self._closing = True
        try:
            await self.drain(timeout)
            yield
        finally:
            self._closing = False

    async def drain(self, timeout: float = 10.0) -> None:
        """Wait (off the loop) until every read started so far has finished executing."""
        pending = list(self._in_flight)
        if pending:
            await asyncio.to_thread(concurrent.futures.wait, pending, timeout)

    def shutdown(self) -> None:
        """Stop the threads (queued reads are cancelled)."""
        self._executor.shutdown(wait=False, cancel_futures=True)
