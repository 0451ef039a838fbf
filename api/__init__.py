"""The Managed Agents protocol client: requests, pagination, typed errors, retries, rate budget
and SSE stream reading. Knows nothing of the store or the UI.

The names below are imported on first use (`drover.lazy`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from drover.lazy import lazy_exports

if TYPE_CHECKING:
    from drover.api.client import ManagedAgentsClient
    from drover.api.core import ANTHROPIC_VERSION, BETA, DEFAULT_BASE_URL
    from drover.api.errors import (
        ApiError,
        AuthenticationError,
        BadRequestError,
        ConflictError,
        ConnectionFailed,
        DroverApiError,
        MalformedEventError,
        NotFoundError,
        PermissionDeniedError,
        RateLimitError,
        SendUncertainError,
        ServerError,
        StreamError,
        StreamStalled,
    )
    from drover.api.pages import Page
    from drover.api.rate_budget import BucketUsage, RateBudget
    from drover.api.retry import RetryPolicy
    from drover.api.sending import SendOutcome
    from drover.api.streaming import EventStream

_EXPORTS = {
    "drover.api.client": ("ManagedAgentsClient",),
    "drover.api.core": ("ANTHROPIC_VERSION", "BETA", "DEFAULT_BASE_URL"),
    "drover.api.errors": (
        "ApiError",
        "AuthenticationError",
        "BadRequestError",
        "ConflictError",
        "ConnectionFailed",
        "DroverApiError",
        "MalformedEventError",
        "NotFoundError",
        "PermissionDeniedError",
        "RateLimitError",
        "SendUncertainError",
        "ServerError",
        "StreamError",
        "StreamStalled",
    ),
    "drover.api.pages": ("Page",),
    "drover.api.rate_budget": ("BucketUsage", "RateBudget"),
    "drover.api.retry": ("RetryPolicy",),
    "drover.api.sending": ("SendOutcome",),
    "drover.api.streaming": ("EventStream",),
}
"""Each module and the names it defines that the package re-exports."""

__all__ = [
    "ANTHROPIC_VERSION",
    "BETA",
    "DEFAULT_BASE_URL",
    "ApiError",
    "AuthenticationError",
    "BadRequestError",
    "BucketUsage",
    "ConflictError",
    "ConnectionFailed",
    "DroverApiError",
    "EventStream",
    "MalformedEventError",
    "ManagedAgentsClient",
    "NotFoundError",
    "Page",
    "PermissionDeniedError",
    "RateBudget",
    "RateLimitError",
    "RetryPolicy",
    "SendOutcome",
    "SendUncertainError",
    "ServerError",
    "StreamError",
    "StreamStalled",
]


__getattr__ = lazy_exports(__name__, _EXPORTS)
