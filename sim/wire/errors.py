"""The one exception the sim's domain raises; the HTTP layer turns it into the error envelope."""

from __future__ import annotations

#: HTTP status → ``error.type`` of the protocol's error table (§1.4).
ERROR_TYPES: dict[int, str] = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    409: "conflict_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    504: "timeout_error",
    529: "overloaded_error",
}


class SimError(Exception):
    """A request the sim rejects, with everything the error envelope needs.

    Args:
        status: HTTP status code.
        message: Human-readable message (clients must not match on it).
        error_code: Optional stable machine code, sent as ``error.details.error_code``.
        error_type: Overrides the ``error.type`` derived from ``status``.
        headers: Extra response headers (e.g. ``retry-after`` on 429).
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        error_code: str | None = None,
        error_type: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.error_code = error_code
        self.error_type = error_type or ERROR_TYPES.get(
            status, "api_error" if status >= 500 else "invalid_request_error"
        )
        self.headers = headers or {}

    def envelope(self, request_id: str) -> dict:
        """Return the JSON error body for this error."""
        error: dict = {"type": self.error_type, "message": self.message}
        if self.error_code:
            error["details"] = {"error_code": self.error_code}
        return {"type": "error", "error": error, "request_id": request_id}


def not_found(kind: str, object_id: str) -> SimError:
    """A 404 for an unknown ``kind`` (``session``, ``agent``…) id."""
    return SimError(404, f"{kind} {object_id!r} not found", error_code=f"{kind}_not_found")


def invalid(message: str, error_code: str | None = None) -> SimError:
    """A 400 ``invalid_request_error``."""
    return SimError(400, message, error_code=error_code)


def conflict(message: str, error_code: str | None = None) -> SimError:
    """A 409 ``conflict_error``."""
    return SimError(409, message, error_code=error_code)
