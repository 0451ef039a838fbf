"""The HTTP gate in front of every route: request ids, auth, beta header, body size, rate
limits and request faults (pure ASGI, so streams pass through untouched and unbuffered).

Checks run in this order: ``request-id`` assigned → auth (401) → beta header on ``/v1`` (404,
as the real API answers for endpoints that do not exist without the beta; which beta depends on
the family, as the SDK sends them: memory stores take ``agent-memory-2026-07-22`` or the
managed-agents beta, files and skills need none, everything else the managed-agents beta) →
declared body size
(413) → latency fault → rate limit (429) → injected 429/5xx; a create's answer can be held
back after it was handled (``answer_latency_seconds``). ``/_sim/*`` control endpoints need
the key but skip the beta header, limits and faults. Any exception that escapes a route becomes
a 500 envelope (or a dropped connection if the response already started): the server never dies
on bad input.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from drover.sim.http.context import SimContext
from drover.sim.http.httpio import JSON_TYPE, Receive, Scope, Send, dumps
from drover.sim.http.ratelimit import is_create
from drover.sim.settings import BETA, MEMORY_BETA
from drover.sim.wire.errors import SimError

log = logging.getLogger(__name__)

CONTROL_PREFIX = "/_sim/"
#: Path prefix → the betas any one of which opens it (the SDK's headers; files and skills
#: carry none unless the caller adds some). Everything else under ``/v1`` needs :data:`BETA`.
FAMILY_BETAS: tuple[tuple[str, frozenset[str]], ...] = (
    ("/v1/memory_stores", frozenset({MEMORY_BETA, BETA})),
    ("/v1/files", frozenset()),
    ("/v1/skills", frozenset()),
)


def required_betas(path: str) -> frozenset[str]:
    """The betas that open ``path`` (empty: none needed)."""
    for prefix, betas in FAMILY_BETAS:
        if path == prefix or path.startswith(prefix + "/"):
            return betas
    return frozenset({BETA})


class SimMiddleware:
    """Wraps the Starlette app.

    Args:
        app: The inner ASGI app.
        context: The server's shared state (config, faults, limiter, stats).
    """

    def __init__(self, app: Any, context: SimContext) -> None:
        self.app = app
        self.ctx = context
        self._key = context.config.api_key.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = self.ctx.new_request_id()
        scope.setdefault("state", {})["request_id"] = rid
        self.ctx.requests += 1
        if scope.get("method") in ("GET", "HEAD") and scope.get("path", "").startswith("/v1/"):
            self.ctx.reads += 1
        started = False

        async def send_with_id(message: Any) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message = dict(message)
                message["headers"] = [*message.get("headers", ()), (b"request-id", rid.encode())]
            await send(message)

        try:
            error = await self._gate(scope)
            if error is not None:
                await send_error(send_with_id, error, rid)
                return
            delay = self.ctx.faults.plan.answer_latency_seconds
            if delay and is_create(scope["method"], scope["path"]):
                await self.app(scope, self._capped(receive), _answer_later(send_with_id, delay))
                return
            await self.app(scope, self._capped(receive), send_with_id)
        except SimError as exc:  # e.g. an oversize chunked body noticed while reading
            if not started:
                await send_error(send_with_id, exc, rid)
        except Exception:
            log.exception("unhandled error in %s %s", scope.get("method"), scope.get("path"))
            if not started:
                await send_error(send_with_id, SimError(500, "Internal server error"), rid)

    async def _gate(self, scope: Scope) -> SimError | None:
        headers: dict[bytes, bytes] = {}
        betas: set[str] = set()
        for key, value in scope.get("headers", ()):
            name = key.lower()
            headers.setdefault(name, value)
            if name == b"anthropic-beta":  # a comma list, possibly over several header lines
                betas.update(b.strip() for b in value.decode("latin-1").split(","))
        scheme, _, token = headers.get(b"authorization", b"").partition(b" ")
        bearer_ok = scheme.lower() == b"bearer" and token.strip() == self._key
        if headers.get(b"x-api-key") != self._key and not bearer_ok:
            return SimError(401, "invalid x-api-key")
        path: str = scope["path"]
        if path.startswith(CONTROL_PREFIX):
            return None
        needed = required_betas(path)
        if needed and not needed & betas:
            names = " or ".join(sorted(needed))
            return SimError(404, f"Not found (this endpoint requires anthropic-beta: {names})")
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.ctx.config.max_body_bytes:
            return too_large(self.ctx.config.max_body_bytes)
        faults = self.ctx.faults
        if faults.plan.latency_seconds:
            await asyncio.sleep(faults.plan.latency_seconds)
        limited = self.ctx.limiter.check(scope["method"], path)
        if is_create(scope["method"], path):
            self.ctx.creates.note(limited is not None)
        return limited or faults.request_fault()

    def _capped(self, receive: Receive) -> Receive:
        """Wrap ``receive`` so a body without (or lying about) content-length is still capped."""
        limit = self.ctx.config.max_body_bytes
        seen = 0

        async def capped() -> Any:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                raise too_large(limit)
            return message

        return capped


def _answer_later(send: Send, delay: float) -> Send:
    """`send`, holding the response's start back for `delay` seconds (the work is done)."""

    async def later(message: Any) -> None:
        if message["type"] == "http.response.start":
            await asyncio.sleep(delay)
        await send(message)

    return later


def too_large(limit: int) -> SimError:
    return SimError(413, f"Request body exceeds the maximum of {limit} bytes")


async def send_error(send: Send, error: SimError, rid: str) -> None:
    """Write the error envelope as a complete response."""
    body = dumps(error.envelope(rid)).encode()
    headers = [
        (b"content-type", JSON_TYPE.encode()),
        (b"content-length", str(len(body)).encode()),
        *((k.lower().encode(), v.encode()) for k, v in error.headers.items()),
    ]
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
