"""Server-sent events: framing, heartbeats, stream faults and the registry of open streams.

Wire format (protocol §8.1): an initial ``: connected`` comment, then one
``event: <type>\\ndata: <single-line JSON>\\n\\n`` frame per event, and ``: ping`` comments
every ``heartbeat_seconds`` (the SDK ignores comments; they keep per-chunk read timeouts alive).

Streams stay open across idle and after ``session.status_terminated`` (the real API leaves
that undocumented; clients close on it themselves) and end after ``session.deleted``.

Frames come from the domain's :class:`~drover.sim.engine.log.Subscription` queue. The stream
also puts its own control signals (heartbeat ticks, drop orders, client disconnect) into that
queue, so the writer awaits exactly one thing and frames queued together go out in one write.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

from drover.sim.engine.log import Subscription
from drover.sim.http.faults import FaultInjector
from drover.sim.http.httpio import Receive, Scope, Send, dumps

CONNECTED = b": connected\n\n"
PING = b": ping\n\n"
#: Frames written in one ``send`` at most; bounds latency of the first frame in a burst.
_BATCH = 256
_ABORT_LOG = "ASGI callable returned without completing response."


def encode_frame(event: dict) -> bytes:
    """One SSE frame for ``event``: ``event: <type>`` + single-line JSON ``data:``.

    ``json.dumps`` escapes CR/LF inside strings, so the data line never breaks; U+2028 and other
    non-ASCII characters stay raw, as the real API sends them.
    """
    return f"event: {event.get('type', 'message')}\ndata: {dumps(event)}\n\n".encode()


def _error_frame() -> bytes:
    """An ``event: error`` frame as the SDK expects one (it raises an ``APIStatusError``)."""
    body = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    return f"event: error\ndata: {dumps(body)}\n\n".encode()


@dataclass(frozen=True)
class _Signal:
    """A control item the stream puts into its own frame queue."""

    kind: str  # "ping" | "drop" | "gone"
    mode: str = "clean"


_TICK = _Signal("ping")
_GONE = _Signal("gone")


@dataclass
class StreamStats:
    """Counters for ``GET /_sim/stats``."""

    opened: int = 0
    frames: int = 0
    open: set[EventStream] = field(default_factory=set)

    def drop_all(self, mode: str = "clean") -> int:
        """Tell every open stream to close now (``clean``, ``abort`` or ``mid_frame``)."""
        streams = list(self.open)
        for stream in streams:
            stream.drop(mode)
        return len(streams)


class _QuietAborts(logging.Filter):
    """Hide uvicorn's complaint about the responses we cut on purpose (stream faults)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != _ABORT_LOG


logging.getLogger("uvicorn.error").addFilter(_QuietAborts())


class EventStream:
    """An ASGI response that writes one subscription as SSE until it ends.

    Args:
        sub: The domain subscription (closed when the response ends, whatever the reason).
        faults: The injector whose current plan decides stream faults.
        stats: Where the stream registers itself and counts frames.
        heartbeat_seconds: Interval of ``: ping`` comments.
    """

    def __init__(
        self,
        sub: Subscription,
        *,
        faults: FaultInjector,
        stats: StreamStats,
        heartbeat_seconds: float,
    ) -> None:
        self.sub = sub
        self._faults = faults
        self._stats = stats
        self._heartbeat = heartbeat_seconds
        self._frames = 0
        self._stalled = False

    def drop(self, mode: str = "clean") -> None:
        """Close this stream from the server side (used by ``/_sim/streams/drop`` and stop)."""
        self.sub.push(_Signal("drop", mode))  # type: ignore[arg-type]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self._stats.opened += 1
        self._stats.open.add(self)
        ticker = asyncio.create_task(self._tick())
        watcher = asyncio.create_task(self._watch(receive))
        try:
            headers = [
                (b"content-type", b"text/event-stream; charset=utf-8"),
                (b"cache-control", b"no-cache"),
                (b"x-accel-buffering", b"no"),
            ]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": CONNECTED, "more_body": True})
            ending = await self._pump(send)
            if ending == "clean":
                await send({"type": "http.response.body", "body": b"", "more_body": False})
            # "abort"/"gone": return with the response incomplete; uvicorn drops the connection.
        finally:
            ticker.cancel()
            watcher.cancel()
            self.sub.close()
            self._stats.open.discard(self)

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(self._heartbeat)
            self.sub.push(_TICK)  # type: ignore[arg-type]

    async def _watch(self, receive: Receive) -> None:
        while (await receive())["type"] != "http.disconnect":
            pass
        self.sub.push(_GONE)  # type: ignore[arg-type]

    async def _pump(self, send: Send) -> str:
        """Write frames until the stream ends; return how it ends (clean/abort/gone)."""
        queue = self.sub.queue
        while True:
            items = [await queue.get()]
            while len(items) < _BATCH and not queue.empty():
                items.append(queue.get_nowait())
            out: list[bytes] = []
            ending = self._consume(items, out)
            if out:
                await send({"type": "http.response.body", "body": b"".join(out), "more_body": True})
            if ending:
                return ending

    def _consume(self, items: list[Any], out: list[bytes]) -> str | None:
        """Turn queued items into bytes in ``out``; return an ending if the stream must end."""
        for item in items:
            if item is None:  # the domain ended the stream (session deleted, log closed)
                return None if self._stalled else "clean"
            if type(item) is _Signal:
                if item.kind == "gone":
                    return "gone"
                if item.kind == "drop":
                    return self._cut(item.mode, None, out)
                if not self._stalled:
                    out.append(PING)
                continue
            if self._stalled:
                continue
            plan = self._faults.plan
            if plan.stream_close_after and self._frames >= plan.stream_close_after:
                self._faults.injected += 1
                return self._cut(plan.stream_close_mode, item, out)
            out.append(encode_frame(item))
            self._frames += 1
            self._stats.frames += 1
            if item.get("type") == "session.deleted":
                return "clean"  # nothing follows a deletion (§6.5)
            if plan.stream_error_after and self._frames >= plan.stream_error_after:
                self._faults.injected += 1
                out.append(_error_frame())
                return "clean"
            if plan.stream_stall_after and self._frames >= plan.stream_stall_after:
                self._faults.injected += 1
                self._stalled = True
        return None

    @staticmethod
    def _cut(mode: str, pending: dict | None, out: list[bytes]) -> str:
        if mode == "mid_frame":
            frame = encode_frame(pending) if pending else PING
            out.append(frame[: max(1, len(frame) // 2)])
            return "abort"
        return mode
