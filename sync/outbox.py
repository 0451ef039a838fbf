"""The outbox: the user's actions, written to SQLite first, then delivered exactly once.

Lifecycle of a row (store states): ``queued`` → ``sending`` → ``sent`` (with the server's
event ids) or ``failed`` (with a reason). Rules:

* **Persist first.** :meth:`Outbox.submit` commits the row before anything goes on the wire,
  so an action composed offline or just before a crash survives.
* **Never blind-retry** (the API has no idempotency key, §7.5). A row is claimed — marked
  ``sending`` with this process as its owner — before its first POST. A ``sending`` row of ours
  (after an ambiguous failure) or of a *dead* owner (a crash) is first *looked for in recent
  history*; only when it is verifiably absent is it sent again. First sends of a
  ``user.message`` go through the api's ``send_user_message_once`` helper, which does the same
  check after an ambiguous failure.
* **One sender per row, across processes.** The TUI, `drover send`s and `drover sync` may share
  the mirror. A claim is a compare-and-set in the store, so only one process sends a row; its
  lease is renewed every :data:`LEASE_RENEW_EVERY` seconds while the process lives. A row some
  *live* process is sending — however slow its POST — is left alone (and holds its session's
  lane); only a dead owner's row is taken over and checked (see
  :mod:`drover.sync.process_owner`). Before owners existed, a second process treated every
  ``sending`` row as a crash leftover, found nothing in the history of an idle session, and
  sent the first process's message again. Stopping lets sends already on the wire finish
  (:data:`STOP_GRACE`), so a process that exits never leaves a POST in flight behind a row
  others would then take over; and a dead owner's row is taken over only once its last sign
  of life is :data:`TAKEOVER_GRACE` old, so a POST it sent just before dying has landed.
* **Retry while it can help**: connection failures, 5xx and 429 keep the row and retry it with
  backoff (0.5 s → 30 s, full jitter; 429 honours ``retry-after``) for as long as it takes —
  that is how actions composed offline go out when the API is back. Definitive 4xx (409 on an
  archived session, 400, 404…) mark it ``failed`` with the reason; a 401 keeps it (the key is
  wrong, not the action).
* **Tool answers** for an id that is already answered (400/409 on send) are ``sent``
  (delivered) when history shows an answer for that tool use.
* **Order**: rows of one session go out in order (a follow-up never overtakes the interrupt
  before it); sessions don't wait for each other. One exception: a message still being
  verified does not hold back an answer or interrupt behind it (see
  :func:`~drover.sync.outbox_actions.deliverable`).
* **Settled before absent**: a message accepted while the session is busy is queued and not
  yet listed in history, so "not in history" only counts once the session has settled (the
  api's ``find_sent_message``); until then the row stays ``sending`` and is checked again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from drover.api.errors import SendUncertainError
from drover.api.wire import JSONObject
from drover.sync.backoff import Backoff, classify
from drover.sync.outbox_actions import ACTION_KINDS, ANSWER_FIELD, build_events, deliverable
from drover.sync.outbox_verify import SendAndVerify
from drover.sync.process_owner import ProcessOwner, owner_alive
from drover.sync.service import BackgroundLoop

if TYPE_CHECKING:
    from drover.api.client import ManagedAgentsClient
    from drover.store.api import MirrorReads, MirrorWrites
    from drover.store.models import OutboxRow

__all__ = ["ACTION_KINDS", "LEASE_RENEW_EVERY", "LEASE_SECONDS", "Outbox", "build_events"]

log = logging.getLogger("drover.sync.outbox")

LEASE_SECONDS = 30.0
"""How long a claim on a row holds without renewal (a frozen or remote owner's rows wait this)."""
LEASE_RENEW_EVERY = 10.0
STOP_GRACE = 15.0
"""Seconds :meth:`Outbox.stop` waits for sends already on the wire."""
TAKEOVER_GRACE = 5.0
"""Seconds after a dead owner's last claim or renewal before its row is checked and resent."""
FOREIGN_RECHECK = 1.0
"""Seconds between looks at rows another live process is sending (their commits wake nothing
here)."""


class Outbox(SendAndVerify, BackgroundLoop):
    """Delivers outbox rows; one task for the whole profile.

    Args:
        client: a ``ManagedAgentsClient``.
        writer: the mirror's writer (``MirrorWrites``).
        reader: the mirror's reader (``MirrorReads``).
        on_update: called with the action id after every state change (on the loop).
        retry_cap: longest wait between delivery attempts of a row, seconds.
        history_limit: recent events inspected when verifying an uncertain send.
        clock_skew: seconds of client/server clock difference tolerated when matching.
    """

    task_name = "outbox"

    def __init__(
        self,
        client: ManagedAgentsClient,
        writer: MirrorWrites,
        reader: MirrorReads,
        *,
        on_update: Callable[[int], None] | None = None,
        retry_cap: float = 30.0,
        history_limit: int = 50,
        clock_skew: float = 30.0,
    ) -> None:
        self._client = client
        self._writer = writer
        self._reader = reader
        self._on_update = on_update
        self._retry_cap = retry_cap
        self._history_limit = history_limit
        self._skew = timedelta(seconds=clock_skew)
        self._backoffs: dict[int, Backoff] = {}
        self._not_before: dict[int, float] = {}
        self._last_error: dict[int, str] = {}
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self.owner = str(ProcessOwner.current())
        self._stopping = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._sending: asyncio.Future[list[None]] | None = None

    # -- public -------------------------------------------------------------------------------

    async def submit(self, session_id: str, kind: str, payload: JSONObject) -> int:
        """Validate, persist (committed before returning) and schedule an action.

        Returns:
            The local outbox id (its state is readable via ``MirrorReads.outbox``).

        Raises:
            ValueError: an invalid action (nothing was persisted).
        """
        build_events(kind, payload)
        action_id = await self._writer.enqueue_action(session_id, kind, dict(payload))
        self._notify(action_id)
        self._wake.set()
        return action_id

    def start(self) -> None:
        """Start delivering (and remember the loop `poke` wakes)."""
        self._loop = asyncio.get_running_loop()
        super().start()

    def poke(self) -> None:
        """Look at the outbox again, from any thread: another process (a viewer of a shared
        mirror) may have queued a row, and its insert woke nothing here."""
        loop = self._loop
        if loop is not None and not self._wake.is_set():
            with contextlib.suppress(RuntimeError):  # the loop closed: nothing to wake
                loop.call_soon_threadsafe(self.wake)

    def wake(self) -> None:
        """Look at the outbox now: another writer (a rule's answer) queued a row."""
        self._wake.set()

    def last_error(self, action_id: int) -> str | None:
        """The latest transient failure of a row still being retried (for the UI)."""
        return self._last_error.get(action_id)

    async def stop(self, grace: float = STOP_GRACE) -> None:
        """Stop delivering: claim nothing more, let sends on the wire finish (up to `grace`
        seconds), then end the loop. A row still unsettled stays for the next run."""
        self._stopping = True
        busy = self._sending
        if busy is not None and not busy.done():
            with contextlib.suppress(TimeoutError, asyncio.CancelledError, Exception):
                await asyncio.wait_for(asyncio.shield(busy), grace)
        await super().stop()
        self._stopping = False

    async def wait_idle(self) -> None:
        """Wait until no row is queued or sending."""
        while await asyncio.to_thread(self._reader.outbox, unfinished=True):
            self._idle.clear()
            self._wake.set()
            await self._idle.wait()

    # -- the loop -----------------------------------------------------------------------------

    def _held_elsewhere(self, row: OutboxRow, now: float) -> bool:
        """A row another live process is sending: not ours to touch."""
        return (
            row.state == "sending"
            and row.owner != self.owner
            and owner_alive(row.owner, row.lease_until, now=now)
        )

    async def _run(self) -> None:
        renewer = asyncio.create_task(self._renew_leases(), name="outbox-leases")
        try:
            await self._deliver_forever()
        finally:
            renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewer

    async def _deliver_forever(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            self._wake.clear()
            if self._stopping:  # claims are refused now: wait for stop() to end the loop
                await asyncio.sleep(FOREIGN_RECHECK)
                continue
            rows = await asyncio.to_thread(self._reader.outbox, unfinished=True)  # a round trip
            if not rows:
                self._idle.set()
                await self._wake.wait()
                continue
            heads = deliverable(rows)
            now, wall = loop.time(), time.time()
            foreign = {r.id for r in heads if self._held_elsewhere(r, wall)}
            due = [
                r for r in heads if r.id not in foreign and self._not_before.get(r.id, 0.0) <= now
            ]
            if due:
                self._sending = asyncio.gather(*(self._deliver(r) for r in due))
                await self._sending
                continue
            waits = [self._not_before[r.id] - now for r in heads if r.id in self._not_before]
            if foreign or len(waits) < len(heads):
                waits.append(FOREIGN_RECHECK)  # another process's progress wakes nothing here
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), max(0.0, min(waits)))

    async def _renew_leases(self) -> None:
        """Keep this process's claims alive while it runs (a slow POST is not a dead owner)."""
        while True:
            await asyncio.sleep(LEASE_RENEW_EVERY)
            rows = await asyncio.to_thread(self._reader.outbox, unfinished=True)
            mine = [r for r in rows if r.state == "sending" and r.owner == self.owner]
            if mine:
                try:
                    await self._writer.renew_leases(self.owner, time.time() + LEASE_SECONDS)
                except Exception:  # the next round tries again; the lease still has 20 s
                    log.exception("outbox: renewing leases failed")

    async def _claim(self, row: OutboxRow) -> bool:
        """Make this process the row's sender; False when another process got there first.

        A `sending` row of a dead owner is taken over (its owner is compared, so two processes
        taking over the same row cannot both succeed); one of ours is ours already.
        """
        if self._stopping:
            return False
        now = time.time()
        lease = now + LEASE_SECONDS
        if row.state != "sending":
            return await self._writer.claim_action(row.id, self.owner, lease)
        if row.owner == self.owner:
            return True
        last_alive = (row.lease_until or 0.0) - LEASE_SECONDS
        if now - last_alive < TAKEOVER_GRACE:
            self._not_before[row.id] = asyncio.get_running_loop().time() + TAKEOVER_GRACE
            return False
        taken = await self._writer.claim_action(
            row.id, self.owner, lease, take_over=row.owner or ""
        )
        if taken:
            log.info("outbox %d: its sender %s is gone; checking history", row.id, row.owner)
        return taken

    async def _deliver(self, row: OutboxRow) -> None:
        try:
            if not await self._claim(row):
                return  # another process is sending it
            if row.state == "sending":
                found = await self._find_delivered(row)
                if found is not None:
                    await self._done(row.id, found)
                    return
            else:
                self._notify(row.id)
            ids = await self._send(row)
            await self._done(row.id, ids)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            await self._failed_attempt(row, exc)

    async def _failed_attempt(self, row: OutboxRow, exc: Exception) -> None:
        failure = classify(exc)
        # A 401 is about the key, not the action: keep the row for when the key is fixed.
        retry = failure.kind in ("transient", "rate_limited") or failure.reason == "unauthorized"
        if isinstance(exc, SendUncertainError) or retry:
            backoff = self._backoffs.setdefault(row.id, Backoff(0.5, self._retry_cap))
            delay = backoff.next_delay(failure.retry_after)
            self._not_before[row.id] = asyncio.get_running_loop().time() + delay
            self._last_error[row.id] = failure.detail
            if failure.reason == "unexpected":  # a bug, not the network: say so loudly
                log.error(
                    "outbox %d: unexpected failure; retry in %.2fs", row.id, delay, exc_info=exc
                )
            else:
                log.info("outbox %d: %s; retry in %.2fs", row.id, failure.detail, delay)
            return
        if row.kind in ANSWER_FIELD and failure.kind == "rejected":
            # Already answered (by us before a crash, or by another client): delivered.
            with contextlib.suppress(Exception):
                found = await self._find_delivered(row)
                if found is not None:
                    await self._done(row.id, found)
                    return
        await self._writer.mark_failed(row.id, f"{failure.reason}: {failure.detail}")
        self._forget(row.id)

    async def _done(self, action_id: int, server_ids: list[str]) -> None:
        await self._writer.mark_sent(action_id, server_ids)
        self._forget(action_id)

    def _forget(self, action_id: int) -> None:
        self._backoffs.pop(action_id, None)
        self._not_before.pop(action_id, None)
        self._last_error.pop(action_id, None)
        self._notify(action_id)

    def _notify(self, action_id: int) -> None:
        if self._on_update is not None:
            try:
                self._on_update(action_id)
            except Exception:
                log.exception("outbox observer failed")
