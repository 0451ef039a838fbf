"""One follower per watched session: stream first, back-fill, then follow the tail.

The Managed Agents stream has no replay and no resume cursor (§8.2), so every (re)connect is:

1. open the stream (it starts buffering server-side at once; the open awaits the read budget);
2. list history from an overlap window before the sync cursor (the last committed
   ``processed_at``; see :mod:`drover.sync.history` for why a few seconds before it) to the
   end, ingesting page by page — the store advances the cursor in the same transaction as the
   rows, so a crash or a failure half-way loses nothing and the next back-fill resumes at the
   last committed page. Items that are not events are quarantined, the rest kept; a server
   that pages forever is stopped by the paging guards (:func:`drover.api.pages.walk_pages`);
3. consume the live stream. Nothing is skipped here: the store's ingest is idempotent by id
   and completes a queued user event (``processed_at: null``) when its processed copy arrives.

A pump task reads the stream into a queue while the back-fill runs; the consumer drains what
is queued into one ingest call, so a burst costs one writer operation.

Failures: 401/403/404 stop the follower (``unauthorized``/``forbidden``/``not_found``), and so
does a damaged or read-only mirror; 429 waits at least ``retry-after``; a full disk waits for
space (nothing is downloaded meanwhile); anything else (drops, stalls, 5xx, malformed or
oversize frames, ``event: error``) reconnects with full-jitter backoff 0.5 s → 10 s, reset by
the next event; the reconnect's back-fill recovers a dropped frame's event from history. A
``session.status_terminated``/``session.deleted`` stops it too, also when found in history.

Child threads (multi-agent): see :mod:`drover.sync.threads`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeAlias, cast

from drover.api.errors import FrameTooLarge, MalformedEventError
from drover.api.wire import JSONObject
from drover.sync.backoff import Backoff, classify
from drover.sync.connection import ConnectionBoard, StopReason
from drover.sync.events import PREVIEW_TYPES, mentions_child_thread, terminal_reason
from drover.sync.follower_history import HistoryReads
from drover.sync.history import BACKFILL_OVERLAP, safe_cursor
from drover.sync.threads import ThreadMirror

if TYPE_CHECKING:
    from drover.api.client import ManagedAgentsClient
    from drover.api.streaming import EventStream
    from drover.store.api import MirrorReads, MirrorWrites

__all__ = ["Follower", "PreviewCallback"]

log = logging.getLogger("drover.sync.follower")

PreviewCallback = Callable[[str, JSONObject], None]
"""``on_preview(session_id, event)`` for ``event_start`` / ``event_delta`` (never persisted)."""


class _End:
    """The pump's "stream ended cleanly" marker."""


_END = _End()


class _Restart(Exception):
    """Internal: reopen the stream now, without backoff (e.g. previews were switched)."""


_Item: TypeAlias = JSONObject | Exception | _End
"""What the pump queues: an event, the stream's failure (or a `_Restart`), or its clean end."""


class Follower(HistoryReads):
    """Keeps one session's mirror in step with the server.

    Args:
        session_id: the session to follow.
        client: a ``ManagedAgentsClient`` (its rate budget paces every open and list).
        writer: the mirror's writer (``MirrorWrites``).
        reader: the mirror's reader (``MirrorReads``) (for the sync cursor).
        board: where the connection state is published.
        stall_timeout: seconds without a frame or heartbeat before the stream is dropped.
        deltas: open the stream with live previews (the focused session only).
        on_preview: receives preview events when ``deltas`` is on.
        follow_threads: mirror child threads too (multi-agent sessions).
        backoff: reconnect pacing (a fresh 0.5 s → 10 s one by default).
        history_limit: page size for history listings.
        batch_max: most live events ingested in one call.
        linger: seconds to wait for more live events before ingesting a lone one.
        backfill_slots: semaphore shared by followers bounding concurrent back-fills, so a
            cold fleet goes live a few at a time (streams are already open: nothing is missed).
        backfill_overlap: seconds before the cursor every back-fill re-reads.
    """

    def __init__(
        self,
        session_id: str,
        *,
        client: ManagedAgentsClient,
        writer: MirrorWrites,
        reader: MirrorReads,
        board: ConnectionBoard,
        stall_timeout: float = 30.0,
        deltas: bool = False,
        on_preview: PreviewCallback | None = None,
        follow_threads: bool = True,
        backoff: Backoff | None = None,
        history_limit: int = 1000,
        batch_max: int = 500,
        backfill_slots: asyncio.Semaphore | None = None,
        linger: float = 0.02,
        backfill_overlap: float = BACKFILL_OVERLAP,
    ) -> None:
        self.session_id = session_id
        self._client = client
        self._writer = writer
        self._reader = reader
        self._board = board
        self._stall_timeout = stall_timeout
        self._deltas = deltas
        self._on_preview = on_preview
        self._backoff = backoff or Backoff()
        self._history_limit = history_limit
        self._batch_max = batch_max
        self._linger = linger
        self._overlap = backfill_overlap
        self._backfill_slots = backfill_slots or contextlib.nullcontext()
        self._threads = ThreadMirror(session_id, client, writer) if follow_threads else None
        self._queue: asyncio.Queue[_Item] | None = None
        self._task: asyncio.Task[StopReason] | None = None
        self._wake = asyncio.Event()
        self.stop_reason: StopReason | None = None
        self.synced = asyncio.Event()
        """Set after each completed back-fill while the stream is live; cleared on a drop."""
        self.connects = 0
        self.backfills = 0
        self.failures: Counter[str] = Counter()
        """Failures by reason (``connection``, ``stalled``, ``rate_limited``…) since start."""
        self.events_ingested = 0

    # -- control ------------------------------------------------------------------------------

    def start(self) -> asyncio.Task[StopReason]:
        """Run the follower in a task on the current loop (idempotent)."""
        if self._task is None:
            self._task = asyncio.create_task(self.run(), name=f"follow:{self.session_id}")
        return self._task

    @property
    def task(self) -> asyncio.Task[StopReason] | None:
        """The running task, if started."""
        return self._task

    @property
    def deltas(self) -> bool:
        """Whether the stream carries previews."""
        return self._deltas

    def set_deltas(self, on: bool) -> None:
        """Switch previews on/off; reopens the stream (and back-fills) if it changes."""
        if on == self._deltas:
            return
        self._deltas = on
        self.synced.clear()  # the open stream is no longer the one asked for
        if self._queue is not None:
            self._queue.put_nowait(_Restart())
        self._wake.set()

    async def sync_threads(self) -> None:
        """Re-list the session's child threads now (no-op when threads are not followed)."""
        if self._threads is not None:
            await self._threads.sync()

    async def stop(self, reason: StopReason = "user") -> None:
        """Stop following and wait for the task to finish."""
        if self.stop_reason is None:
            self.stop_reason = reason
        task = self._task
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    # -- the loop -----------------------------------------------------------------------------

    async def run(self) -> StopReason:
        """Follow until a terminal event, a fatal error or :meth:`stop`; return the reason."""
        sid = self.session_id
        self._board.set(sid, "connecting", deltas=self._deltas)
        try:
            while self.stop_reason is None:
                try:
                    await self._connect_once()
                except _Restart:
                    self._board.set(sid, "connecting", deltas=self._deltas)
                except Exception as exc:
                    await self._after_failure(exc)
        except asyncio.CancelledError:
            if self.stop_reason is None:
                self.stop_reason = "shutdown"
        finally:
            self.synced.clear()
            self._board.set(
                sid, "stopped", reason=self.stop_reason or "shutdown", deltas=self._deltas
            )
        return self.stop_reason or "shutdown"

    async def _after_failure(self, exc: BaseException) -> None:
        self.synced.clear()
        failure = classify(exc)
        self.failures[failure.reason] += 1
        if isinstance(exc, FrameTooLarge | MalformedEventError):
            # Say so: the frame is gone; the reconnect's back-fill re-reads its event.
            log.warning("follower %s: %s; recovering it from history", self.session_id, exc)
        if failure.kind == "fatal":
            log.warning("follower %s stopped: %s", self.session_id, failure.detail)
            self.stop_reason = failure.reason  # type: ignore[assignment]
            return
        if failure.reason == "disk_full":
            # Not a reconnect (it would re-download what cannot be stored): wait, then back-fill.
            self._board.set(self.session_id, "reconnecting", last_error=failure.detail)
            await self._writer.wait_for_space()
            return
        previous = self._board.get(self.session_id)
        outage = previous is not None and previous.state in ("reconnecting", "stale")
        long_outage = (
            outage and previous is not None and time.time() - previous.since > self._stall_timeout
        )
        stale = (
            failure.reason == "stalled"
            or long_outage
            or (previous is not None and previous.state == "stale")
        )
        delay = self._backoff.next_delay(failure.retry_after)
        log.log(
            logging.ERROR if failure.reason == "unexpected" else logging.INFO,
            "follower %s: %s; reconnect %d in %.2fs",
            self.session_id,
            failure.detail,
            self._backoff.attempt,
            delay,
            exc_info=failure.reason == "unexpected",
        )
        self._board.set(
            self.session_id,
            "stale" if stale else "reconnecting",
            attempt=self._backoff.attempt,
            last_error=failure.detail,
            keep_since=outage,
        )
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            # A preview switch (set_deltas) cuts the wait short; it reopens anyway.
            await asyncio.wait_for(self._wake.wait(), delay)

    async def _connect_once(self) -> None:
        stream = self._client.stream_events(
            self.session_id, deltas=self._deltas, stall_timeout=self._stall_timeout
        )
        async with stream:
            self.connects += 1
            queue: asyncio.Queue[_Item] = asyncio.Queue()
            self._queue = queue
            pump = asyncio.create_task(self._pump(stream, queue))
            try:
                async with self._backfill_slots:
                    terminal = await self._backfill()
                if terminal is not None:
                    self.stop_reason = terminal
                    return
                self._board.set(self.session_id, "live", deltas=self._deltas)
                self.synced.set()
                await self._consume(queue)
            finally:
                self._queue = None
                pump.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await pump

    @staticmethod
    async def _pump(stream: EventStream, queue: asyncio.Queue[_Item]) -> None:
        try:
            async for event in stream:
                queue.put_nowait(event)
        except Exception as exc:
            queue.put_nowait(exc)
        else:
            queue.put_nowait(_END)

    async def _consume(self, queue: asyncio.Queue[_Item]) -> None:
        while True:
            batch = [await queue.get()]
            if self._linger > 0 and queue.empty() and isinstance(batch[0], dict):
                # Agent events come in bursts; waiting a moment turns a burst into one
                # writer operation (the writer's cost is mostly per operation, not per row).
                await asyncio.sleep(self._linger)
            while len(batch) < self._batch_max and not queue.empty():
                batch.append(queue.get_nowait())
            events, end = self._split(batch)
            if events:
                await self._ingest_live(events)
                terminal = terminal_reason(events)
                if terminal is not None:
                    if terminal == "terminated":
                        await self._backfill()  # anything written after it, then done
                    self.stop_reason = terminal
                    return
            if end is not None:
                if isinstance(end, BaseException):
                    raise end
                raise ConnectionResetError("stream ended by the server")

    @staticmethod
    def _split(batch: list[_Item]) -> tuple[list[JSONObject], _Item | None]:
        """Events up to the first control item (end, error, restart), and that item.

        The pump stops at an end or error, so only a restart can have events after it; those
        are dropped here and re-read by the back-fill of the reopened stream (they come after
        the cursor, which only covers events ingested before them).
        """
        for index, item in enumerate(batch):
            if not isinstance(item, dict):
                return cast(list[JSONObject], batch[:index]), item  # all dicts, per the loop
        return cast(list[JSONObject], batch), None

    async def _ingest_live(self, events: list[JSONObject]) -> None:
        persisted = []
        for event in events:
            if event.get("type") in PREVIEW_TYPES:
                if self._on_preview is not None:
                    self._on_preview(self.session_id, event)
            else:
                persisted.append(event)
        self._backoff.reset()  # a successful event ends the outage
        if not persisted:
            return
        await self._writer.ingest(self.session_id, persisted, cursor=safe_cursor(persisted))
        self.events_ingested += len(persisted)
        if self._threads is not None and any(mentions_child_thread(e) for e in persisted):
            await self._threads.sync()
