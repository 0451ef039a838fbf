"""The Managed Agents protocol client: requests, pagination, typed errors, retries, rate budget
and SSE stream reading. Knows nothing of the store or the UI.

The names below are imported on first use (PEP 562), so importing one light module of the
package (say `drover.api.timestamps`) does not load the rest (`drover ls` and the TUI's first
paint must not pay for what they do not use).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from drover.api.client import ManagedAgentsClient as ManagedAgentsClient
    from drover.api.core import ANTHROPIC_VERSION as ANTHROPIC_VERSION
    from drover.api.core import BETA as BETA
    from drover.api.core import DEFAULT_BASE_URL as DEFAULT_BASE_URL
    from drover.api.errors import ApiError as ApiError
    from drover.api.errors import AuthenticationError as AuthenticationError
    from drover.api.errors import BadRequestError as BadRequestError
    from drover.api.errors import ConflictError as ConflictError
    from drover.api.errors import ConnectionFailed as ConnectionFailed
    from drover.api.errors import DroverApiError as DroverApiError
    from drover.api.errors import MalformedEventError as MalformedEventError
    from drover.api.errors import NotFoundError as NotFoundError
    from drover.api.errors import PermissionDeniedError as PermissionDeniedError
    from drover.api.errors import RateLimitError as RateLimitError
    from drover.api.errors import SendUncertainError as SendUncertainError
    from drover.api.errors import ServerError as ServerError
    from drover.api.errors import StreamError as StreamError
    from drover.api.errors import StreamStalled as StreamStalled
    from drover.api.pages import Page as Page
    from drover.api.rate_budget import BucketUsage as BucketUsage
    from drover.api.rate_budget import RateBudget as RateBudget
    from drover.api.retry import RetryPolicy as RetryPolicy
    from drover.api.sending import SendOutcome as SendOutcome
    from drover.api.streaming import EventStream as EventStream

_EXPORTS = {
    "ManagedAgentsClient": "drover.api.client",
    "ANTHROPIC_VERSION": "drover.api.core",
    "BETA": "drover.api.core",
    "DEFAULT_BASE_URL": "drover.api.core",
    "ApiError": "drover.api.errors",
    "AuthenticationError": "drover.api.errors",
    "BadRequestError": "drover.api.errors",
    "ConflictError": "drover.api.errors",
    "ConnectionFailed": "drover.api.errors",
    "DroverApiError": "drover.api.errors",
    "MalformedEventError": "drover.api.errors",
    "NotFoundError": "drover.api.errors",
    "PermissionDeniedError": "drover.api.errors",
    "RateLimitError": "drover.api.errors",
    "SendUncertainError": "drover.api.errors",
    "ServerError": "drover.api.errors",
    "StreamError": "drover.api.errors",
    "StreamStalled": "drover.api.errors",
    "Page": "drover.api.pages",
    "BucketUsage": "drover.api.rate_budget",
    "RateBudget": "drover.api.rate_budget",
    "RetryPolicy": "drover.api.retry",
    "SendOutcome": "drover.api.sending",
    "EventStream": "drover.api.streaming",
}

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


def __getattr__(name: str) -> Any:
    """Import the module that defines `name` on first use (PEP 562)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
