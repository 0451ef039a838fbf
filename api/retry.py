"""Retry policy: which failures are retried and how long to wait.

Reads (GET) are retried on 408, 429, 5xx/529 and network errors, with jittered exponential
backoff that honours the server's ``retry-after-ms`` / ``retry-after`` advice and its
``x-should-retry`` override (§1.5). Writes (POST/DELETE) are retried only when the server
certainly did not act: a 429 (rejected by the rate limiter) or a connection that was never
established. Everything else on a write surfaces to the caller; sends go through
:mod:`drover.api.sending`, which verifies against history before any re-send (§7.5).
"""

from __future__ import annotations

import email.utils
import random
import time
from dataclasses import dataclass, field

import httpx

__all__ = ["RetryPolicy", "parse_retry_after"]

_RETRYABLE_READ_STATUS = frozenset({408, 429, 500, 502, 503, 504, 529})


def parse_retry_after(headers: httpx.Headers, *, now: float | None = None) -> float | None:
    """Seconds the server asks us to wait, from ``retry-after-ms`` or ``retry-after``.

    ``retry-after`` may be seconds or an HTTP-date. Returns None when absent or unparsable.
    """
    ms = headers.get("retry-after-ms")
    if ms is not None:
        try:
            return max(0.0, float(ms) / 1000.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


@dataclass
class RetryPolicy:
    """How many times and how long to retry.

    Attributes:
        max_retries: retries after the first attempt (so max_retries + 1 attempts).
        base_delay: first backoff in seconds; doubles per attempt.
        max_delay: backoff cap.
        max_retry_after: a server ``retry-after`` longer than this is not waited out; the
            error is raised so the caller (e.g. a poller) can reschedule instead of blocking.
        rng: random source for jitter (injectable for tests).
    """

    max_retries: int = 3
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0
    rng: random.Random = field(default_factory=random.Random)

    def backoff(self, attempt: int) -> float:
        """Jittered delay before retry number ``attempt`` (1-based).

        "Equal jitter": half the exponential step is fixed, half random, so a fleet of
        clients spreads out but nobody retries immediately.
        """
        step: float = min(
            self.max_delay, self.base_delay * (2 ** (attempt - 1))
        )  # int ** int is untyped
        return step / 2 + self.rng.uniform(0, step / 2)

    def delay_for(self, attempt: int, retry_after: float | None) -> float:
        """Delay before retry ``attempt``: the server's advice if given, else backoff."""
        if retry_after is not None:
            return retry_after
        return self.backoff(attempt)

    def should_retry_status(
        self, method: str, status: int, headers: httpx.Headers, retry_after: float | None
    ) -> bool:
        """Whether an error status may be retried for ``method``."""
        if retry_after is not None and retry_after > self.max_retry_after:
            return False
        override = headers.get("x-should-retry")
        is_read = method.upper() in ("GET", "HEAD")
        if override == "false":
            return False
        if override == "true" and is_read:
            return True
        if is_read:
            return status in _RETRYABLE_READ_STATUS
        # A 429 means the rate limiter refused the write before anything happened.
        return status == 429

    @staticmethod
    def should_retry_exception(method: str, exc: httpx.TransportError) -> bool:
        """Whether a network failure may be retried for ``method``."""
        if method.upper() in ("GET", "HEAD"):
            return True
        return not request_may_have_been_sent(exc)


def request_may_have_been_sent(exc: httpx.TransportError | httpx.StreamError) -> bool:
    """False only when the connection was never established (nothing reached the server)."""
    return not isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout))
