"""Running a launch: N sessions created under the profile's create limit, resumable, no twins.

`Launcher.record` writes a `LaunchPlan` into the mirror (`drover.store.launches`) before any
request; `Launcher.run` creates its queued items through the engine's one create path
(`ControlPlane.create_session`), a few at a time, each create waiting for its slot in the
profile's create bucket (`drover.api.rate_budget`: paced, and never more than the limit in any
sliding minute, across every drover process on the profile). So the launch goes exactly as
fast as the limit allows and never faster; the server's 429 is never the brake.

**No duplicates.** An item is marked ``creating`` (committed) before its request goes out. An
item left ``creating`` (a crash, SIGKILL, Ctrl-C, a 5xx or a dropped connection after the
request was sent) is *in doubt*, and is settled by reading the server's sessions of the launch
back before it may be created again (`drover.sync.launch_readback`). That read also runs on any
resume of a launch whose last run did not stop cleanly, since a machine crash can lose the last
commits of the mirror (WAL, synchronous=NORMAL) but never the server's sessions.

One process runs a launch at a time: a ``flock`` on ``launch-<id>.lock`` beside the mirror
(the OS drops it when the process dies, however it dies).

Here: recording, rounds, workers and the run's bookkeeping; creating one item and what each
answer means for it is `drover.sync.launch_create`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import replace

from drover.store.launches import LaunchItemRow
from drover.sync.follow_lock import FollowLock
from drover.sync.launch_create import LaunchHost, LaunchRun, create_item
from drover.sync.launch_plan import LaunchPlan, check_token_envs
from drover.sync.launch_readback import settle_doubt
from drover.sync.launch_state import (
    RUNNING,
    LaunchBusyError,
    LaunchNotFound,
    LaunchProgress,
    ProgressCallback,
    launch_holder,
    lock_path,
)

__all__ = [
    "LaunchBusyError",
    "LaunchHost",
    "LaunchNotFound",
    "LaunchProgress",
    "Launcher",
    "launch_holder",
]

log = logging.getLogger("drover.sync.launch")

CONCURRENCY = 4
"""Creates in flight at once: enough that latency never slows a launch below its limit."""
DOUBT_ROUNDS = 6
"""Rounds of "in doubt → read back → create again" before a launch pauses (a server failing
every create)."""


class Launcher:
    """Records and runs launches on one engine.

    Args:
        host: the engine (its client, mirror writer and reader, and its create path).
        concurrency: creates in flight at once.
        follow: follow each new session at once (the TUI leaves them to its poller).
        environ: where resources' tokens are read (default: the process environment).
        recheck_delay: seconds before in-doubt items are read back within a run.
        clock: monotonic clock.
    """

    def __init__(
        self,
        host: LaunchHost,
        *,
        concurrency: int = CONCURRENCY,
        follow: bool = False,
        environ: Mapping[str, str] | None = None,
        recheck_delay: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.host = host
        self.concurrency = max(1, concurrency)
        self.follow = follow
        self.environ = os.environ if environ is None else environ
        self.recheck_delay = recheck_delay
        self._clock = clock
        self._cancelled = asyncio.Event()

    # -- recording ------------------------------------------------------------------------------

    async def record(self, plan: LaunchPlan) -> str:
        """Write a planned launch into the mirror, every item queued; its id.

        Raises:
            PlanError: a token's environment variable is not set (checked before recording).
        """
        check_token_envs(plan.token_envs, self.environ)
        return await self.host.writer.create_launch(plan.launch)

    # -- running --------------------------------------------------------------------------------

    def cancel(self) -> None:
        """Stop after the creates in flight (the launch is `cancelled`; a resume carries on)."""
        self._cancelled.set()

    async def run(
        self,
        launch_id: str,
        *,
        on_progress: ProgressCallback | None = None,
        retry_failed: bool = False,
        read_back: bool = True,
    ) -> LaunchProgress:
        """Create every queued item of a launch (first resolving any in doubt).

        Args:
            launch_id: the launch (recorded in this mirror).
            on_progress: called with each new `LaunchProgress`, on the loop.
            retry_failed: queue the items the server refused again first.
            read_back: read the server's sessions of the launch before creating anything
                (every resume does: a machine crash can lose the mirror's last commits, never
                the server's sessions); False only right after `record`.

        Returns:
            The final progress (`state` done, paused or cancelled).

        Raises:
            LaunchNotFound: no such launch in the mirror.
            LaunchBusyError: another process (or task) is running it.
        """
        writer, reader = self.host.writer, self.host.reader
        launch = await asyncio.to_thread(reader.launch, launch_id)
        if launch is None:
            raise LaunchNotFound(f"no launch {launch_id} in this mirror")
        lock = FollowLock(lock_path(self.host.launch_folder, launch_id))
        if launch_id in RUNNING or not lock.acquire(f"drover launch {launch_id}"):
            raise LaunchBusyError(launch_id, lock.holder())
        RUNNING.add(launch_id)
        limit = self.host.client.rate_budget.create.per_minute
        run = LaunchRun(launch, LaunchProgress(launch_id, launch.total, limit_per_minute=limit),
                   self._clock())  # fmt: skip
        emit = on_progress or (lambda _p: None)
        ticker = asyncio.create_task(self._tick(run, emit))
        try:
            await writer.set_launch_state(launch_id, "running")
            if retry_failed:
                failed = [i.idx for i in await self._items(launch_id, ("failed",))]
                await writer.launch_items_requeue(launch_id, failed, states=("failed",))
            await self._count(run)
            emit(run.progress)
            await self._rounds(run, emit, read_back=read_back)
        except BaseException as exc:
            run.stop = run.stop or ("interrupted" if isinstance(exc, asyncio.CancelledError)
                                    else f"stopped by an error: {exc}")  # fmt: skip
            await asyncio.shield(self._finish(run, emit))
            raise
        finally:
            ticker.cancel()
            RUNNING.discard(launch_id)
            lock.release()
        await self._finish(run, emit)
        if run.progress.state == "done":
            with contextlib.suppress(OSError):
                lock.path.unlink()
        return run.progress

    async def _rounds(self, run: LaunchRun, emit: ProgressCallback, *, read_back: bool) -> None:
        launch_id = run.launch.id
        for _round in range(DOUBT_ROUNDS):
            doubt = await self._items(launch_id, ("creating",))
            if doubt or read_back:
                await self._read_back(run, doubt)
                read_back = False
                await self._count(run)
                emit(run.progress)
            queued = await self._items(launch_id, ("queued",))
            if not queued or self._stopping(run):
                return
            queue: asyncio.Queue[LaunchItemRow] = asyncio.Queue()
            for item in queued:
                queue.put_nowait(item)
            workers = [
                asyncio.create_task(self._worker(run, queue, emit))
                for _ in range(min(self.concurrency, len(queued)))
            ]
            try:
                await asyncio.gather(*workers)
            finally:
                for worker in workers:
                    worker.cancel()
            if not run.again:
                continue  # the next round finds nothing queued, or a stop, and returns
            run.again.clear()
            await asyncio.sleep(self.recheck_delay)  # let the server's list catch up
        run.stop = run.stop or "the server kept failing creates; resume to try again"

    def _stopping(self, run: LaunchRun) -> bool:
        return run.stop is not None or self._cancelled.is_set()

    async def _worker(
        self, run: LaunchRun, queue: asyncio.Queue[LaunchItemRow], emit: ProgressCallback
    ) -> None:
        while not self._stopping(run):
            try:
                item = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            await create_item(
                self.host, run, item, emit, follow=self.follow, environ=self.environ,
                clock=self._clock,
            )  # fmt: skip

    async def _read_back(self, run: LaunchRun, doubt: list[LaunchItemRow]) -> None:
        host = self.host
        settled = await settle_doubt(host.client, host.writer, host.reader, run.launch, doubt)
        run.progress = replace(run.progress, found=run.progress.found + settled.found)

    # -- bookkeeping ----------------------------------------------------------------------------

    async def _items(self, launch_id: str, states: tuple[str, ...]) -> list[LaunchItemRow]:
        return await asyncio.to_thread(self.host.reader.launch_items, launch_id, states=states)

    async def _count(self, run: LaunchRun) -> None:
        launch = await asyncio.to_thread(self.host.reader.launch, run.launch.id)
        if launch is None:
            return
        counts = launch.counts
        run.progress = replace(
            run.progress,
            created=counts.get("created", 0),
            failed=counts.get("failed", 0),
            in_doubt=counts.get("creating", 0) - run.progress.in_flight,
            elapsed=self._clock() - run.started,
        )

    async def _finish(self, run: LaunchRun, emit: ProgressCallback) -> None:
        await self._count(run)
        remaining = run.progress.remaining
        if self._cancelled.is_set():
            state, error = "cancelled", run.stop
        elif run.stop is not None:
            state, error = "paused", run.stop
        else:
            state, error = ("done" if remaining == 0 else "paused"), None
        with contextlib.suppress(Exception):  # a closing mirror: the record says `running`
            await self.host.writer.set_launch_state(run.launch.id, state, error)
        run.progress = replace(run.progress, state=state, error=error, in_flight=0)
        emit(run.progress)

    async def _tick(self, run: LaunchRun, emit: ProgressCallback) -> None:
        """Once a second: elapsed time and the ETA move on even while creates wait."""
        while True:
            await asyncio.sleep(1.0)
            run.progress = replace(run.progress, elapsed=self._clock() - run.started)
            emit(run.progress)
