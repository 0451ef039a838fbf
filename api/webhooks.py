"""Managed Agents webhooks: checking a delivery's signature, and what it says.

The platform signs webhooks the Standard Webhooks way, as the official SDK's
`client.beta.webhooks.unwrap(payload, headers=…, key=…)` checks them:

* three headers: `webhook-id` (the message id), `webhook-timestamp` (Unix seconds) and
  `webhook-signature` (space-separated `v1,<base64>` signatures; any one matching suffices,
  which is how a rotated secret keeps working);
* the signed content is `"{webhook-id}.{webhook-timestamp}.{body}"`, the body byte for byte as
  received, signed with HMAC-SHA256 under the secret; a `whsec_` secret is the base64 of the
  key's bytes (missing padding is tolerated);
* a timestamp more than five minutes from now, either way, is refused;
* the signature is compared in constant time.

The SDK stops there. A hub also refuses a **replayed** delivery (a message id it has already
accepted within the tolerance: outside it the timestamp check refuses it anyway), with
`ReplayGuard`. Nothing here does I/O; the hub's HTTP server (`drover.hub.server`) calls
`verify_webhook` before anything in the body is looked at.

The body is `{"type": "event", "id": …, "created_at": …, "data": {"type": "session.requires_action",
"id": "sesn_…", "organization_id": …, "workspace_id": …}}`; `data.id` names the object the
event is about (a session, a vault credential — then `data.vault_id` names its vault, …).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = [
    "SESSION_TYPES",
    "TOLERANCE_SECONDS",
    "ReplayGuard",
    "WebhookEvent",
    "WebhookVerificationError",
    "decode_secret",
    "sign_webhook",
    "verify_webhook",
]

TOLERANCE_SECONDS = 300.0
"""How far a delivery's timestamp may be from now, either way (the SDK's five minutes)."""
SECRET_PREFIX = "whsec_"
SESSION_TYPES = frozenset(
    {
        "session.created", "session.pending", "session.running", "session.idled",
        "session.requires_action", "session.archived", "session.deleted", "session.updated",
        "session.status_rescheduled", "session.status_run_started", "session.status_idled",
        "session.status_terminated", "session.thread_created", "session.thread_idled",
        "session.thread_terminated", "session.outcome_evaluation_ended",
        "session.budget_reached",
    }
)  # fmt: skip
"""Webhook event types whose `data.id` is a session."""


class WebhookVerificationError(ValueError):
    """A delivery that must not be trusted: the message says why (never what it carried)."""


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    """A verified webhook.

    Attributes:
        message_id: the `webhook-id` header (what a replay repeats).
        event_id: the body's `id`.
        type: `data.type` (`session.requires_action`, `vault_credential.refresh_failed`, …).
        object_id: `data.id`: the session (or credential, vault, agent…) it is about.
        created_at: the body's `created_at`, as sent.
        timestamp: the `webhook-timestamp` header (Unix seconds).
        data: the whole `data` object.
    """

    message_id: str
    event_id: str
    type: str
    object_id: str
    created_at: str
    timestamp: float
    data: Mapping[str, object]

    @property
    def session_id(self) -> str | None:
        """The session it is about, if it is about one."""
        return self.object_id if self.type in SESSION_TYPES else None


def decode_secret(secret: str | bytes) -> bytes:
    """The key bytes of a signing secret (`whsec_…` base64 text, or the raw bytes).

    Raises:
        ValueError: empty, or not base64.
    """
    if isinstance(secret, bytes):
        key = secret
    else:
        text = secret.removeprefix(SECRET_PREFIX)
        try:
            key = base64.b64decode(text + "==", validate=False)
        except (binascii.Error, ValueError) as exc:
            raise ValueError("the webhook secret is not base64 (whsec_…)") from exc
    if not key:
        raise ValueError("the webhook secret is empty")
    return key


def sign_webhook(key: bytes, message_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` value for a delivery (`v1,<base64 HMAC-SHA256>`)."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify_webhook(
    body: bytes,
    headers: Mapping[str, str],
    key: bytes,
    *,
    now: float | None = None,
    tolerance: float = TOLERANCE_SECONDS,
) -> WebhookEvent:
    """Check a delivery's signature and timestamp, then read its body.

    Args:
        body: the request body exactly as received.
        headers: the request headers (any case).
        key: the signing key (`decode_secret`).
        now: the current Unix time (default: the clock's).
        tolerance: seconds the timestamp may be off, either way.

    Raises:
        WebhookVerificationError: a header is missing, the timestamp is malformed, stale or
            from the future, no signature matches, or the signed body is not a webhook event.
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    message_id = lowered.get("webhook-id", "")
    stamp = lowered.get("webhook-timestamp", "")
    signatures = lowered.get("webhook-signature", "")
    if not (message_id and stamp and signatures):
        raise WebhookVerificationError("missing webhook-id, webhook-timestamp or signature")
    try:
        timestamp = float(stamp)
    except ValueError:
        raise WebhookVerificationError("malformed webhook-timestamp") from None
    if timestamp != timestamp or timestamp in (float("inf"), float("-inf")):  # NaN, ±inf
        raise WebhookVerificationError("malformed webhook-timestamp")
    moment = time.time() if now is None else now
    if timestamp < moment - tolerance:
        raise WebhookVerificationError("stale webhook-timestamp (older than the tolerance)")
    if timestamp > moment + tolerance:
        raise WebhookVerificationError("webhook-timestamp is in the future")
    expected = sign_webhook(key, message_id, int(timestamp // 1), body).encode()
    if not any(hmac.compare_digest(expected, given.encode()) for given in signatures.split(" ")):
        raise WebhookVerificationError("no matching signature")
    return _parse(body, message_id, timestamp)


def _parse(body: bytes, message_id: str, timestamp: float) -> WebhookEvent:
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise WebhookVerificationError("the signed body is not JSON") from None
    data = payload.get("data") if isinstance(payload, dict) else None
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        raise WebhookVerificationError("the signed body is not a webhook event")
    return WebhookEvent(
        message_id=message_id,
        event_id=str(payload.get("id") or ""),
        type=data["type"],
        object_id=str(data.get("id") or ""),
        created_at=str(payload.get("created_at") or ""),
        timestamp=timestamp,
        data=data,
    )


class ReplayGuard:
    """Remembers the message ids accepted within the tolerance, and refuses them again.

    Args:
        tolerance: how long an id is remembered (past it the timestamp check refuses it).
        capacity: most ids remembered (the oldest are forgotten first).
    """

    def __init__(self, tolerance: float = TOLERANCE_SECONDS, capacity: int = 100_000) -> None:
        self._tolerance = tolerance
        self._capacity = capacity
        self._seen: OrderedDict[str, float] = OrderedDict()

    def admit(self, event: WebhookEvent, *, now: float | None = None) -> None:
        """Accept a verified delivery once.

        Raises:
            WebhookVerificationError: its message id was accepted before.
        """
        moment = time.time() if now is None else now
        while self._seen and (
            len(self._seen) >= self._capacity
            or next(iter(self._seen.values())) < moment - 2 * self._tolerance
        ):
            self._seen.popitem(last=False)
        if event.message_id in self._seen:
            raise WebhookVerificationError("replayed webhook-id")
        self._seen[event.message_id] = moment
