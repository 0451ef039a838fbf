"""The hub's HTTP face (Starlette, served by uvicorn in the hub's own loop).

* `POST /webhooks`: a Managed Agents webhook. Its signature is checked first
  (`drover.api.webhooks.verify_webhook`, as the SDK's `webhooks.unwrap` does), then that it is no
  replay; a delivery that fails either is answered 400, logged with the reason (never with its
  body), counted, and nothing in it is acted on. A good one is answered 204 at once and handed
  to the hub. Bodies over `MAX_BODY` bytes are refused with 413 unread.
* `GET /healthz`: the hub's figures as JSON (`drover.hub.figures`), 200 while it follows the
  fleet, 503 while it does not (standby, or sync stopped), for a container's health check.

It binds to loopback unless the profile's `[hub] listen` says otherwise: the platform reaches a
hub through whatever proxy or tunnel the team puts in front of it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from drover.api.webhooks import ReplayGuard, WebhookEvent, WebhookVerificationError, verify_webhook

__all__ = ["MAX_BODY", "create_app"]

log = logging.getLogger("drover.hub.server")

MAX_BODY = 256 * 1024
"""A webhook body is a small JSON object; anything bigger is refused unread."""


def create_app(
    *,
    key: bytes | None,
    on_webhook: Callable[[WebhookEvent], None],
    on_refused: Callable[[str], None],
    health: Callable[[], Awaitable[tuple[bool, dict[str, Any]]]],
) -> Starlette:
    """The hub's app.

    Args:
        key: the webhook signing key (None: webhooks are not configured; every delivery is
            refused).
        on_webhook: called with each verified, first-seen webhook.
        on_refused: called with the reason of each refused delivery.
        health: returns (healthy, figures).
    """
    guard = ReplayGuard()

    async def webhooks(request: Request) -> Response:
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_BODY:
            return _refuse(on_refused, "body too large", 413)
        body = await request.body()
        if len(body) > MAX_BODY:
            return _refuse(on_refused, "body too large", 413)
        if key is None:
            return _refuse(on_refused, "no webhook secret configured")
        try:
            event = verify_webhook(body, dict(request.headers), key)
            guard.admit(event)
        except WebhookVerificationError as exc:
            return _refuse(on_refused, str(exc), peer=request.client)
        on_webhook(event)
        return Response(status_code=204)

    async def healthz(request: Request) -> Response:
        healthy, figures = await health()
        return JSONResponse(figures, status_code=200 if healthy else 503)

    return Starlette(
        routes=[
            Route("/webhooks", webhooks, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ]
    )


def _refuse(
    on_refused: Callable[[str], None], reason: str, status: int = 400, peer: Any = None
) -> Response:
    address = f"{peer.host}:{peer.port}" if peer is not None else None
    log.warning(
        "webhook refused: %s", reason, extra={"fields": {"reason": reason, "peer": address}}
    )
    on_refused(reason)
    return JSONResponse({"error": {"type": "invalid_webhook", "message": reason}}, status)
