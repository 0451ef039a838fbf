"""Sending user actions without duplicates, although the API has no idempotency key (§7.5).

A ``POST …/events`` whose response is lost may or may not have been stored. Re-sending
blindly can create a second ``user.message``; never re-sending can lose it. So:

* **User messages** (:meth:`SendMethods.send_user_message_once`): after an *ambiguous*
  failure (the connection dropped after the request may have left, a timeout, 408, 5xx/529)
  the recent history is listed (``types[]=user.message&order=desc&limit=N``) and searched
  for the message before anything is re-sent.

  **Matching rule**: an event matches when its ``type`` is ``user.message``, its id is not
  in ``known_ids`` (events the caller already had before sending), the concatenation of
  the ``text`` of its text blocks equals the sent text exactly, and its ``processed_at`` is
  null (still queued) or not earlier than the first send attempt minus ``clock_skew``
  seconds (client and server clocks differ). A match means "already delivered". If
  history cannot be read, nothing is re-sent and :class:`SendUncertainError` is raised.
  Absence is only conclusive once the session has **settled**: a message accepted while a
  turn runs (or while the turn waits on ``requires_action``) is queued, and a queued event is
  not in the history listing until the agent processes it. So each check first asks whether
  the session is settled (terminated, or idle for a reason other than ``requires_action``)
  and *then* reads history: whatever was accepted before a settled check has been processed
  and is listed afterwards. While the session is still busy nothing is re-sent; after
  ``settle_timeout`` seconds :class:`SendUncertainError` is raised and the caller retries the
  verification later (:meth:`SendMethods.find_sent_message`).

* **Tool answers** (:meth:`SendMethods.send_tool_answer_once`): answering an id twice is
  rejected by the server with a 4xx, so after an ambiguous failure the answer is simply
  re-sent, and a 400/409 on that re-send means the first attempt landed.

Definitive failures (other 4xx) are raised unchanged on the first attempt.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from drover.api.errors import (
    ApiError,
    BadRequestError,
    ConflictError,
    ConnectionFailed,
    DroverApiError,
    SendUncertainError,
    ServerError,
)
from drover.api.platform import PlatformMethods
from drover.api.timestamps import parse_timestamp
from drover.api.wire import JSONObject

__all__ = ["SendMethods", "SendOutcome", "is_ambiguous", "message_text"]

SendStatus = Literal["sent", "resent", "already_delivered"]
"""How a send ended: see :class:`SendOutcome`."""


@dataclass(frozen=True, slots=True)
class SendOutcome:
    """What happened to a send.

    Attributes:
        status: ``"sent"`` (first POST succeeded), ``"resent"`` (an earlier attempt failed
            ambiguously, was verified absent, and a later POST succeeded) or
            ``"already_delivered"`` (an earlier ambiguous attempt turned out to have landed).
        event: the receipt echo, or the matching history event; None when the server only
            told us (by a 4xx) that a tool answer was already recorded.
        attempts: POSTs made.
    """

    status: SendStatus
    event: JSONObject | None
    attempts: int


def is_ambiguous(exc: BaseException) -> bool:
    """Whether a failed send may nevertheless have been stored by the server."""
    if isinstance(exc, ConnectionFailed):
        return exc.maybe_sent
    if isinstance(exc, ServerError):
        return True
    return isinstance(exc, ApiError) and exc.status == 408


def message_text(event: JSONObject) -> str:
    """The text of an event's text blocks, concatenated (the matching key for sends)."""
    content = event.get("content")
    if not isinstance(content, list):
        return ""
    return "".join(
        block.get("text", "")
        for block in content
        if isinstance(block, dict)
        and block.get("type") == "text"
        and isinstance(block.get("text"), str)
    )


class SendMethods(PlatformMethods):
    """Duplicate-safe sends built on :meth:`ResourceMethods.send_events`."""

    async def send_user_message_once(
        self,
        session_id: str,
        text: str,
        *,
        known_ids: Collection[str] = (),
        max_sends: int = 2,
        verify_delays: Sequence[float] = (0.5, 2.0),
        history_limit: int = 20,
        clock_skew: float = 30.0,
        settle_timeout: float = 20.0,
    ) -> SendOutcome:
        """Send a text ``user.message`` so that it lands at most once.

        Args:
            session_id: the session.
            text: the message text (one text block).
            known_ids: ids of ``user.message`` events known before this send; excluded from
                matching, so an identical older message is not mistaken for this one.
            max_sends: POSTs allowed in total (the first plus verified re-sends).
            verify_delays: pauses before each history check after an ambiguous failure.
            history_limit: how many recent user messages to inspect.
            clock_skew: seconds of client/server clock difference tolerated.
            settle_timeout: how long to wait for a busy session to settle before giving up
                on deciding whether an ambiguous send landed.

        Returns:
            A :class:`SendOutcome`.

        Raises:
            ApiError: a definitive rejection (e.g. 400 while paused at budget, 409 archived).
            SendUncertainError: still ambiguous after ``max_sends``, history unreadable, or
                the session stayed busy for ``settle_timeout`` after an ambiguous failure.
        """
        event = {"type": "user.message", "content": [{"type": "text", "text": text}]}
        since = datetime.now(UTC) - timedelta(seconds=clock_skew)
        known = set(known_ids)
        last: BaseException | None = None
        for attempt in range(1, max_sends + 1):
            try:
                receipt = await self.send_events(session_id, [event])
            except DroverApiError as exc:
                if not is_ambiguous(exc):
                    raise
                last = exc
                try:
                    found = await self.find_sent_message(
                        session_id,
                        text,
                        since=since,
                        known_ids=known,
                        delays=verify_delays,
                        settle_timeout=settle_timeout,
                        limit=history_limit,
                    )
                except SendUncertainError as uncertain:
                    raise SendUncertainError(
                        f"send to session {session_id} failed ({exc}); {uncertain}", cause=exc
                    ) from None
                if found is not None:
                    return SendOutcome("already_delivered", found, attempt)
                continue
            status: SendStatus = "sent" if attempt == 1 else "resent"
            return SendOutcome(status, receipt[0] if receipt else None, attempt)
        raise SendUncertainError(
            f"message to session {session_id} may not have been delivered after "
            f"{max_sends} attempts ({last})",
            cause=last,
        )

    async def find_sent_message(
        self,
        session_id: str,
        text: str,
        *,
        since: datetime,
        known_ids: Collection[str] = (),
        delays: Sequence[float] = (0.0,),
        settle_timeout: float = 0.0,
        limit: int = 20,
    ) -> JSONObject | None:
        """Find a ``user.message`` this client may have sent; None only if it surely wasn't.

        The matching rule is in the module docstring. Each check asks whether the session has
        settled *before* reading history, so a None is conclusive: a queued copy would have
        been processed, and listed, by then.

        Args:
            session_id: the session.
            text: the message text.
            since: the first send attempt's time (minus tolerated clock skew).
            known_ids: ids that belong to other messages (excluded from matching).
            delays: pauses before the first checks (the server may need a moment).
            settle_timeout: after ``delays``, keep checking this long while the session is busy.
            limit: how many recent user messages to inspect per check.

        Returns:
            The matching event, or None when the session has settled without it.

        Raises:
            SendUncertainError: history or status unreadable, or the session still busy.
        """
        known = set(known_ids)
        loop = asyncio.get_running_loop()
        deadline: float | None = None
        pauses = iter(delays or (0.0,))
        while True:
            pause = next(pauses, None)
            if pause is None:
                deadline = deadline or loop.time() + settle_timeout
                if loop.time() >= deadline:
                    raise SendUncertainError(
                        f"session {session_id} is still busy, so whether the message landed "
                        "cannot be known yet"
                    )
                pause = min(2.0, max(0.0, deadline - loop.time()))
            await asyncio.sleep(pause)
            try:
                settled = await self.session_settled(session_id)
                page = await self.list_events(
                    session_id, types=["user.message"], order="desc", limit=limit
                )
            except DroverApiError as exc:
                # Without history we cannot know; re-sending could duplicate. Stop here.
                raise SendUncertainError(
                    f"history could not be checked for session {session_id} ({exc})"
                ) from None
            for candidate in page.data:
                if self._matches(candidate, text, since, known):
                    return candidate
            if settled:
                return None

    async def session_settled(self, session_id: str) -> bool:
        """Whether the session has processed everything it accepted (nothing is queued).

        True when it is terminated, or idle for any reason but ``requires_action`` (only that
        stop reason leaves the turn open, with later messages queued behind it).
        """
        status = (await self.retrieve_session(session_id)).get("status")
        if status == "terminated":
            return True
        if status != "idle":
            return False
        page = await self.list_events(
            session_id, types=["session.status_idle"], order="desc", limit=1
        )
        stop = (page.data[0].get("stop_reason") or {}) if page.data else {}
        return stop.get("type") != "requires_action"

    @staticmethod
    def _matches(event: JSONObject, text: str, since: datetime, known: set[str]) -> bool:
        if event.get("type") != "user.message" or event.get("id") in known:
            return False
        if message_text(event) != text:
            return False
        processed = event.get("processed_at")
        if processed is None:
            return True
        when = parse_timestamp(processed)
        return when is None or when >= since

    async def send_tool_answer_once(
        self,
        session_id: str,
        event: JSONObject,
        *,
        max_sends: int = 3,
        already_answered_ok: bool = False,
    ) -> SendOutcome:
        """Send a ``user.tool_confirmation`` / ``user.custom_tool_result`` at most once.

        Args:
            session_id: the session.
            event: the answer event as sent on the wire.
            max_sends: POSTs allowed in total.
            already_answered_ok: also treat a 400/409 on the *first* attempt as
                "already delivered" (e.g. another client answered first). Off by default
                because the same statuses mean "unknown id" or "bad request".

        Returns:
            A :class:`SendOutcome`.

        Raises:
            ApiError: a definitive rejection.
            SendUncertainError: still ambiguous after ``max_sends``.
        """
        ambiguous_before = False
        last: BaseException | None = None
        for attempt in range(1, max_sends + 1):
            try:
                receipt = await self.send_events(session_id, [event])
            except DroverApiError as exc:
                if not is_ambiguous(exc):
                    rejected = isinstance(exc, (BadRequestError, ConflictError))
                    if rejected and (ambiguous_before or already_answered_ok):
                        return SendOutcome("already_delivered", None, attempt)
                    raise
                ambiguous_before, last = True, exc
                if attempt < max_sends:
                    await asyncio.sleep(self.retry_policy.backoff(attempt))
                continue
            status: SendStatus = "resent" if ambiguous_before else "sent"
            return SendOutcome(status, receipt[0] if receipt else None, attempt)
        raise SendUncertainError(
            f"answer to session {session_id} may not have been delivered after "
            f"{max_sends} attempts ({last})",
            cause=last,
        )

    async def confirm_tool(
        self,
        session_id: str,
        tool_use_id: str,
        *,
        allow: bool,
        deny_message: str | None = None,
        already_answered_ok: bool = False,
    ) -> SendOutcome:
        """Allow or deny a pending tool call (``tool_use_id`` is the ``sevt_`` event id)."""
        event: JSONObject = {
            "type": "user.tool_confirmation",
            "tool_use_id": tool_use_id,
            "result": "allow" if allow else "deny",
        }
        if not allow and deny_message:
            event["deny_message"] = deny_message
        return await self.send_tool_answer_once(
            session_id, event, already_answered_ok=already_answered_ok
        )
