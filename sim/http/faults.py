"""Fault injection: the seeded injector that applies a :class:`~drover.sim.settings.FaultPlan`
to requests and streams.

Every random choice comes from one ``random.Random(plan.seed)``, re-created whenever the plan is
replaced, so a failing chaos run can be replayed with the same seed and request sequence.
"""

from __future__ import annotations

import math
import random

from drover.sim.settings import FaultPlan
from drover.sim.wire.errors import SimError


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
