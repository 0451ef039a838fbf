"""Validate wire objects against the official SDK's own pydantic types, strictly.

The SDK's models accept unknown keys silently (``extra="allow"``), so a plain ``validate``
would pass a misspelled field. :func:`assert_wire_shape` also walks the parsed model and fails
on any key the SDK does not declare, which is what "indistinguishable from the real server"
needs. (Whether every *required* key is present is the TypeScript SDK's job: the Python models
give nullable fields a default, so they cannot tell required-nullable from optional; see
``tests/ts/``.)
"""

from __future__ import annotations

from typing import Any

import pydantic
from anthropic.types.beta import (
    BetaDeletedFile,
    BetaDeletedSkill,
    BetaEnvironment,
    BetaEnvironmentDeleteResponse,
    BetaFileMetadata,
    BetaManagedAgentsAgent,
    BetaManagedAgentsDeletedMemoryStore,
    BetaManagedAgentsDeletedSession,
    BetaManagedAgentsDeletedVault,
    BetaManagedAgentsDeployment,
    BetaManagedAgentsDeploymentRun,
    BetaManagedAgentsMemoryStore,
    BetaManagedAgentsSession,
    BetaManagedAgentsVault,
    BetaSkill,
)
from anthropic.types.beta.environments import (
    BetaSelfHostedWork,
    BetaSelfHostedWorkHeartbeatResponse,
    BetaSelfHostedWorkQueueStats,
)
from anthropic.types.beta.memory_stores import (
    BetaManagedAgentsDeletedMemory,
    BetaManagedAgentsMemory,
    BetaManagedAgentsMemoryPrefix,
    BetaManagedAgentsMemoryVersion,
)
from anthropic.types.beta.sessions import (
    BetaManagedAgentsDeleteSessionResource,
    BetaManagedAgentsSessionEvent,
    BetaManagedAgentsSessionResource,
    BetaManagedAgentsSessionThread,
    BetaManagedAgentsStreamSessionEvents,
)
from anthropic.types.beta.skills import BetaSkillVersion
from anthropic.types.beta.vaults import (
    BetaManagedAgentsCredential,
    BetaManagedAgentsCredentialValidation,
    BetaManagedAgentsDeletedCredential,
)
from anthropic.types.shared import ErrorType
from anthropic.types.shared.error_details import ErrorDetails

PERSISTED_EVENT = pydantic.TypeAdapter(BetaManagedAgentsSessionEvent)
STREAM_EVENT = pydantic.TypeAdapter(BetaManagedAgentsStreamSessionEvents)
RESOURCE = pydantic.TypeAdapter(BetaManagedAgentsSessionResource)
#: Object ``type`` → the SDK type that parses it.
MODELS: dict[str, Any] = {
    name: pydantic.TypeAdapter(model)
    for name, model in {
        "agent": BetaManagedAgentsAgent,
        "environment": BetaEnvironment,
        "environment_deleted": BetaEnvironmentDeleteResponse,
        "session": BetaManagedAgentsSession,
        "session_thread": BetaManagedAgentsSessionThread,
        "session_deleted": BetaManagedAgentsDeletedSession,
        "session_resource_deleted": BetaManagedAgentsDeleteSessionResource,
        "vault": BetaManagedAgentsVault,
        "vault_deleted": BetaManagedAgentsDeletedVault,
        "vault_credential": BetaManagedAgentsCredential,
        "vault_credential_deleted": BetaManagedAgentsDeletedCredential,
        "vault_credential_validation": BetaManagedAgentsCredentialValidation,
        "memory_store": BetaManagedAgentsMemoryStore,
        "memory_store_deleted": BetaManagedAgentsDeletedMemoryStore,
        "memory": BetaManagedAgentsMemory,
        "memory_prefix": BetaManagedAgentsMemoryPrefix,
        "memory_deleted": BetaManagedAgentsDeletedMemory,
        "memory_version": BetaManagedAgentsMemoryVersion,
        "file_deleted": BetaDeletedFile,
        "skill": BetaSkill,
        "skill_deleted": BetaDeletedSkill,
        "skill_version": BetaSkillVersion,
        "deployment": BetaManagedAgentsDeployment,
        "deployment_run": BetaManagedAgentsDeploymentRun,
        "work": BetaSelfHostedWork,
        "work_heartbeat": BetaSelfHostedWorkHeartbeatResponse,
        "work_queue_stats": BetaSelfHostedWorkQueueStats,
    }.items()
}
FILE = pydantic.TypeAdapter(BetaFileMetadata)
DETAILS = pydantic.TypeAdapter(ErrorDetails)
#: Fields an error object may carry besides type, message and details (the TypeScript SDK
#: declares them on memory path conflicts).
ERROR_EXTRAS = {"memory_path_conflict_error": {"conflicting_memory_id", "conflicting_path"}}


def adapter_for(obj: dict) -> pydantic.TypeAdapter:
    """The SDK type of a wire object, chosen by its ``type`` (events: the stream union)."""
    kind = obj.get("type")
    if kind in ("github_repository", "memory_store") and "memory_store_id" in obj:
        return RESOURCE
    if kind == "github_repository" or (kind == "file" and "file_id" in obj):
        return RESOURCE
    if kind == "file":
        return FILE
    return MODELS.get(kind, STREAM_EVENT)


def _extra_keys(value: Any, path: str = "$") -> list[str]:
    """Every undeclared key anywhere inside a parsed SDK value, as JSON-path-like strings."""
    found: list[str] = []
    if isinstance(value, pydantic.BaseModel):
        for key in value.model_extra or {}:
            found.append(f"{path}.{key}")
        for name in type(value).model_fields:
            found += _extra_keys(getattr(value, name), f"{path}.{name}")
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            found += _extra_keys(item, f"{path}[{i}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            found += _extra_keys(item, f"{path}.{key}")
    return found


def assert_wire_shape(obj: dict, adapter: pydantic.TypeAdapter | None = None) -> Any:
    """Parse ``obj`` with the SDK type for it and fail on unknown keys; return the model.

    Args:
        obj: A wire object (event, session, agent, environment, thread, vault, memory…).
        adapter: The SDK type to use; by default chosen from ``obj["type"]`` (events use the
            stream union, which includes ``event_start``/``event_delta`` and every persisted
            event type).
    """
    adapter = adapter or adapter_for(obj)
    parsed = adapter.validate_python(obj)
    extra = _extra_keys(parsed)
    assert not extra, f"keys the SDK does not declare in {obj.get('type')}: {extra}"
    return parsed


def assert_error_shape(body: dict) -> None:
    """An error envelope as the SDK reads it: a known ``error.type``, and ``details`` (if any)
    one of the SDK's ``ErrorDetails`` with nothing undeclared."""
    assert set(body) == {"type", "error", "request_id"} and body["type"] == "error", body
    assert isinstance(body["request_id"], str) and body["request_id"].startswith("req_")
    error = body["error"]
    kind = error["type"]
    assert kind in ErrorType.__args__, f"error.type {kind!r} is not one the SDK declares"
    assert isinstance(error["message"], str) and error["message"]
    allowed = {"type", "message", "details", *ERROR_EXTRAS.get(kind, ())}
    assert set(error) <= allowed, f"undeclared error fields: {set(error) - allowed}"
    if "details" in error:
        parsed = DETAILS.validate_python(error["details"])
        extra = _extra_keys(parsed)
        assert not extra, f"keys the SDK does not declare in error.details: {extra}"


def fetch_strict(raw: Any, path: str, **kw: Any) -> dict:
    """GET ``path`` with the raw client and check every object in it (a page's items, or the
    object itself) strictly against the SDK's types."""
    body = raw.get(path, **kw).json()
    for item in body.get("data", [body]):
        assert_wire_shape(item)
    return body
