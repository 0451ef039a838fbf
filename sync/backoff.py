"""Reconnect/retry pacing and the classification of failures that drives it.

Every loop in drover.sync that talks to the network (followers, the outbox, the poller) asks
:func:`classify` what a failure means and a :class:`Backoff` how long to wait. Keeping both in
one place means "401 is fatal" or "429 honours retry-after" is decided once.

Full jitter (``uniform(0, min(cap, base * 2**n))``) rather than equal jitter: when 500 streams
drop together, full jitter spreads their reconnects over the whole window, which is what keeps
the fleet inside the org-wide read budget (PERFORMANCE.md P6).
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from drover.api.errors import (
    ApiError,
    AuthenticationError,
    ConnectionFailed,
    DroverApiError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    StreamError,
)
from drover.store.errors import (
    DiskFullError,
    MirrorCorruptError,
    MirrorReadOnlyError,
    MirrorStorageError,
    storage_error,
)

__all__ = ["Backoff", "Failure", "FailureKind", "classify"]

FailureKind = Literal["fatal", "rate_limited", "transient", "rejected"]


@dataclass(frozen=True, slots=True)
class Failure:
    """What a failure means for a retry loop.

    Attributes:
        kind: ``fatal`` (stop: 401/403/404, a damaged or read-only mirror), ``rate_limited``
            (429, wait ``retry_after``), ``transient`` (network, 5xx, stalls, stream errors:
            retry with backoff; a full disk: wait for space) or ``rejected`` (another 4xx:
            the request itself is wrong; do not retry it).
        reason: short machine-readable reason (``unauthorized``, ``forbidden``,
            ``not_found``, ``rate_limited``, ``server_error``, ``connection``, ``stalled``,
            ``stream_error``, ``conflict``, ``bad_request``, ``disk_full``,
            ``mirror_corrupt``, ``mirror_read_only``…).
        detail: human-readable text for the UI (never contains the key; api errors don't).
        retry_after: server advice in seconds (429 only), else None.
    """

    kind: FailureKind
    reason: str
    detail: str
    retry_after: float | None = None


_FATAL: tuple[tuple[type[ApiError], str], ...] = (
    (AuthenticationError, "unauthorized"),
    (PermissionDeniedError, "forbidden"),
    (NotFoundError, "not_found"),
)


def classify(exc: BaseException) -> Failure:
    """Map an exception from drover.api (or the network) to a :class:`Failure`.

    Anything unknown is treated as transient: a follower that gives up on an unexpected
    error would silently leave a gap, while one that retries only costs a paced request.
    """
    detail = str(exc) or type(exc).__name__
    for cls, reason in _FATAL:
        if isinstance(exc, cls):
            return Failure("fatal", reason, detail)
    if isinstance(exc, RateLimitError):
        return Failure("rate_limited", "rate_limited", detail, exc.retry_after)
    if isinstance(exc, ServerError):
        return Failure("transient", "server_error", detail)
    if isinstance(exc, ApiError):
        if exc.status is None:  # an `event: error` frame inside a stream
            return Failure("transient", "stream_error", detail)
        if exc.status == 408:
            return Failure("transient", "timeout", detail)
        reason = "conflict" if exc.status == 409 else "bad_request"
        return Failure("rejected", reason, detail)
    if isinstance(exc, ConnectionFailed):
        return Failure("transient", "connection", detail)
    if isinstance(exc, StreamError):
        name = type(exc).__name__
        return Failure(
            "transient", "stalled" if name == "StreamStalled" else "stream_error", detail
        )
    if isinstance(exc, MirrorStorageError | sqlite3.Error):  # the disk, not the network
        storage = storage_error(exc, "mirror.db")
        if isinstance(storage, DiskFullError):  # wait for space, then go on
            return Failure("transient", "disk_full", storage.sentence())
        if isinstance(storage, MirrorCorruptError):
            return Failure("fatal", "mirror_corrupt", storage.detail)
        if isinstance(storage, MirrorReadOnlyError):
            return Failure("fatal", "mirror_read_only", storage.detail)
    if isinstance(exc, DroverApiError | OSError | TimeoutError):
        return Failure("transient", "connection", detail)
    return Failure("transient", "unexpected", detail)


class Backoff:
    """Exponential backoff with full jitter, reset after a success.

    Args:
        base: the first step's upper bound in seconds (0.5 s, as the SDK's runner).
        cap: the largest upper bound (10 s).
        rng: random source (injectable so tests are deterministic).

    Attributes:
        attempt: failures since the last :meth:`reset` (0 = none).
    """

    def __init__(
        self, base: float = 0.5, cap: float = 10.0, *, rng: random.Random | None = None
    ) -> None:
        if base <= 0 or cap < base:
            raise ValueError("need 0 < base <= cap")
        self.base = base
        self.cap = cap
        self.attempt = 0
        self._uniform: Callable[[float, float], float] = (rng or random.Random()).uniform

    def ceiling(self, attempt: int | None = None) -> float:
        """Upper bound of the delay for failure number ``attempt`` (1-based)."""
        n = self.attempt if attempt is None else attempt
        # Annotated: typeshed types int ** int as untyped (a negative power is a float).
        ceiling: float = min(self.cap, self.base * 2 ** max(0, n - 1))
        return ceiling

    def next_delay(self, retry_after: float | None = None) -> float:
        """Count a failure and return how long to wait before the next try.

        Args:
            retry_after: the server's advice (429); the delay is never shorter than it,
                and jitter is still added on top so a fleet told "wait 2 s" does not come
                back in one burst.
        """
        self.attempt += 1
        delay = self._uniform(0.0, self.ceiling())
        if retry_after is not None:
            delay = max(0.0, retry_after) + self._uniform(0.0, self.base)
        return delay

    def reset(self) -> None:
        """Forget past failures (called after a successful event/request)."""
        self.attempt = 0
