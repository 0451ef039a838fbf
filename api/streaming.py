"""SSE event streams (§8) with heartbeat ticks and a stall watchdog.

Framing is ``event: <type>`` + ``data: <json>`` + blank line; SSE comments (``: ping``) and
``event: ping`` frames are heartbeats. Lines are split by :mod:`drover.api.sse`, which splits on
CR/LF only, so U+2028/U+2029 inside JSON strings are safe, and caps a line and a frame
(:class:`FrameTooLarge`: the connection is dropped and the follower re-reads history);
``aiter_text`` decodes UTF-8 incrementally, so a multi-byte character split across chunks is
reassembled.

Decisions (tested in tests/api/test_streaming.py):

* **Heartbeats** are not yielded; they call ``on_activity("heartbeat")`` and update
  :attr:`EventStream.last_activity`. Every event calls ``on_activity("event")``.
* **Stall watchdog**: if nothing at all (frame, heartbeat, partial chunk) arrives for
  ``stall_timeout`` seconds while the consumer is waiting, :class:`StreamStalled` is raised
  and the connection is dropped. Time the consumer spends between items does not count.
* **Malformed ``data:``** (not JSON, JSON nested too deep to decode, or not a storable event:
  see :func:`~drover.api.event_screen.screen_event`) raises
  :class:`MalformedEventError` by default: the event cannot be stored losslessly, and the
  follower's reconnect (open → list history → upsert) recovers it from history. With
  ``malformed="skip"`` the frame is dropped, counted in :attr:`EventStream.malformed_count`
  and logged as a warning instead.
* **``event: error``** raises the typed :class:`ApiError` for its envelope (status None).
* The stream is never retried here: reconnecting is the follower's job, because only it
  knows how to back-fill the gap. Each open awaits the rate budget's stream lane and read bucket.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import time
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Literal, cast
from urllib.parse import quote

import httpx

from drover.api.core import ClientCore, EncodedParams, connection_failed, encode_params
from drover.api.errors import (
    MalformedEventError,
    StreamError,
    StreamStalled,
    api_error_from_payload,
    api_error_from_response,
)
from drover.api.event_screen import screen_event
from drover.api.retry import parse_retry_after
from drover.api.sse import MAX_FRAME_CHARS, Comment, Frame, SSEDecoder
from drover.api.wire import JSONObject

__all__ = ["DELTA_TYPES", "EventStream", "StreamMethods"]

log = logging.getLogger("drover.api.stream")

DELTA_TYPES = ("agent.message", "agent.thinking")
ActivityKind = Literal["heartbeat", "event"]
MalformedPolicy = Literal["raise", "skip"]


class EventStream:
    """One open SSE connection; an async context manager and an async iterator of dicts.

    Prefer ``async with client.stream_events(sid) as stream: async for event in stream``.
    Plain ``async for event in client.stream_events(sid)`` also works and closes the
    connection when iteration ends or fails (after a ``break``, only at garbage collection).

    Attributes:
        last_activity: ``time.monotonic()`` of the last bytes received (or of the open).
        heartbeats: heartbeats seen.
        events: events yielded.
        malformed_count: malformed frames skipped (``malformed="skip"`` only).
        response: the httpx response once open (status, headers such as ``request-id``).
    """

    def __init__(
        self,
        core: ClientCore,
        path: str,
        params: EncodedParams,
        *,
        stall_timeout: float | None,
        on_activity: Callable[[ActivityKind], None] | None,
        malformed: MalformedPolicy,
        max_frame_chars: int = MAX_FRAME_CHARS,
    ) -> None:
        self._core = core
        self._max_frame_chars = max_frame_chars
        self._path = path
        self._params = params
        self._stall = (
            None if stall_timeout is None or math.isinf(stall_timeout) else (stall_timeout)
        )
        self._on_activity = on_activity
        self._malformed = malformed
        self._gen: AsyncIterator[JSONObject] | None = None
        self._holds_slot = False
        self._closed = False
        self.response: httpx.Response | None = None
        self.last_activity = time.monotonic()
        self.heartbeats = 0
        self.events = 0
        self.malformed_count = 0

    async def __aenter__(self) -> EventStream:
        await self.open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def __aiter__(self) -> AsyncIterator[JSONObject]:
        if self._gen is None:
            self._gen = self._iterate()
        return self._gen

    async def open(self) -> None:
        """Wait for a stream slot and the read budget, then connect.

        Raises:
            ApiError: (subclass) when the server answers with an error status.
            ConnectionFailed: when the connection cannot be made.
            StreamStalled: when response headers do not arrive within the stall timeout.
            StreamError: when the response is not ``text/event-stream``.
        """
        if self.response is not None:
            return
        core = self._core
        await core._stream_slots.acquire()
        self._holds_slot = True
        core._open_streams += 1
        try:
            await core.rate_budget.acquire_stream()
            request = core._stream.build_request(
                "GET",
                self._path,
                params=self._params,
                headers={"accept": "text/event-stream", "cache-control": "no-store"},
            )
            try:
                async with asyncio.timeout(self._stall):
                    response = await core._stream.send(request, stream=True)
            except TimeoutError:
                raise StreamStalled(self._stall or 0.0) from None
            except httpx.TransportError as exc:
                raise connection_failed("GET", self._path, exc) from None
            self.response = response
            if response.status_code >= 400:
                await response.aread()
                raise api_error_from_response(response, parse_retry_after(response.headers))
            ctype = response.headers.get("content-type", "").partition(";")[0].strip()
            if ctype != "text/event-stream":
                raise StreamError(f"expected text/event-stream, got {ctype!r}")
            self.last_activity = time.monotonic()
        except BaseException:
            await self.aclose()
            raise

    async def aclose(self) -> None:
        """Close the connection and free the stream slot (idempotent)."""
        if self._closed:
            return
        self._closed = True
        gen, self._gen = self._gen, None
        if gen is not None:
            # It may be running (in another task, or this is its own finally): then
            # closing the response below is what ends it.
            with contextlib.suppress(RuntimeError, ValueError):
                await gen.aclose()  # type: ignore[attr-defined]
        if self.response is not None:
            await self.response.aclose()
        if self._holds_slot:
            self._holds_slot = False
            self._core._open_streams -= 1
            self._core._stream_slots.release()

    async def _iterate(self) -> AsyncIterator[JSONObject]:
        owns = self.response is None
        if owns:
            await self.open()
        assert self.response is not None
        chunks = self.response.aiter_text()
        decoder = SSEDecoder(self._max_frame_chars)
        try:
            while True:
                chunk: str | None
                try:
                    async with asyncio.timeout(self._stall):
                        text = await anext(chunks)
                except StopAsyncIteration:
                    pending = decoder.flush()
                    chunk = None
                except TimeoutError:
                    raise StreamStalled(self._stall or 0.0) from None
                except (httpx.TransportError, httpx.StreamClosed) as exc:
                    if self._closed:
                        return  # closed by our own aclose() from another task: a clean end
                    raise connection_failed("GET", self._path, exc) from None
                else:
                    chunk = text
                    self.last_activity = time.monotonic()
                    pending = decoder.feed(text)  # FrameTooLarge: past the cap
                for item in pending:
                    event = self._item(item)
                    if event is not None:
                        yield event
                if chunk is None:
                    return
        finally:
            if owns:
                await self.aclose()

    def _item(self, item: Frame | Comment) -> JSONObject | None:
        if isinstance(item, Comment):
            self._tick("heartbeat")
            return None
        return self._frame(item)

    def _tick(self, kind: ActivityKind) -> None:
        if kind == "heartbeat":
            self.heartbeats += 1
        if self._on_activity is not None:
            self._on_activity(kind)

    def _frame(self, sse: Frame) -> JSONObject | None:
        if sse.event == "ping":
            self._tick("heartbeat")
            return None
        if not sse.data.strip():
            return None  # a frame without data carries nothing to store
        try:
            payload = json.loads(sse.data)
            reason = None
        except json.JSONDecodeError as exc:
            payload, reason = None, f"invalid JSON ({exc.msg} at char {exc.pos})"
        except ValueError as exc:  # e.g. an integer longer than Python converts (no position)
            payload, reason = None, f"invalid JSON ({exc})"
        except RecursionError:  # ~1,000 levels of brackets
            payload, reason = None, "JSON nested too deep to decode"
        if sse.event == "error":
            raise api_error_from_payload(payload, fallback_message=sse.data[:200])
        if reason is None:
            reason = screen_event(payload)
        if reason is not None:
            if self._malformed == "raise":
                raise MalformedEventError(sse.event, sse.data[:200], reason)
            self.malformed_count += 1
            log.warning(
                "skipped malformed SSE frame %r on %s: %s (%d so far)",
                sse.event,
                self._path,
                reason,
                self.malformed_count,
            )
            return None
        self.events += 1
        self._tick("event")
        return cast(JSONObject, payload)  # checked above: a JSON object


class StreamMethods(ClientCore):
    """The streaming endpoints."""

    def stream_events(
        self,
        session_id: str,
        *,
        deltas: bool | Iterable[str] = False,
        thread_id: str | None = None,
        stall_timeout: float | None = None,
        on_activity: Callable[[ActivityKind], None] | None = None,
        malformed: MalformedPolicy = "raise",
        max_frame_chars: int = MAX_FRAME_CHARS,
    ) -> EventStream:
        """Open the live event stream of a session (or of one of its threads).

        Args:
            session_id: the session.
            deltas: True for ``event_deltas[]=agent.message&event_deltas[]=agent.thinking``
                previews, or an explicit iterable of delta types; False for none.
            thread_id: stream one thread (``/threads/{tid}/stream``) instead of the session.
            stall_timeout: seconds without any bytes before :class:`StreamStalled`; None
                uses the client default, ``math.inf`` disables the watchdog.
            on_activity: called with ``"heartbeat"`` or ``"event"`` for every tick.
            malformed: ``"raise"`` (default) or ``"skip"``; see the module docstring.
            max_frame_chars: the cap on one SSE line or frame (see :mod:`drover.api.sse`).

        Returns:
            An unopened :class:`EventStream`; use it with ``async with``.
        """
        sid = quote(session_id, safe="")
        if thread_id is None:
            path = f"/v1/sessions/{sid}/events/stream"
        else:
            path = f"/v1/sessions/{sid}/threads/{quote(thread_id, safe='')}/stream"
        kinds = list(DELTA_TYPES) if deltas is True else list(deltas or [])
        params = encode_params({"event_deltas": kinds or None})
        return EventStream(
            self,
            path,
            params,
            stall_timeout=self.stall_timeout if stall_timeout is None else stall_timeout,
            on_activity=on_activity,
            malformed=malformed,
            max_frame_chars=max_frame_chars,
        )
