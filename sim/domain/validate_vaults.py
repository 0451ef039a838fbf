"""Validation of vault and credential request bodies (SDK ``beta.vaults``, ``.credentials``).

Each ``check_*`` returns the normalized fields it checked. Secrets (``access_token``,
``refresh_token``, ``client_secret``, ``token``, ``secret_value``) are checked and kept apart:
they are write-only, so no response ever carries them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from drover.sim.domain.checks import (
    body_object,
    field,
    metadata,
    no_unknown,
    str_list,
    text,
    typed,
)
from drover.sim.wire.errors import invalid
from drover.sim.wire.ids import parse_rfc3339

AUTH_TYPES = ("mcp_oauth", "static_bearer", "environment_variable")
ENDPOINT_AUTH = ("none", "client_secret_basic", "client_secret_post")


def check_vault(body: Any, *, update: bool) -> dict:
    """A vault create/update body → the fields given (``display_name`` required on create)."""
    body = body_object(body)
    no_unknown(body, ("display_name", "metadata"), "body")
    out: dict = {}
    if "display_name" in body or not update:
        name = text(body, "display_name", "body", required=not update, nullable=update)
        if name is not None:
            out["display_name"] = text(body, "display_name", "body", min_len=1, max_len=255)
    if "metadata" in body:
        meta = body["metadata"] if body["metadata"] is not None else {}
        out["metadata"] = metadata(meta, "body.metadata", patch=update)
    return out


def _networking(value: Any, where: str) -> dict:
    kind = typed(value, ("unrestricted", "limited"), where)
    if kind == "unrestricted":
        no_unknown(value, ("type",), where)
        return {"type": kind}
    no_unknown(value, ("type", "allowed_hosts"), where)
    hosts = str_list(value, "allowed_hosts", where)
    if not hosts:
        raise invalid(f"{where}.allowed_hosts: must have at least 1 host")
    return {"type": kind, "allowed_hosts": hosts}


def _injection(value: Any, where: str, current: dict | None = None) -> dict:
    if not isinstance(value, dict):
        raise invalid(f"{where}: expected an object")
    no_unknown(value, ("body", "header"), where)
    base = current or {"body": False, "header": True}
    return {
        "body": field(value, "body", bool, where, default=base["body"]),
        "header": field(value, "header", bool, where, default=base["header"]),
    }


def _expiry(obj: dict, where: str, now: datetime | None) -> str | None:
    """``expires_at``: RFC 3339, and in the future when ``now`` is given (the SDK says so)."""
    stamp = text(obj, "expires_at", where, nullable=True)
    if stamp is not None:
        try:
            moment = parse_rfc3339(stamp)
        except ValueError:
            raise invalid(f"{where}.expires_at: not an RFC 3339 timestamp") from None
        if now is not None and moment <= now:
            raise invalid(f"{where}.expires_at: must be in the future")
    return stamp


def _endpoint_auth(value: Any, where: str, *, update: bool) -> tuple[dict, str | None]:
    kind = typed(value, ENDPOINT_AUTH, where)
    if kind == "none":
        no_unknown(value, ("type",), where)
        return {"type": kind}, None
    no_unknown(value, ("type", "client_secret"), where)
    secret = text(value, "client_secret", where, required=not update, nullable=update)
    return {"type": kind}, secret


def _refresh(value: Any, where: str) -> tuple[dict, dict]:
    keys = ("client_id", "refresh_token", "token_endpoint", "token_endpoint_auth")
    if not isinstance(value, dict):
        raise invalid(f"{where}: expected an object")
    no_unknown(value, (*keys, "resource", "scope"), where)
    auth, client_secret = _endpoint_auth(
        field(value, "token_endpoint_auth", dict, where, required=True),
        f"{where}.token_endpoint_auth",
        update=False,
    )
    shown = {
        "client_id": text(value, "client_id", where, required=True, min_len=1),
        "token_endpoint": text(value, "token_endpoint", where, required=True, min_len=1),
        "token_endpoint_auth": auth,
        "resource": text(value, "resource", where, nullable=True),
        "scope": text(value, "scope", where, nullable=True),
    }
    secrets = {
        "refresh_token": text(value, "refresh_token", where, required=True, min_len=1),
        "client_secret": client_secret,
    }
    return shown, secrets


def check_credential_create(body: Any, now: datetime) -> tuple[dict, dict]:
    """A credential create body → ``(fields, secrets)``; ``fields["auth"]`` is the response form."""
    body = body_object(body)
    no_unknown(body, ("auth", "display_name", "metadata"), "body")
    where = "body.auth"
    auth = field(body, "auth", dict, "body", required=True)
    kind = typed(auth, AUTH_TYPES, where)
    secrets: dict = {}
    if kind == "mcp_oauth":
        no_unknown(auth, ("type", "access_token", "mcp_server_url", "expires_at", "refresh"), where)
        secrets["access_token"] = text(auth, "access_token", where, required=True, min_len=1)
        shown: dict = {
            "type": kind,
            "mcp_server_url": text(auth, "mcp_server_url", where, required=True, min_len=1),
            "expires_at": _expiry(auth, where, now),
            "refresh": None,
        }
        if auth.get("refresh") is not None:
            shown["refresh"], more = _refresh(auth["refresh"], f"{where}.refresh")
            secrets.update(more)
    elif kind == "static_bearer":
        no_unknown(auth, ("type", "token", "mcp_server_url"), where)
        secrets["token"] = text(auth, "token", where, required=True, min_len=1)
        shown = {
            "type": kind,
            "mcp_server_url": text(auth, "mcp_server_url", where, required=True, min_len=1),
        }
    else:
        keys = ("type", "networking", "secret_name", "secret_value", "injection_location")
        no_unknown(auth, keys, where)
        secrets["secret_value"] = text(auth, "secret_value", where, required=True, min_len=1)
        name = text(auth, "secret_name", where, required=True, min_len=1, max_len=255)
        if not name.replace("_", "a").isalnum() or name[0].isdigit():
            raise invalid(f"{where}.secret_name: must be a valid environment variable name")
        shown = {
            "type": kind,
            "secret_name": name,
            "networking": _networking(auth.get("networking"), f"{where}.networking"),
            "injection_location": _injection(
                auth.get("injection_location") or {}, f"{where}.injection_location"
            ),
        }
    fields = {
        "auth": shown,
        "display_name": text(body, "display_name", "body", nullable=True, max_len=255),
        "metadata": metadata(body.get("metadata") or {}, "body.metadata"),
    }
    return fields, secrets


def check_credential_update(body: Any, current: dict, now: datetime) -> tuple[dict, dict]:
    """A credential update body against the stored ``auth`` → ``(fields, secrets)``.

    ``auth.type`` must match the stored one; immutable parts (server URL, secret name, client
    id) cannot be sent.
    """
    body = body_object(body)
    no_unknown(body, ("auth", "display_name", "metadata"), "body")
    fields: dict = {}
    secrets: dict = {}
    if "display_name" in body:
        fields["display_name"] = text(body, "display_name", "body", nullable=True, max_len=255)
    if "metadata" in body:
        fields["metadata"] = metadata(body["metadata"] or {}, "body.metadata", patch=True)
    if body.get("auth") is None:
        return fields, secrets
    where = "body.auth"
    auth = body["auth"]
    kind = typed(auth, AUTH_TYPES, where)
    if kind != current["type"]:
        raise invalid(f"{where}.type: the credential is {current['type']}; it cannot change")
    shown = dict(current)
    if kind == "mcp_oauth":
        no_unknown(auth, ("type", "access_token", "expires_at", "refresh"), where)
        if (token := text(auth, "access_token", where, nullable=True)) is not None:
            secrets["access_token"] = token
        if "expires_at" in auth:
            shown["expires_at"] = _expiry(auth, where, now)
        refresh = auth.get("refresh")
        if refresh is not None:
            at = f"{where}.refresh"
            if not isinstance(refresh, dict):
                raise invalid(f"{at}: expected an object")
            if current.get("refresh") is None:
                raise invalid(f"{at}: the credential was created without refresh support")
            no_unknown(refresh, ("refresh_token", "scope", "token_endpoint_auth"), at)
            shown["refresh"] = dict(current["refresh"])
            if (token := text(refresh, "refresh_token", at, nullable=True)) is not None:
                secrets["refresh_token"] = token
            if "scope" in refresh:
                shown["refresh"]["scope"] = text(refresh, "scope", at, nullable=True)
            if refresh.get("token_endpoint_auth") is not None:
                endpoint, secret = _endpoint_auth(
                    refresh["token_endpoint_auth"], f"{at}.token_endpoint_auth", update=True
                )
                if endpoint["type"] == "none":
                    raise invalid(f"{at}.token_endpoint_auth.type: cannot change to none")
                shown["refresh"]["token_endpoint_auth"] = endpoint
                if secret is not None:
                    secrets["client_secret"] = secret
    elif kind == "static_bearer":
        no_unknown(auth, ("type", "token"), where)
        if (token := text(auth, "token", where, nullable=True)) is not None:
            secrets["token"] = token
    else:
        no_unknown(auth, ("type", "networking", "secret_value", "injection_location"), where)
        if (value := text(auth, "secret_value", where, nullable=True)) is not None:
            secrets["secret_value"] = value
        if auth.get("networking") is not None:
            shown["networking"] = _networking(auth["networking"], f"{where}.networking")
        if "injection_location" in auth:
            shown["injection_location"] = _injection(
                auth["injection_location"],
                f"{where}.injection_location",
                current["injection_location"],
            )
    fields["auth"] = shown
    return fields, secrets
