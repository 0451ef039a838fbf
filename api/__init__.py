"""The Managed Agents protocol client: requests, pagination, typed errors, retries, rate budget
and SSE stream reading. Knows nothing of the store or the UI."""

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
