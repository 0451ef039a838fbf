"""``SimContext``: the state the middleware and routes of one app share.

It lives on ``app.state.sim``; :func:`context` fetches it for a request. Its own module, so
the gate and the routes need not import the app factory that mounts them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request

from drover.sim.http.faults import FaultInjector
from drover.sim.http.ratelimit import CreateLog, RateLimiter
from drover.sim.http.sse import StreamStats
from drover.sim.http.webhooks import WebhookSender
from drover.sim.settings import FaultPlan, SimConfig
from drover.sim.wire.ids import IdFactory


@dataclass(eq=False)
class SimContext:
    """State shared by the middleware and routes of one app (lives on ``app.state.sim``).

    Attributes:
        domain: The ``SimDomain``.
        config: The server's settings.
        faults: The fault injector (its plan is changeable at run time).
        limiter: Create/read rate limits.
        streams: Open streams and frame counters.
        requests: Requests served so far.
        reads: ``GET``/``HEAD`` requests under ``/v1`` so far (stream opens included): what
            a client spends of its read limit, for benchmarks comparing setups.
        webhooks: The signed webhooks sent to the configured URL.
        creates: Every create request's arrival and whether the limiter let it through.
        started: ``time.monotonic()`` at app creation.
    """

    domain: Any
    config: SimConfig
    faults: FaultInjector
    limiter: RateLimiter
    streams: StreamStats = field(default_factory=StreamStats)
    requests: int = 0
    reads: int = 0
    webhooks: WebhookSender = field(default_factory=WebhookSender)
    creates: CreateLog = field(default_factory=CreateLog)
    started: float = field(default_factory=time.monotonic)
    _ids: IdFactory = field(default_factory=IdFactory)

    def new_request_id(self) -> str:
        return self._ids.new("req")

    def set_faults(self, plan: FaultPlan) -> None:
        """Install ``plan``; the domain's duplicate-delivery switch and race window follow it."""
        self.faults.set_plan(plan)
        self.domain.duplicate_user_events = plan.duplicate_user_events
        self.domain.post_idle_race = plan.post_idle_race_seconds


def context(request: Request) -> SimContext:
    """The server's shared state (domain, config, faults, stats) for a request."""
    return request.app.state.sim
