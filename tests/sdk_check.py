"""Validate wire objects against the official SDK's own pydantic types, strictly.

The SDK's models accept unknown keys silently (``extra="allow"``), so a plain ``validate``
would pass a misspelled field. :func:`assert_wire_shape` also walks the parsed model and fails
on any key the SDK does not declare, which is what "indistinguishable from the real server"
needs.
"""

from __future__ import annotations

from typing import Any

import pydantic
from anthropic.types.beta import (
    BetaEnvironment,
    BetaManagedAgentsAgent,
    BetaManagedAgentsSession,
)
from anthropic.types.beta.sessions import (
    BetaManagedAgentsSessionEvent,
    BetaManagedAgentsSessionThread,
    BetaManagedAgentsStreamSessionEvents,
)

PERSISTED_EVENT = pydantic.TypeAdapter(BetaManagedAgentsSessionEvent)
STREAM_EVENT = pydantic.TypeAdapter(BetaManagedAgentsStreamSessionEvents)
MODELS: dict[str, Any] = {
    "agent": pydantic.TypeAdapter(BetaManagedAgentsAgent),
    "environment": pydantic.TypeAdapter(BetaEnvironment),
    "session": pydantic.TypeAdapter(BetaManagedAgentsSession),
    "session_thread": pydantic.TypeAdapter(BetaManagedAgentsSessionThread),
}


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
        obj: A wire object (event, session, agent, environment, thread).
        adapter: The SDK type to use; by default chosen from ``obj["type"]`` (events use the
            stream union, which includes ``event_start``/``event_delta`` and every persisted
            event type).
    """
    if adapter is None:
        adapter = MODELS.get(obj.get("type"), STREAM_EVENT)
    parsed = adapter.validate_python(obj)
    extra = _extra_keys(parsed)
    assert not extra, f"keys the SDK does not declare in {obj.get('type')}: {extra}"
    return parsed
