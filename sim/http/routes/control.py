"""The sim's own control endpoints under ``/_sim/`` (same API key, no beta header, never
throttled or faulted): health, stats, the fault plan, rate limits, dropping every open
stream, and where signed webhooks go."""

from __future__ import annotations

import binascii
import time

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from drover.sim.http.context import context
from drover.sim.http.httpio import call, json_response, read_object
from drover.sim.http.ratelimit import RateLimiter
from drover.sim.settings import CLOSE_MODES, FaultPlan
from drover.sim.wire.errors import invalid


async def health(request: Request) -> Response:
    ctx = context(request)
    return json_response(
        {"status": "ok", "uptime_seconds": round(time.monotonic() - ctx.started, 3)}
    )


async def stats(request: Request) -> Response:
    ctx = context(request)
    sessions = await call(ctx.domain.list_sessions, include_archived=True)
    return json_response(
        {
            "requests_served": ctx.requests,
            "reads_served": ctx.reads,
            "webhooks": ctx.webhooks.stats(),
            "open_streams": len(ctx.streams.open),
            "streams_opened": ctx.streams.opened,
            "events_emitted": ctx.streams.frames,
            "faults_injected": ctx.faults.injected,
            "sessions": len(sessions),
            "creates": ctx.creates.describe(),
        }
    )


async def get_faults(request: Request) -> Response:
    return json_response(context(request).faults.plan.to_dict())


async def set_faults(request: Request) -> Response:
    """Merge the posted fields into the current plan (``{}`` keeps it; ``DELETE`` resets)."""
    ctx = context(request)
    patch = await read_object(request, optional=True)
    try:
        plan = ctx.faults.plan.updated(patch)
    except ValueError as exc:
        raise invalid(str(exc)) from None
    ctx.set_faults(plan)
    return json_response(plan.to_dict())


async def reset_faults(request: Request) -> Response:
    ctx = context(request)
    ctx.set_faults(FaultPlan())
    return json_response(ctx.faults.plan.to_dict())


async def get_rate_limits(request: Request) -> Response:
    return json_response(context(request).limiter.describe())


async def set_rate_limits(request: Request) -> Response:
    """Replace the per-minute limits: ``{"create": N | null, "read": N | null}`` (buckets
    start full; an omitted key keeps its current limit)."""
    ctx = context(request)
    body = await read_object(request)
    limits = {**ctx.limiter.describe(), **body}
    if set(limits) != {"create", "read"}:
        raise invalid("rate limits: only 'create' and 'read' may be set")
    for name, value in limits.items():
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int | float) or value <= 0
        ):
            raise invalid(f"{name}: a positive number of requests per minute, or null")
    ctx.limiter = RateLimiter(limits["create"], limits["read"])
    return json_response(ctx.limiter.describe())


async def drop_streams(request: Request) -> Response:
    body = await read_object(request, optional=True)
    mode = body.get("mode", "clean")
    if mode not in CLOSE_MODES:
        raise invalid(f"mode: expected one of {', '.join(CLOSE_MODES)}")
    return json_response({"dropped": context(request).streams.drop_all(mode)})


async def get_webhooks(request: Request) -> Response:
    return json_response(context(request).webhooks.stats())


async def set_webhooks(request: Request) -> Response:
    """Send signed webhooks to ``{"url": …, "secret": "whsec_…"}`` from now on."""
    ctx = context(request)
    body = await read_object(request)
    url, secret = body.get("url"), body.get("secret")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise invalid("url: an http:// or https:// URL")
    if not isinstance(secret, str):
        raise invalid("secret: the signing secret (whsec_…)")
    try:
        ctx.webhooks.configure(url, secret)
    except (ValueError, binascii.Error) as exc:
        raise invalid(f"secret: {exc}") from None
    return json_response(ctx.webhooks.stats())


async def stop_webhooks(request: Request) -> Response:
    ctx = context(request)
    ctx.webhooks.configure(None, None)
    return json_response(ctx.webhooks.stats())


ROUTES = [
    Route("/_sim/health", health, methods=["GET"]),
    Route("/_sim/stats", stats, methods=["GET"]),
    Route("/_sim/faults", get_faults, methods=["GET"]),
    Route("/_sim/faults", set_faults, methods=["POST"]),
    Route("/_sim/faults", reset_faults, methods=["DELETE"]),
    Route("/_sim/rate_limits", get_rate_limits, methods=["GET"]),
    Route("/_sim/rate_limits", set_rate_limits, methods=["POST"]),
    Route("/_sim/streams/drop", drop_streams, methods=["POST"]),
    Route("/_sim/webhooks", get_webhooks, methods=["GET"]),
    Route("/_sim/webhooks", set_webhooks, methods=["POST"]),
    Route("/_sim/webhooks", stop_webhooks, methods=["DELETE"]),
]
