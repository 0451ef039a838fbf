"""The sim's HTTP face: ``create_app(domain, config)`` builds the Starlette app.

Clients authenticate with ``x-api-key: K`` or ``Authorization: Bearer K``; ``K`` is
``SimConfig.api_key``, by default ``sk-ant-sim-drover-demo``. Every ``/v1`` call also needs
``anthropic-beta: managed-agents-2026-04-01`` (else 404, as the real API answers). Routes live
in :mod:`drover.sim.http.routes`; the gate (ids, auth, limits, faults) in
:mod:`drover.sim.http.middleware`.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response

from drover.sim.fleet.keeper import FleetKeeper
from drover.sim.fleet.populate import populate
from drover.sim.http.context import SimContext
from drover.sim.http.faults import FaultInjector
from drover.sim.http.httpio import error_response, request_id
from drover.sim.http.middleware import SimMiddleware
from drover.sim.http.ratelimit import RateLimiter
from drover.sim.http.routes import (
    agents,
    control,
    deployments,
    events,
    library,
    memory,
    resources,
    sessions,
    vaults,
    work,
)
from drover.sim.settings import SimConfig
from drover.sim.wire.errors import SimError


async def _sim_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SimError)
    return error_response(exc, request_id(request))


async def _http_error(request: Request, exc: Exception) -> Response:
    """Router 404/405s (unknown path, wrong method) as protocol envelopes."""
    assert isinstance(exc, HTTPException)
    message = "Not found" if exc.status_code == 404 else str(exc.detail)
    error = SimError(exc.status_code, message, headers=dict(exc.headers or {}))
    return error_response(error, request_id(request))


def create_app(domain: Any, config: SimConfig | None = None) -> Starlette:
    """Build the sim's ASGI app around ``domain``.

    The app's lifespan awaits ``domain.start()`` / ``domain.stop()`` and, when
    ``config.fleet`` is set, populates and keeps that many sessions (:mod:`drover.sim.fleet`).

    Args:
        domain: A ``SimDomain`` (or anything with the same facade).
        config: Settings; defaults to ``SimConfig()``.

    Returns:
        The Starlette app; ``app.state.sim`` is its :class:`SimContext`.
    """
    config = config or SimConfig()
    ctx = SimContext(
        domain=domain,
        config=config,
        faults=FaultInjector(),
        limiter=RateLimiter(config.rate_limit_create, config.rate_limit_read),
    )
    ctx.set_faults(config.faults)
    ctx.webhooks.configure(config.webhook_url, config.webhook_secret)
    observers = getattr(domain, "observers", None)
    if observers is not None:  # a fake domain of the tests may have none
        observers.append(ctx.webhooks.observe)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await domain.start()
        keeper = await _start_fleet(domain, config)
        try:
            yield
        finally:
            await ctx.webhooks.stop()
            ctx.streams.drop_all()
            if keeper is not None:
                await keeper.stop()
            await domain.stop()

    app = Starlette(
        routes=[
            *agents.ROUTES,
            *work.ROUTES,
            *sessions.ROUTES,
            *events.ROUTES,
            *resources.ROUTES,
            *vaults.ROUTES,
            *memory.ROUTES,
            *library.ROUTES,
            *deployments.ROUTES,
            *control.ROUTES,
        ],
        middleware=[Middleware(SimMiddleware, context=ctx)],
        exception_handlers={SimError: _sim_error, HTTPException: _http_error},
        lifespan=lifespan,
    )
    app.state.sim = ctx
    return app


async def _start_fleet(domain: Any, config: SimConfig) -> FleetKeeper | None:
    """Populate ``config.fleet`` sessions and start a keeper (:mod:`drover.sim.fleet`), if asked."""
    if not config.fleet:
        return None
    await populate(domain, config.fleet, seed=config.seed)
    keeper = FleetKeeper(domain, config.fleet_active_sessions, seed=config.seed)
    await keeper.start()
    return keeper
