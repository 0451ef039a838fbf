"""Light typed views over raw resource dicts.

The client returns raw dicts so nothing is lost; these views give typed access to the fields
the UI uses. They accept and keep unknown fields (``extra="allow"``), tolerate missing
optional ones, and never reject a future status or type string.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from drover.api.wire import JSONObject

__all__ = ["AgentView", "EnvironmentView", "SessionView", "ThreadView"]


class _View(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    id: str
    type: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    archived_at: str | None = None


class AgentView(_View):
    """An agent (or one version of it)."""

    name: str | None = None
    version: int | None = None
    description: str | None = None
    model: Any = None
    metadata: dict[str, str] = {}


class EnvironmentView(_View):
    """An environment."""

    name: str | None = None
    description: str | None = None
    config: JSONObject | None = None


class SessionView(_View):
    """A session: status, title, agent snapshot, usage and budget."""

    status: str | None = None
    title: str | None = None
    environment_id: str | None = None
    agent: JSONObject | None = None
    metadata: dict[str, str] = {}
    usage: JSONObject | None = None
    budget: JSONObject | None = None
    stats: JSONObject | None = None

    @property
    def list_cost_cents(self) -> int | None:
        """``usage.list_cost.amount`` as an int (cents), or None when not reported."""
        cost = (self.usage or {}).get("list_cost") or {}
        try:
            return int(cost["amount"])
        except (KeyError, TypeError, ValueError):
            return None


class ThreadView(_View):
    """A session thread (``parent_thread_id`` is None for the primary thread)."""

    session_id: str | None = None
    parent_thread_id: str | None = None
    status: str | None = None
    agent: JSONObject | None = None
    usage: JSONObject | None = None
