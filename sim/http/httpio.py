"""Small HTTP helpers shared by the gate, the routes and the streams: JSON in, JSON out, errors
as envelopes, and the ASGI types."""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from drover.sim.wire.errors import SimError, invalid

JSON_TYPE = "application/json"

#: The ASGI callable's arguments.
Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


def dumps(obj: Any) -> str:
    """Compact JSON, non-ASCII kept raw (U+2028 and multi-byte UTF-8 travel as the real API
    sends them, so clients must cope)."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def json_response(obj: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON response (the ``request-id`` header is added by the middleware)."""
    return Response(dumps(obj).encode(), status, headers=headers, media_type=JSON_TYPE)


def error_response(error: SimError, request_id: str) -> Response:
    """The protocol's error envelope for ``error`` (§1.4), with its extra headers."""
    return json_response(error.envelope(request_id), error.status, error.headers)


def request_id(request: Request) -> str:
    """The id the middleware assigned to this request."""
    return request.scope.get("state", {}).get("request_id", "req_unknown")


async def read_object(request: Request, *, optional: bool = False) -> dict:
    """Parse the request body as a JSON object.

    Args:
        request: The request.
        optional: Accept an empty body as ``{}`` (for action endpoints such as ``/archive``).

    Raises:
        SimError: 400 for malformed JSON or a body that is not an object.
    """
    raw = await request.body()
    if not raw.strip():
        if optional:
            return {}
        raise invalid("request body is required")
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        raise invalid(f"malformed JSON body: {exc}") from None
    if not isinstance(body, dict):
        raise invalid("request body must be a JSON object")
    return body


async def call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call a domain method that may be sync or async (the facade promises plain values)."""
    result = fn(*args, **kwargs)
    if inspect.isawaitable(result):
        result = await result
    return result
