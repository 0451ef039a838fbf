"""Builders of the wire objects beyond agents, environments and sessions: vaults and
credentials, memory stores, files and skills, deployments and their runs, self-hosted work.

Like :mod:`drover.sim.wire.objects`, builders take validated input and return complete objects:
every key the SDK declares as required is present, ``null`` where it is nullable.
"""

from __future__ import annotations

import base64
import hashlib
import json


def new_vault(vault_id: str, fields: dict, now: str) -> dict:
    return {
        "type": "vault",
        "id": vault_id,
        "display_name": fields["display_name"],
        "metadata": fields.get("metadata", {}),
        "created_at": now,
        "updated_at": now,
        "archived_at": None,
    }


def new_credential(credential_id: str, vault_id: str, fields: dict, now: str) -> dict:
    return {
        "type": "vault_credential",
        "id": credential_id,
        "vault_id": vault_id,
        "display_name": fields.get("display_name"),
        "auth": fields["auth"],
        "metadata": fields.get("metadata", {}),
        "created_at": now,
        "updated_at": now,
        "archived_at": None,
    }


def http_response(status: int) -> dict:
    """A captured error response of a validation probe or a token refresh."""
    body = {"error": "invalid_token" if status == 401 else "invalid_grant"}
    return {
        "status_code": status,
        "content_type": "application/json",
        "body": json.dumps(body),
        "body_truncated": False,
    }


# -- memory stores ---------------------------------------------------------------------------


def new_memory_store(store_id: str, fields: dict, now: str) -> dict:
    return {
        "type": "memory_store",
        "id": store_id,
        "name": fields["name"],
        "description": fields.get("description") or "",
        "metadata": fields.get("metadata", {}),
        "created_at": now,
        "updated_at": now,
        "archived_at": None,
    }


def digest(content: str) -> tuple[str, int]:
    """``(content_sha256, content_size_bytes)`` of a memory's UTF-8 text."""
    raw = content.encode("utf-8")
    return hashlib.sha256(raw).hexdigest(), len(raw)


def memory_view(memory: dict, full: bool) -> dict:
    """A memory as a response shows it: ``content`` only with ``view=full``."""
    return {**memory, "content": memory["content"] if full else None}


def version_view(version: dict, full: bool) -> dict:
    """A memory version as a response shows it (``content`` only with ``view=full``)."""
    shown = dict(version)
    if not full:
        shown["content"] = None
    return shown


# -- files and skills --------------------------------------------------------------------------


def new_file(file_id: str, name: str, mime: str, size: int, now: str, scope: dict | None) -> dict:
    return {
        "type": "file",
        "id": file_id,
        "filename": name,
        "mime_type": mime,
        "size_bytes": size,
        "created_at": now,
        "downloadable": scope is not None,  # only files a session produced can be downloaded
        "expires_at": None,
        "scope": scope,
    }


# -- self-hosted work ------------------------------------------------------------------------


def work_secret(session_id: str, base_url: str | None = None) -> str:
    """The ``secret`` a poll hands a worker: URL-safe base64 of JSON with a sessions token."""
    payload: dict = {"sessions_token": f"sk-ant-sim-session-{session_id}"}
    if base_url:
        payload["api_base_url"] = base_url
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def new_work(work_id: str, environment_id: str, session_id: str, now: str) -> dict:
    return {
        "type": "work",
        "id": work_id,
        "environment_id": environment_id,
        "data": {"type": "session", "id": session_id},
        "metadata": {},
        "secret": None,
        "state": "queued",
        "created_at": now,
        "acknowledged_at": None,
        "started_at": None,
        "latest_heartbeat_at": None,
        "stop_requested_at": None,
        "stopped_at": None,
    }
