"""Per-minute request limits as token buckets (protocol §1.6: create and read buckets).

Both are on by default at the documented org values (``SimConfig``: 300 create, 1,200 read).

Classification (documented choice; the real API leaves ``POST …/events`` unclassified): a
``POST`` that makes a new object — a collection (``/v1/agents``, ``/v1/environments``,
``/v1/sessions``, ``/v1/vaults``, ``/v1/memory_stores``, ``/v1/deployments``, a vault's
credentials, a store's memories, a session's resources) or running a deployment (it creates a
session) — is a *create*; every ``GET`` (opening a stream included) is a *read*; other writes
are not limited.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from drover.sim.http.faults import throttled
from drover.sim.wire.errors import SimError

CREATE_PATH = re.compile(
    r"/v1/(agents|environments|sessions|vaults|memory_stores|deployments)"
    r"|/v1/vaults/[^/]+/credentials|/v1/memory_stores/[^/]+/memories"
    r"|/v1/sessions/[^/]+/resources|/v1/deployments/[^/]+/run"
)


def is_create(method: str, path: str) -> bool:
    """Whether a request counts against the create limit."""
    return method == "POST" and CREATE_PATH.fullmatch(path.rstrip("/")) is not None


def sliding_peak(times: list[float], window: float = 60.0) -> int:
    """The most of `times` in any closed interval of `window` seconds (requests exactly
    `window` apart count together: the strict reading)."""
    ordered = sorted(times)
    peak = start = 0
    for end, at in enumerate(ordered):
        while at - ordered[start] > window:
            start += 1
        peak = max(peak, end - start + 1)
    return peak


@dataclass
class CreateLog:
    """Every create request the server saw: when it arrived and whether it was let through.

    Kept apart from the limiter (``/_sim/rate_limits`` replaces that), so a test or benchmark
    can prove from the server's side that a client stayed under the create limit.
    """

    admitted: list[float] = field(default_factory=list)
    """Arrival times (``time.time()``) of create requests the limiter let through."""
    throttled: list[float] = field(default_factory=list)
    """Arrival times of create requests answered 429 by the limiter."""

    def note(self, limited: bool, at: float | None = None) -> None:
        """Record one create request."""
        (self.throttled if limited else self.admitted).append(time.time() if at is None else at)

    def describe(self) -> dict[str, int]:
        """``{"requests", "throttled", "peak_per_minute"}`` (the peak over every request)."""
        return {
            "requests": len(self.admitted) + len(self.throttled),
            "throttled": len(self.throttled),
            "peak_per_minute": sliding_peak(self.admitted + self.throttled),
        }


class TokenBucket:
    """``per_minute`` requests per minute, bursting up to ``per_minute``.

    Args:
        per_minute: Sustained rate and burst size.
        clock: Monotonic seconds (injectable for tests).
    """

    def __init__(self, per_minute: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self._clock = clock
        self._tokens = self.capacity
        self._stamp = clock()

    def take(self) -> float:
        """Take a token; return 0 on success, else the seconds until one is available."""
        now = self._clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return 0.0
        return (1.0 - self._tokens) / self.rate


class RateLimiter:
    """The create and read buckets; either may be off (``None``).

    Args:
        create_per_minute: Create-bucket rate, or ``None`` for unlimited.
        read_per_minute: Read-bucket rate, or ``None`` for unlimited.
        clock: Monotonic seconds.
    """

    def __init__(
        self,
        create_per_minute: float | None = None,
        read_per_minute: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.create = TokenBucket(create_per_minute, clock) if create_per_minute else None
        self.read = TokenBucket(read_per_minute, clock) if read_per_minute else None

    def describe(self) -> dict[str, float | None]:
        """The limits as ``{"create": per_minute | None, "read": per_minute | None}``."""
        return {
            "create": self.create.capacity if self.create else None,
            "read": self.read.capacity if self.read else None,
        }

    def check(self, method: str, path: str) -> SimError | None:
        """Charge one request; return a 429 to send if its bucket is empty."""
        if method == "GET":
            bucket, name = self.read, "read"
        elif is_create(method, path):
            bucket, name = self.create, "create"
        else:
            return None
        if bucket is None:
            return None
        wait = bucket.take()
        return throttled(wait, f"{name} requests per minute") if wait else None
