"""Builders of the wire objects of §5: agents, environments, sessions, threads, resources.

Builders take already-validated input (see the ``validate_*`` modules of
:mod:`drover.sim.domain`) and return complete objects: every key the SDK model declares as
required is present, ``null`` where the protocol documents it.
"""

from __future__ import annotations

import copy

from drover.sim.wire.pricing import money

#: Keys of an agent that a session snapshot carries (``BetaManagedAgentsSessionAgent``).
SNAPSHOT_KEYS = (
    "id",
    "version",
    "name",
    "description",
    "system",
    "model",
    "tools",
    "mcp_servers",
    "skills",
    "multiagent",
    "execution_identity",
)
DEFAULT_FILE_MOUNT = "/mnt/session/uploads/{file_id}"
DEFAULT_REPO_MOUNT = "/workspace/{name}"
DEFAULT_MEMORY_MOUNT = "/mnt/memory/{slug}"


def new_agent(agent_id: str, fields: dict, now: str) -> dict:
    """Version 1 of an agent from validated create fields (``multiagent`` already resolved)."""
    return {
        "type": "agent",
        "id": agent_id,
        "version": 1,
        "name": fields["name"],
        "description": fields.get("description"),
        "system": fields.get("system"),
        "model": fields["model"],
        "tools": fields.get("tools", []),
        "mcp_servers": fields.get("mcp_servers", []),
        "skills": fields.get("skills", []),
        "multiagent": fields.get("multiagent"),
        "execution_identity": fields.get("execution_identity", {"type": "service_account"}),
        "metadata": fields.get("metadata", {}),
        "created_at": now,
        "updated_at": now,
        "archived_at": None,
    }


def thread_agent(agent: dict) -> dict:
    """An agent as a thread/roster member shows it (``BetaManagedAgentsSessionThreadAgent``)."""
    return {
        "type": "agent",
        **{k: copy.deepcopy(agent[k]) for k in SNAPSHOT_KEYS if k not in ("multiagent",)},
    }


def session_agent(agent: dict, overrides: dict | None, members: dict[str, dict]) -> dict:
    """The session's resolved snapshot of an agent version.

    Args:
        agent: The agent version object.
        overrides: ``agent_with_overrides`` fields (model, system, tools, mcp_servers, skills),
            already validated; the snapshot keeps the base ``id``/``version``.
        members: Agent id → the version its ``multiagent`` references (full definitions in
            the snapshot: a coordinator's roster, or the predefined agents of
            ``multiagent_20261001``'s subagents and workflows).
    """
    snap = {"type": "agent", **{k: copy.deepcopy(agent[k]) for k in SNAPSHOT_KEYS}}
    snap.update(copy.deepcopy(overrides or {}))
    multiagent = agent.get("multiagent")

    def expand(refs: list[dict]) -> list[dict]:
        return [thread_agent(members[r["id"]]) if r["type"] == "agent" else dict(r) for r in refs]

    if multiagent and multiagent["type"] == "coordinator":
        snap["multiagent"] = {"type": "coordinator", "agents": expand(multiagent["agents"])}
    elif multiagent:
        shown = copy.deepcopy(multiagent)
        for name in ("subagents", "workflows"):
            if shown[name]["type"] == "enabled":
                shown[name]["predefined_agents"] = expand(shown[name]["predefined_agents"])
        snap["multiagent"] = shown
    return snap


def inline_agent(name: str, base: dict) -> dict:
    """An agent a multiagent session defines on the fly (``BetaManagedAgentsInlineAgent``):
    the session agent's configuration under another name, never saved."""
    keys = ("description", "system", "model", "tools", "mcp_servers", "skills")
    shown = {k: copy.deepcopy(base[k]) for k in keys}
    return {
        "type": "inline",
        "name": name,
        **shown,
        "execution_identity": {"type": "service_account"},
    }


def new_environment(env_id: str, fields: dict, now: str) -> dict:
    """An environment from validated create fields."""
    return {
        "type": "environment",
        "id": env_id,
        "name": fields["name"],
        "description": fields.get("description"),
        "config": fields.get("config") or _default_cloud_config(),
        "metadata": fields.get("metadata", {}),
        "scope": fields.get("scope", "organization"),
        "created_at": now,
        "updated_at": now,
        "archived_at": None,
    }


def _default_cloud_config() -> dict:
    packages = {
        "type": "packages",
        "apt": [],
        "cargo": [],
        "gem": [],
        "go": [],
        "npm": [],
        "pip": [],
    }
    return {"type": "cloud", "networking": {"type": "unrestricted"}, "packages": packages}


def empty_usage() -> dict:
    """A session's usage before any work."""
    return {
        "input_tokens": 0,
        "output_tokens": 0,
        "cache_read_input_tokens": 0,
        "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
        "list_cost": money(0),
        "active_seconds": 0.0,
        "server_tool_use": {"web_search_requests": 0, "web_fetch_requests": 0},
    }


def new_session(
    session_id: str,
    *,
    agent: dict,
    environment_id: str,
    fields: dict,
    resources: list[dict],
    now: str,
) -> dict:
    """A new, idle session object."""
    return {
        "type": "session",
        "id": session_id,
        "title": fields.get("title"),
        "status": "idle",
        "agent": agent,
        "environment_id": environment_id,
        "metadata": fields.get("metadata", {}),
        "resources": resources,
        "vault_ids": fields.get("vault_ids", []),
        "outcome_evaluations": [],
        "budget": fields.get("budget"),
        "stats": {"active_seconds": 0.0, "duration_seconds": 0.0},
        "usage": empty_usage(),
        "deployment_id": None,
        "created_at": now,
        "updated_at": now,
        "archived_at": None,
    }


def new_resource(resource_id: str, spec: dict, now: str, store: dict | None = None) -> dict:
    """A session resource from a validated create spec (§4.6); ``store`` is the memory store a
    ``memory_store`` spec names (its name and description are snapshotted)."""
    kind = spec["type"]
    if kind == "github_repository":
        name = spec["url"].rstrip("/").rsplit("/", 1)[-1].removesuffix(".git") or "repo"
        return {
            "type": kind,
            "id": resource_id,
            "url": spec["url"],
            "mount_path": spec.get("mount_path") or DEFAULT_REPO_MOUNT.format(name=name),
            "checkout": spec.get("checkout"),
            "created_at": now,
            "updated_at": now,
        }
    if kind == "file":
        return {
            "type": kind,
            "id": resource_id,
            "file_id": spec["file_id"],
            "mount_path": spec.get("mount_path")
            or DEFAULT_FILE_MOUNT.format(file_id=spec["file_id"]),
            "created_at": now,
            "updated_at": now,
        }
    name = (store or {}).get("name") or spec["memory_store_id"]
    return {
        "type": kind,
        "memory_store_id": spec["memory_store_id"],
        "access": spec.get("access") or "read_write",
        "instructions": spec.get("instructions"),
        "name": name,
        "description": (store or {}).get("description") or "",
        "mount_path": DEFAULT_MEMORY_MOUNT.format(slug=_slug(name)),
    }


def _slug(name: str) -> str:
    """A mount directory from a store's name (``User preferences`` → ``user-preferences``)."""
    out = "".join(c.lower() if c.isalnum() else "-" for c in name).strip("-")
    while "--" in out:
        out = out.replace("--", "-")
    return out or "memory"


def new_thread(thread_id: str, session_id: str, agent: dict, parent: str | None, now: str) -> dict:
    """A thread object; the primary thread has ``parent_thread_id`` null."""
    return {
        "type": "session_thread",
        "id": thread_id,
        "session_id": session_id,
        "parent_thread_id": parent,
        "status": "idle",
        "agent": agent,
        "stats": None,
        "usage": None,
        "workflow_run_id": None,
        "created_at": now,
        "updated_at": now,
        "archived_at": None,
    }
