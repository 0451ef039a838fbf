"""The one exception the sim's domain raises; the HTTP layer turns it into the error envelope.

Both halves of an error come only from the official SDK's vocabulary (anthropic 2.17.0,
@anthropic-ai/sdk 1.17.0): ``error.type`` from its ``ErrorType`` list, and
``error.details.error_code`` from its ``ErrorDetails`` union. A cause the SDK names no code for
gets no ``details`` (the SDK then reports the bare ``type``); the message says what went wrong.
``tests/sim/test_http_units.py`` checks both lists against the installed SDK.
"""

from __future__ import annotations

#: HTTP status → ``error.type`` (the SDK's ``ErrorType``; protocol §1.4). 413 has no type of
#: its own in the SDK (the docs' ``request_too_large`` is not in its list), so it is an
#: ``invalid_request_error`` like other 4xx.
ERROR_TYPES: dict[int, str] = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    409: "conflict_error",
    412: "invalid_request_error",
    413: "invalid_request_error",
    429: "rate_limit_error",
    500: "api_error",
    504: "timeout_error",
    529: "overloaded_error",
}

#: Every ``error.type`` the SDK declares.
SDK_ERROR_TYPES = frozenset(
    {
        "invalid_request_error",
        "authentication_error",
        "billing_error",
        "permission_error",
        "not_found_error",
        "rate_limit_error",
        "timeout_error",
        "api_error",
        "overloaded_error",
        "memory_precondition_failed_error",
        "memory_path_conflict_error",
        "conflict_error",
    }
)

#: The ``error_code`` values the sim sends: a subset of the SDK's ``ErrorDetails`` codes, each
#: for the cause the SDK documents.
SDK_ERROR_CODES = frozenset(
    {
        "environment_not_found",  # an environment id names nothing
        "environment_archived",  # the environment is archived
        "invalid_config_type_change",  # config.type differs from the stored one
        "invalid_metadata",  # too many keys, or a key or value too long
        "heartbeat_precondition_failed",  # a work lease held by another worker
        "file_not_downloadable",  # a file with downloadable: false
    }
)


class SimError(Exception):
    """A request the sim rejects, with everything the error envelope needs.

    Args:
        status: HTTP status code.
        message: Human-readable message (clients must not match on it).
        error_code: Optional stable machine code, sent as ``error.details.error_code``; must be
            one of :data:`SDK_ERROR_CODES`.
        error_type: Overrides the ``error.type`` derived from ``status``.
        headers: Extra response headers (e.g. ``retry-after`` on 429).
        details: Further fields of ``error.details`` the SDK declares for ``error_code``.
        extra: Further fields of ``error`` itself (``conflicting_path`` on a memory path
            conflict).

    Raises:
        ValueError: ``error_code`` or ``error_type`` is not in the SDK's lists.
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        error_code: str | None = None,
        error_type: str | None = None,
        headers: dict[str, str] | None = None,
        details: dict | None = None,
        extra: dict | None = None,
    ) -> None:
        super().__init__(message)
        if error_code is not None and error_code not in SDK_ERROR_CODES:
            raise ValueError(f"error_code {error_code!r} is not one the SDK declares")
        self.status = status
        self.message = message
        self.error_code = error_code
        self.error_type = error_type or ERROR_TYPES.get(
            status, "api_error" if status >= 500 else "invalid_request_error"
        )
        if self.error_type not in SDK_ERROR_TYPES:
            raise ValueError(f"error type {self.error_type!r} is not one the SDK declares")
        self.headers = headers or {}
        self.details = details or {}
        self.extra = extra or {}

    def envelope(self, request_id: str) -> dict:
        """Return the JSON error body for this error."""
        error: dict = {"type": self.error_type, "message": self.message, **self.extra}
        if self.error_code:
            error["details"] = {"error_code": self.error_code, **self.details}
        return {"type": "error", "error": error, "request_id": request_id}


def not_found(kind: str, object_id: str) -> SimError:
    """A 404 for an unknown ``kind`` (``session``, ``agent``…) id.

    Only environments have a code of their own in the SDK (``environment_not_found``).
    """
    code = "environment_not_found" if kind == "environment" else None
    return SimError(404, f"{kind} {object_id!r} not found", error_code=code)


def invalid(message: str, error_code: str | None = None) -> SimError:
    """A 400 ``invalid_request_error``."""
    return SimError(400, message, error_code=error_code)


def conflict(message: str, error_code: str | None = None) -> SimError:
    """A 409 ``conflict_error``."""
    return SimError(409, message, error_code=error_code)
