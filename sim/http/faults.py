"""Fault injection: a plan (plain data, settable at start and at run time) and the seeded
injector that applies it to requests and streams.

Every random choice comes from one ``random.Random(plan.seed)``, re-created whenever the plan is
replaced, so a failing chaos run can be replayed with the same seed and request sequence.
"""

from __future__ import annotations

import dataclasses
import math
import random
from dataclasses import dataclass, fields
from typing import Any

from drover.sim.wire.errors import SimError

#: How a stream fault ends a connection: ``clean`` finishes the HTTP response (the client sees
#: EOF), ``abort`` drops the TCP connection without the closing chunk, ``mid_frame`` writes half
#: of the next frame first and then drops the connection.
CLOSE_MODES = ("clean", "abort", "mid_frame")

#: Statuses a request fault may answer with.
FAIL_STATUSES = (500, 502, 503, 504, 529)


@dataclass
class FaultPlan:
    """Which faults to inject. All off by default.

    Attributes:
        seed: Seed of the injector's random generator.
        latency_seconds: Added before every API request is handled.
        fail_next: The next N API requests fail with ``fail_status``.
        fail_probability: Each API request fails with ``fail_status`` with this probability.
        fail_status: Status of injected failures (500 ``api_error``, 529 ``overloaded_error``…).
        throttle_every: Every Nth API request gets a 429 (0 = off).
        throttle_probability: Each API request gets a 429 with this probability.
        retry_after_seconds: The ``retry-after`` header of injected 429s.
        stream_close_after: Close every stream after it has carried N event frames (0 = off).
        stream_close_mode: How that close happens: ``clean``, ``abort`` or ``mid_frame``.
        stream_stall_after: After N event frames a stream goes silent (no frames, no
            heartbeats) but stays open (0 = off).
        stream_error_after: After N event frames a stream sends an ``event: error`` frame
            (an ``overloaded_error`` envelope; the SDK raises it) and ends (0 = off).
        duplicate_user_events: Ask the domain to deliver user events twice (queued copy with
            ``processed_at: null``, then the processed one).
    """

    seed: int = 0
    latency_seconds: float = 0.0
    fail_next: int = 0
    fail_probability: float = 0.0
    fail_status: int = 500
    throttle_every: int = 0
    throttle_probability: float = 0.0
    retry_after_seconds: int = 1
    stream_close_after: int = 0
    stream_close_mode: str = "clean"
    stream_stall_after: int = 0
    stream_error_after: int = 0
    duplicate_user_events: bool = False

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Check ranges and enums.

        Raises:
            ValueError: A field is out of range.
        """
        for name in (
            "latency_seconds",
            "fail_next",
            "throttle_every",
            "retry_after_seconds",
            "stream_close_after",
            "stream_stall_after",
            "stream_error_after",
        ):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        for name in ("fail_probability", "throttle_probability"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")
        if self.fail_status not in FAIL_STATUSES:
            raise ValueError(f"fail_status must be one of {FAIL_STATUSES}")
        if self.stream_close_mode not in CLOSE_MODES:
            raise ValueError(f"stream_close_mode must be one of {CLOSE_MODES}")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def updated(self, patch: dict[str, Any]) -> FaultPlan:
        """A copy with the fields in ``patch`` replaced (types checked).

        Raises:
            ValueError: Unknown field, wrong type or out-of-range value.
        """
        known = {f.name: f for f in fields(self)}
        values = self.to_dict()
        for key, value in patch.items():
            if key not in known:
                raise ValueError(f"unknown fault field {key!r}")
            values[key] = _coerce(key, known[key].type, value)
        return FaultPlan(**values)


def _coerce(key: str, annotation: Any, value: Any) -> Any:
    """Type-check one JSON value against a field annotation (the annotations are strings)."""
    kind = {"int": int, "float": float, "bool": bool, "str": str}[str(annotation)]
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if (kind is not bool and isinstance(value, bool)) or not isinstance(value, kind):
        raise ValueError(f"{key} must be of type {kind.__name__}")
    return value


class FaultInjector:
    """Applies a :class:`FaultPlan` to requests and streams; owns the seeded generator.

    Args:
        plan: The initial plan.
    """

    def __init__(self, plan: FaultPlan | None = None) -> None:
        self.injected = 0
        self._requests = 0
        self.set_plan(plan or FaultPlan())

    @property
    def plan(self) -> FaultPlan:
        return self._plan

    def set_plan(self, plan: FaultPlan) -> None:
        """Replace the plan; restarts the random sequence and the request counters."""
        self._plan = plan
        self._rng = random.Random(plan.seed)
        self._fail_remaining = plan.fail_next
        self._requests = 0

    def request_fault(self) -> SimError | None:
        """Decide whether the next API request fails, and how (called once per request)."""
        plan = self._plan
        self._requests += 1
        error: SimError | None = None
        if self._fail_remaining > 0:
            self._fail_remaining -= 1
            error = self._failure()
        elif plan.fail_probability and self._rng.random() < plan.fail_probability:
            error = self._failure()
        elif (plan.throttle_every and self._requests % plan.throttle_every == 0) or (
            plan.throttle_probability and self._rng.random() < plan.throttle_probability
        ):
            error = throttled(plan.retry_after_seconds, "injected rate limit")
        if error is not None:
            self.injected += 1
        return error

    def _failure(self) -> SimError:
        status = self._plan.fail_status
        text = "Overloaded" if status == 529 else "Internal server error"
        return SimError(status, f"{text} (injected fault)")


def throttled(retry_after: float, message: str) -> SimError:
    """A 429 ``rate_limit_error`` with a whole-second ``retry-after`` header."""
    seconds = max(1, math.ceil(retry_after))
    return SimError(429, f"Rate limit exceeded: {message}", headers={"retry-after": str(seconds)})
