"""Signed webhooks from the sim to one configured URL, as the platform sends them.

Off until a URL and a signing secret are set (``SimConfig.webhook_url``/``webhook_secret``,
``drover sim --webhook-url URL --webhook-secret whsec_…``, or ``POST /_sim/webhooks``
``{"url": …, "secret": …}`` at run time; ``DELETE`` turns them off). The sender listens to the
domain (``SimDomain.observers``) and turns what happens into webhook events:

=====================================  ===============================================
what happened                          webhook ``data.type``
=====================================  ===============================================
a session is created                   ``session.created``
``session.status_running``             ``session.status_run_started``
``session.status_idle``                ``session.status_idled``, and
                                       ``session.requires_action`` (stop reason
                                       ``requires_action``) or ``session.budget_reached``
``session.status_rescheduled``         ``session.status_rescheduled``
``session.status_terminated``          ``session.status_terminated``
``session.deleted`` / archived         ``session.deleted`` / ``session.archived``
a credential's token refresh fails     ``vault_credential.refresh_failed``
=====================================  ===============================================

Each is POSTed as ``{"type": "event", "id", "created_at", "data": {"type", "id",
"organization_id", "workspace_id", …}}`` with the Standard Webhooks headers: ``webhook-id``,
``webhook-timestamp`` and ``webhook-signature`` = ``v1,`` + base64(HMAC-SHA256(key,
"{id}.{timestamp}.{body}")), the key being the base64 after ``whsec_``. Deliveries go out one
at a time from a queue on the sim's loop, once each (no retries: a hub that misses one still
polls); ``/_sim/stats`` counts them.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import logging
import secrets
import time
from datetime import UTC, datetime
from typing import Any

log = logging.getLogger(__name__)

ORGANIZATION = "org_sim"
WORKSPACE = "wrkspc_sim"
QUEUE_LIMIT = 10_000
"""Deliveries waiting at most; past it new ones are dropped (and counted)."""

_ON_EVENT = {
    "session.status_running": ("session.status_run_started",),
    "session.status_rescheduled": ("session.status_rescheduled",),
    "session.status_terminated": ("session.status_terminated",),
    "session.deleted": ("session.deleted",),
}
_ON_IDLE = {
    "requires_action": "session.requires_action",
    "budget_reached": "session.budget_reached",
}


def new_secret() -> str:
    """A fresh signing secret (``whsec_`` + base64 of 24 random bytes)."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def webhook_types(kind: str, detail: dict) -> tuple[str, ...]:
    """The webhook types a domain notice becomes (``kind``, ``detail`` as observers get them)."""
    if kind != "event":
        return (kind,)
    event_type = detail.get("type")
    if event_type == "session.status_idle":
        reason = (detail.get("stop_reason") or {}).get("type")
        extra = _ON_IDLE.get(reason)
        return ("session.status_idled", extra) if extra else ("session.status_idled",)
    return _ON_EVENT.get(event_type, ())


class WebhookSender:
    """Sends the domain's webhooks to the configured URL.

    Args:
        url: where to POST (None: off).
        secret: the signing secret (``whsec_…``).
    """

    def __init__(self, url: str | None = None, secret: str | None = None) -> None:
        self.url: str | None = None
        self._key = b""
        self.sent = 0
        self.failed = 0
        self.dropped = 0
        self._ids = 0
        self._queue: asyncio.Queue[tuple[str, bytes]] | None = None
        self._task: asyncio.Task | None = None
        self.configure(url, secret)

    def configure(self, url: str | None, secret: str | None) -> None:
        """Send to ``url`` signed with ``secret`` from now on (None: stop sending).

        Raises:
            ValueError: a URL without a secret, or a secret that is not base64.
        """
        if url is None:
            self.url, self._key = None, b""
            return
        if not secret:
            raise ValueError("a webhook URL needs a signing secret (whsec_…)")
        key = base64.b64decode(secret.removeprefix("whsec_") + "==")
        if not key:
            raise ValueError("the webhook secret is empty")
        self.url, self._key = url, key

    def observe(self, kind: str, object_id: str, detail: dict) -> None:
        """A domain observer: queue the webhooks this notice becomes (on the sim's loop)."""
        if self.url is None:
            return
        for webhook_type in webhook_types(kind, detail):
            data: dict[str, Any] = {
                "type": webhook_type,
                "id": object_id,
                "organization_id": ORGANIZATION,
                "workspace_id": WORKSPACE,
            }
            if kind == "vault_credential.refresh_failed":
                data["vault_id"] = detail.get("vault_id")
            self._enqueue(data)

    def _enqueue(self, data: dict[str, Any]) -> None:
        if self._queue is None:
            self._queue = asyncio.Queue(QUEUE_LIMIT)
            self._task = asyncio.get_running_loop().create_task(self._run(), name="sim-webhooks")
        self._ids += 1
        message_id = f"msg_{secrets.token_hex(8)}{self._ids:06d}"
        body = {
            "type": "event",
            "id": f"wevt_{secrets.token_hex(10)}",
            "created_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            "data": data,
        }
        try:
            self._queue.put_nowait((message_id, json.dumps(body).encode()))
        except asyncio.QueueFull:
            self.dropped += 1

    def headers(self, message_id: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
        """The Standard Webhooks headers for a delivery."""
        stamp = int(time.time()) if timestamp is None else timestamp
        signed = f"{message_id}.{stamp}.".encode() + body
        digest = hmac.new(self._key, signed, hashlib.sha256).digest()
        return {
            "content-type": "application/json",
            "webhook-id": message_id,
            "webhook-timestamp": str(stamp),
            "webhook-signature": "v1," + base64.b64encode(digest).decode(),
        }

    async def _run(self) -> None:
        import httpx  # only once webhooks are on: `drover sim` alone loads no HTTP client

        assert self._queue is not None
        async with httpx.AsyncClient(timeout=5.0) as client:
            while True:
                message_id, body = await self._queue.get()
                url = self.url
                if url is None:
                    continue
                try:
                    response = await client.post(
                        url, content=body, headers=self.headers(message_id, body)
                    )
                    if response.status_code < 300:
                        self.sent += 1
                    else:
                        self.failed += 1
                except httpx.HTTPError as exc:
                    self.failed += 1
                    log.info("webhook to %s failed: %s", url, exc)

    async def stop(self) -> None:
        """Stop sending (what is still queued is dropped)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._queue = None

    def stats(self) -> dict[str, Any]:
        """For ``/_sim/stats`` and ``GET /_sim/webhooks`` (never the secret)."""
        return {
            "url": self.url,
            "sent": self.sent,
            "failed": self.failed,
            "dropped": self.dropped,
            "queued": self._queue.qsize() if self._queue is not None else 0,
        }
