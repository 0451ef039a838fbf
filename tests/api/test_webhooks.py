"""Webhook signatures, checked the way the official SDK's `webhooks.unwrap` checks them: the
SDK's own verifier accepts what the sim signs and drover accepts, and refuses what drover
refuses (a bad signature, a stale or future timestamp, a missing header); a replay is refused
by the guard."""

from __future__ import annotations

import base64
import json
import time

import pytest

from drover.api.webhooks import (
    ReplayGuard,
    WebhookVerificationError,
    decode_secret,
    sign_webhook,
    verify_webhook,
)

SECRET = "whsec_" + base64.b64encode(b"drover-test-signing-key-0123456").decode()
BODY = json.dumps(
    {"type": "event", "id": "wevt_1", "created_at": "2026-05-12T10:00:00Z",
     "data": {"type": "session.requires_action", "id": "sesn_1", "organization_id": "org_1",
              "workspace_id": "wrkspc_1"}}
).encode()  # fmt: skip


def _headers(body: bytes = BODY, *, at: float | None = None, message: str = "msg_1") -> dict:
    stamp = int(time.time() if at is None else at)
    return {
        "Webhook-Id": message,
        "Webhook-Timestamp": str(stamp),
        "Webhook-Signature": sign_webhook(decode_secret(SECRET), message, stamp, body),
    }


def _sdk_unwrap(body: bytes, headers: dict) -> object:
    anthropic = pytest.importorskip("anthropic")
    pytest.importorskip("standardwebhooks")
    client = anthropic.Anthropic(api_key="unused")
    return client.beta.webhooks.unwrap(body.decode(), headers=headers, key=SECRET)


def test_a_valid_signature_is_accepted_and_read() -> None:
    event = verify_webhook(BODY, _headers(), decode_secret(SECRET))
    assert (event.type, event.session_id, event.message_id) == (
        "session.requires_action", "sesn_1", "msg_1",
    )  # fmt: skip


def test_a_rotated_secret_matches_any_of_the_signatures() -> None:
    headers = _headers()
    headers["Webhook-Signature"] = "v1,bm90IGl0 " + headers["Webhook-Signature"]
    assert verify_webhook(BODY, headers, decode_secret(SECRET)).object_id == "sesn_1"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda h, b: (h | {"Webhook-Signature": "v1,AAAA"}, b), "no matching signature"),
        (lambda h, b: (h, b.replace(b"sesn_1", b"sesn_2")), "no matching signature"),
        (lambda h, b: ({**h, "Webhook-Id": "msg_2"}, b), "no matching signature"),
        (lambda h, b: (_headers(at=time.time() - 400), b), "stale"),
        (lambda h, b: (_headers(at=time.time() + 400), b), "future"),
        (lambda h, b: ({k: v for k, v in h.items() if k != "Webhook-Id"}, b), "missing"),
        (lambda h, b: (h | {"Webhook-Timestamp": "soon"}, b), "malformed"),
    ],
    ids=["bad-signature", "tampered-body", "other-id", "stale", "future", "no-id", "bad-time"],
)
def test_a_bad_stale_or_tampered_delivery_is_refused_like_the_sdk_refuses_it(
    change, reason
) -> None:
    headers, body = change(_headers(), BODY)
    with pytest.raises(WebhookVerificationError, match=reason):
        verify_webhook(body, headers, decode_secret(SECRET))
    with pytest.raises(Exception, match=r"(?i)signature|timestamp|header"):
        _sdk_unwrap(body, headers)


def test_the_sdk_accepts_what_drover_signs_and_accepts() -> None:
    headers = _headers()
    event = _sdk_unwrap(BODY, headers)
    assert event.data.type == "session.requires_action"  # type: ignore[attr-defined]
    assert verify_webhook(BODY, headers, decode_secret(SECRET)).object_id == "sesn_1"


def test_a_replayed_delivery_is_refused_by_the_guard() -> None:
    guard = ReplayGuard()
    event = verify_webhook(BODY, _headers(), decode_secret(SECRET))
    guard.admit(event)
    again = verify_webhook(BODY, _headers(), decode_secret(SECRET))  # still correctly signed
    with pytest.raises(WebhookVerificationError, match="replayed"):
        guard.admit(again)
    guard.admit(verify_webhook(BODY, _headers(message="msg_2"), decode_secret(SECRET)))


def test_a_signed_body_that_is_no_event_is_refused() -> None:
    body = b'{"hello": 1}'
    with pytest.raises(WebhookVerificationError, match="not a webhook event"):
        verify_webhook(body, _headers(body), decode_secret(SECRET))
