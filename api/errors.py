"""Typed errors for the Managed Agents client.

Every error raised by :mod:`drover.api` derives from :class:`DroverApiError`. HTTP error
responses become :class:`ApiError` subclasses chosen by status code (§1.4 of the protocol
notes: branch on status + ``error_code``, never on the message). Messages never contain the
API key: they are built only from the status, the server's error envelope and the request id.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # only named in annotations: the errors load without the HTTP stack
    import httpx

__all__ = [
    "ApiError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "ConnectionFailed",
    "DroverApiError",
    "FrameTooLarge",
    "MalformedEventError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "SendUncertainError",
    "ServerError",
    "StreamError",
    "StreamStalled",
    "api_error_from_payload",
    "api_error_from_response",
]


class DroverApiError(Exception):
    """Base class of every error raised by drover.api."""


class ApiError(DroverApiError):
    """The server answered with an error status (or an ``event: error`` stream frame).

    Attributes:
        status: HTTP status code, or None for an error delivered inside an SSE stream.
        error_type: ``error.type`` from the envelope (e.g. ``not_found_error``), if any.
        error_code: ``error.details.error_code``, the stable machine code, if any.
        request_id: ``request-id`` header or the body's ``request_id``.
        message: the server's human-readable message (for display, never for branching).
        body: the parsed JSON body, or None when the body was not JSON.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        error_type: str | None = None,
        error_code: str | None = None,
        request_id: str | None = None,
        body: object = None,
    ) -> None:
        self.message = message
        self.status = status
        self.error_type = error_type
        self.error_code = error_code
        self.request_id = request_id
        self.body = body
        super().__init__(self._describe())

    def _describe(self) -> str:
        parts = [str(self.status) if self.status is not None else "stream error"]
        if self.error_type:
            parts.append(self.error_type)
        if self.error_code:
            parts.append(f"code={self.error_code}")
        text = " ".join(parts) + f": {self.message}"
        if self.request_id:
            text += f" (request_id={self.request_id})"
        return text


class BadRequestError(ApiError):
    """400 ``invalid_request_error`` (and other unmapped 4xx)."""


class AuthenticationError(ApiError):
    """401: missing, bad, revoked or expired key."""


class PermissionDeniedError(ApiError):
    """403: the key lacks access."""


class NotFoundError(ApiError):
    """404: unknown path or id (also: beta header missing on thread endpoints)."""


class ConflictError(ApiError):
    """409: state conflict (e.g. sending to an archived session)."""


class RateLimitError(ApiError):
    """429. ``retry_after`` is the server's advice in seconds, or None when absent."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kw)


class ServerError(ApiError):
    """5xx, including 529 ``overloaded_error`` and 504 ``timeout_error``."""


class ConnectionFailed(DroverApiError):
    """The request did not get an HTTP response (DNS, refused, reset, timeout, protocol error).

    Attributes:
        maybe_sent: False when the failure happened before the request could have reached
            the server (connect error / connect timeout / pool timeout); True when it may
            have been received and acted on. Sends use this to decide whether to verify.
    """

    def __init__(self, message: str, *, maybe_sent: bool = True) -> None:
        self.maybe_sent = maybe_sent
        super().__init__(message)


class StreamError(DroverApiError):
    """Base class of failures specific to an SSE stream."""


class StreamStalled(StreamError):
    """Nothing (no frame, no heartbeat) arrived for ``stall_timeout`` seconds."""

    def __init__(self, stall_timeout: float) -> None:
        self.stall_timeout = stall_timeout
        super().__init__(f"stream stalled: nothing received for {stall_timeout:g} s")


class MalformedEventError(StreamError):
    """A ``data:`` payload was not a JSON object. ``snippet`` holds its first 200 chars."""

    def __init__(self, event_name: str, snippet: str, reason: str) -> None:
        self.event_name = event_name
        self.snippet = snippet
        super().__init__(f"malformed SSE data for event {event_name!r}: {reason}: {snippet!r}")


class FrameTooLarge(StreamError):
    """An SSE line or frame grew past the stream's cap; it was dropped with the connection.

    Attributes:
        limit: the cap, in characters.
        received: how much of it had arrived when it was dropped.
        head: its first characters (for the log and the quarantine).
    """

    def __init__(self, limit: int, received: int, head: str) -> None:
        self.limit = limit
        self.received = received
        self.head = head
        super().__init__(
            f"stream frame over {limit:,} characters dropped ({received:,} received); "
            "the event is re-read from history"
        )


class SendUncertainError(DroverApiError):
    """A send failed ambiguously and could not be confirmed or safely repeated.

    The message may or may not have been delivered; the caller should tell the user and
    let the mirror show the truth once the stream or history catches up.
    """

    def __init__(self, message: str, *, cause: BaseException | None = None) -> None:
        self.cause = cause
        super().__init__(message)


_BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    429: RateLimitError,
}

_BY_TYPE: dict[str, type[ApiError]] = {
    "invalid_request_error": BadRequestError,
    "authentication_error": AuthenticationError,
    "permission_error": PermissionDeniedError,
    "not_found_error": NotFoundError,
    "conflict_error": ConflictError,
    "rate_limit_error": RateLimitError,
    "api_error": ServerError,
    "overloaded_error": ServerError,
    "timeout_error": ServerError,
}


def _class_for(status: int | None, error_type: str | None) -> type[ApiError]:
    if status is not None:
        if status >= 500:
            return ServerError
        if status in _BY_STATUS:
            return _BY_STATUS[status]
        if 400 <= status < 500:
            return BadRequestError
        return ApiError
    return _BY_TYPE.get(error_type or "", ApiError)


def api_error_from_payload(
    payload: object,
    *,
    status: int | None = None,
    request_id: str | None = None,
    retry_after: float | None = None,
    fallback_message: str = "",
) -> ApiError:
    """Build the typed error for an error envelope (already parsed, or any JSON value).

    Args:
        payload: the parsed body; tolerated when it is not the documented envelope.
        status: HTTP status, or None for an ``event: error`` stream frame.
        request_id: the ``request-id`` header; the body's ``request_id`` is the fallback.
        retry_after: seconds, used for RateLimitError.
        fallback_message: used when the body carries no message.

    Returns:
        An ApiError subclass instance (not raised).
    """
    err = payload.get("error") if isinstance(payload, dict) else None
    err = err if isinstance(err, dict) else {}
    details = err.get("details")
    error_code = details.get("error_code") if isinstance(details, dict) else None
    error_type = err.get("type") if isinstance(err.get("type"), str) else None
    message = err.get("message") if isinstance(err.get("message"), str) else None
    if request_id is None and isinstance(payload, dict):
        body_rid = payload.get("request_id")
        request_id = body_rid if isinstance(body_rid, str) else None
    cls = _class_for(status, error_type)
    kwargs: dict[str, Any] = dict(
        status=status,
        error_type=error_type,
        error_code=error_code,
        request_id=request_id,
        body=payload,
    )
    if cls is RateLimitError:
        kwargs["retry_after"] = retry_after
    return cls(message or fallback_message or "error", **kwargs)


def api_error_from_response(response: httpx.Response, retry_after: float | None) -> ApiError:
    """Build the typed error for an HTTP error response whose body has been read.

    Non-JSON bodies (an HTML page from a proxy, an empty 502) keep a short text excerpt as
    the message so the user sees something useful.
    """
    text = response.text
    try:
        payload: object = json.loads(text) if text else None
    except ValueError:
        payload = None
    excerpt = " ".join(text.split())[:200] if text else ""
    fallback = excerpt or response.reason_phrase or f"HTTP {response.status_code}"
    return api_error_from_payload(
        payload,
        status=response.status_code,
        request_id=response.headers.get("request-id"),
        retry_after=retry_after,
        fallback_message=fallback,
    )
