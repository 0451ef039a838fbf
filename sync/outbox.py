"""The outbox: the user's actions, written to SQLite first, then delivered exactly once.

Lifecycle of a row (store states): ``queued`` → ``sending`` → ``sent`` (with the server's
event ids) or ``failed`` (with a reason). Rules:

* **Persist first.** :meth:`Outbox.submit` commits the row before anything goes on the wire,
  so an action composed offline or just before a crash survives.
* **Never blind-retry** (the API has no idempotency key, §7.5). A row is marked ``sending``
  before its first POST. Any row found in ``sending`` later (after an ambiguous failure, or at
  start-up after a crash) is first *looked for in recent history*; only when it is verifiably
  absent is it sent again. First sends of a ``user.message`` go through the api's
  ``send_user_message_once`` helper, which does the same check after an ambiguous failure.
* **Retry while it can help**: connection failures, 5xx and 429 keep the row and retry it with
  backoff (0.5 s → 30 s, full jitter; 429 honours ``retry-after``) for as long as it takes —
  that is how actions composed offline go out when the API is back. Definitive 4xx (409 on an
  archived session, 400, 404…) mark it ``failed`` with the reason; a 401 keeps it (the key is
  wrong, not the action).
* **Tool answers** for an id that is already answered (400/409 on send) are ``sent``
  (delivered) when history shows an answer for that tool use.
* **Order**: rows of one session go out in order (a follow-up never overtakes the interrupt
  before it); sessions don't wait for each other. One exception: a message still being
  verified does not hold back an answer or interrupt behind it (see :func:`_deliverable`).
* **Settled before absent**: a message accepted while the session is busy is queued and not
  yet listed in history, so "not in history" only counts once the session has settled (the
  api's ``find_sent_message``); until then the row stays ``sending`` and is checked again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from drover.api.errors import SendUncertainError
from drover.api.timestamps import parse_timestamp
from drover.api.wire import JSONObject
from drover.sync.backoff import Backoff, classify
from drover.sync.service import BackgroundLoop

if TYPE_CHECKING:
    from drover.api.client import ManagedAgentsClient
    from drover.store.api import MirrorReads, MirrorWrites
    from drover.store.models import OutboxRow

__all__ = ["ACTION_KINDS", "Outbox", "build_events"]

log = logging.getLogger("drover.sync.outbox")

ACTION_KINDS = ("message", "interrupt", "tool_confirmation", "custom_tool_result")
_ANSWER_FIELD = {
    "tool_confirmation": ("user.tool_confirmation", "tool_use_id"),
    "custom_tool_result": ("user.custom_tool_result", "custom_tool_use_id"),
}


def build_events(kind: str, payload: JSONObject) -> list[JSONObject]:
    """The wire events for an outbox action; validates the payload.

    Payloads: ``message`` ``{"text"}``; ``interrupt`` ``{"thread_id"?}``;
    ``tool_confirmation`` ``{"tool_use_id", "allow": bool, "deny_message"?}``;
    ``custom_tool_result`` ``{"custom_tool_use_id", "content"?: [blocks] | str, "is_error"?}``.

    Raises:
        ValueError: unknown kind or a payload missing what the kind needs.
    """
    p = payload
    if kind == "message":
        if not isinstance(p.get("text"), str) or not p["text"].strip():
            raise ValueError("a message needs non-empty text")
        return [{"type": "user.message", "content": [{"type": "text", "text": p["text"]}]}]
    if kind == "interrupt":
        event: JSONObject = {"type": "user.interrupt"}
        if p.get("thread_id"):
            event["session_thread_id"] = p["thread_id"]
        return [event]
    if kind == "tool_confirmation":
        if not p.get("tool_use_id") or not isinstance(p.get("allow"), bool):
            raise ValueError("a tool confirmation needs tool_use_id and allow")
        event = {
            "type": "user.tool_confirmation",
            "tool_use_id": p["tool_use_id"],
            "result": "allow" if p["allow"] else "deny",
        }
        if not p["allow"] and p.get("deny_message"):
            event["deny_message"] = p["deny_message"]
        return [event]
    if kind == "custom_tool_result":
        if not p.get("custom_tool_use_id"):
            raise ValueError("a custom tool result needs custom_tool_use_id")
        content = p.get("content") or []
        if isinstance(content, str):
            content = [{"type": "text", "text": content}]
        return [
            {
                "type": "user.custom_tool_result",
                "custom_tool_use_id": p["custom_tool_use_id"],
                "content": content,
                "is_error": bool(p.get("is_error", False)),
            }
        ]
    raise ValueError(f"unknown action kind {kind!r}; known: {ACTION_KINDS}")


def _deliverable(rows: list[OutboxRow]) -> list[OutboxRow]:
    """The rows that may go out now: the oldest unfinished row of each session, plus — when
    that row is a message still being verified (``sending``) — the first answer or interrupt
    behind it. A message queued behind a pending approval cannot be verified until the
    approval is sent, so holding the approval back would deadlock the session's lane.
    """
    lanes: dict[str, list[OutboxRow]] = {}
    for row in rows:  # oldest first
        lane = lanes.setdefault(row.session_id, [])
        if not lane or (
            len(lane) == 1
            and lane[0].kind == "message"
            and lane[0].state == "sending"
            and row.kind != "message"
        ):
            lane.append(row)
    return [row for lane in lanes.values() for row in lane]


class Outbox(BackgroundLoop):
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

    def last_error(self, action_id: int) -> str | None:
        """The latest transient failure of a row still being retried (for the UI)."""
        return self._last_error.get(action_id)

    async def wait_idle(self) -> None:
        """Wait until no row is queued or sending."""
        while self._reader.outbox(unfinished=True):
            self._idle.clear()
            self._wake.set()
            await self._idle.wait()

    # -- the loop -----------------------------------------------------------------------------

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            self._wake.clear()
            rows = self._reader.outbox(unfinished=True)
            if not rows:
                self._idle.set()
                await self._wake.wait()
                continue
            heads = _deliverable(rows)
            now = loop.time()
            due = [r for r in heads if self._not_before.get(r.id, 0.0) <= now]
            if due:
                await asyncio.gather(*(self._deliver(r) for r in due))
                continue
            timeout = min(self._not_before[r.id] for r in heads) - now
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), max(0.0, timeout))

    async def _deliver(self, row: OutboxRow) -> None:
        try:
            if row.state == "sending":
                found = await self._find_delivered(row)
                if found is not None:
                    await self._done(row.id, found)
                    return
            else:
                await self._writer.mark_sending(row.id)
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
        if row.kind in _ANSWER_FIELD and failure.kind == "rejected":
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

    # -- sending and verifying ----------------------------------------------------------------

    async def _send(self, row: OutboxRow) -> list[str]:
        sid, p = row.session_id, row.payload
        if row.kind == "message":
            outcome = await self._client.send_user_message_once(
                sid, p["text"], known_ids=self._claimed_ids(sid)
            )
            return [outcome.event["id"]] if outcome.event and outcome.event.get("id") else []
        events = build_events(row.kind, p)
        if row.kind in _ANSWER_FIELD:
            outcome = await self._client.send_tool_answer_once(sid, events[0])
            return [outcome.event["id"]] if outcome.event and outcome.event.get("id") else []
        receipt = await self._client.send_events(sid, events)
        return [e["id"] for e in receipt if isinstance(e, dict) and e.get("id")]

    def _claimed_ids(self, session_id: str) -> set[str]:
        """Server ids already accounted for: stored user messages and earlier sent rows."""
        ids = {
            e.id
            for e in self._reader.events_by_type(
                session_id, "user.message", limit=self._history_limit
            )
        }
        for row in self._reader.outbox(session_id):
            ids.update(row.server_event_ids or ())
        return ids

    async def _find_delivered(self, row: OutboxRow) -> list[str] | None:
        """Look for the row's event in recent history; its ids if found, else None.

        Raises:
            DroverApiError: history could not be read, or (for a message) the session is
                still busy, so its absence from history proves nothing yet (the row stays
                uncertain and is checked again later).
        """
        sid, p = row.session_id, row.payload
        claimed = {
            i
            for r in self._reader.outbox(sid)
            if r.id != row.id
            for i in (r.server_event_ids or ())
        }
        since = (parse_timestamp(row.created_at) or datetime.now(UTC)) - self._skew
        if row.kind == "message":
            event = await self._client.find_sent_message(
                sid, p["text"], since=since, known_ids=claimed, limit=self._history_limit
            )
            return [event["id"]] if event is not None else None
        etype, ref = _ANSWER_FIELD.get(row.kind, ("user.interrupt", None))
        page = await self._client.list_events(
            sid, types=[etype], order="desc", limit=self._history_limit
        )
        for event in page.data:
            if not isinstance(event, dict) or event.get("id") in claimed:
                continue
            if ref is not None:
                if event.get(ref) == p.get(ref):
                    return [event["id"]]
                continue
            processed = parse_timestamp(event.get("processed_at"))
            if processed is not None and processed < since:
                continue
            return [event["id"]]
        return None
