"""Validation of session create/update bodies (§4.3). Ids are resolved by the domain."""

from __future__ import annotations

from typing import Any

from drover.sim.domain.checks import (
    body_object,
    enum,
    field,
    metadata,
    no_unknown,
    str_list,
    text,
    typed,
)
from drover.sim.domain.validate_agents import (
    check_mcp_servers,
    check_model,
    check_skills,
    check_tools,
)
from drover.sim.domain.validate_events import check_initial_events
from drover.sim.wire.errors import invalid

SESSION_FIELDS = (
    "agent",
    "environment_id",
    "title",
    "metadata",
    "resources",
    "vault_ids",
    "budget",
    "initial_events",
)
OVERRIDE_FIELDS = ("model", "system", "tools", "mcp_servers", "skills")


def check_budget(value: Any, where: str = "body.budget") -> dict:
    """``{"type":"limit","max_list_cost":{"amount":"<cents>","currency":"USD"}}``."""
    typed(value, ("limit",), where)
    no_unknown(value, ("type", "max_list_cost"), where)
    cost = field(value, "max_list_cost", dict, where, required=True)
    at = f"{where}.max_list_cost"
    no_unknown(cost, ("amount", "currency"), at)
    amount = text(cost, "amount", at, required=True)
    if not amount.isdigit() or (len(amount) > 1 and amount[0] == "0"):
        raise invalid(f"{at}.amount: must be a non-negative integer string in cents")
    enum(cost, "currency", ("USD",), at, required=True)
    return {"type": "limit", "max_list_cost": {"amount": amount, "currency": "USD"}}


def check_agent_ref(value: Any, where: str = "body.agent") -> dict:
    """The ``agent`` of a session create → ``{id, version|None, overrides|None}``."""
    if isinstance(value, str):
        if not value:
            raise invalid(f"{where}: must not be empty")
        return {"id": value, "version": None, "overrides": None}
    kind = typed(value, ("agent", "agent_with_overrides"), where)
    keys = ("type", "id", "version") + (OVERRIDE_FIELDS if kind == "agent_with_overrides" else ())
    no_unknown(value, keys, where)
    ref = {
        "id": text(value, "id", where, required=True, min_len=1),
        "version": field(value, "version", int, where, nullable=True),
        "overrides": None,
    }
    if kind == "agent_with_overrides":
        overrides: dict = {}
        if "model" in value:
            overrides["model"] = check_model(value["model"], f"{where}.model")
        if "system" in value:
            overrides["system"] = text(value, "system", where, nullable=True, max_len=100_000)
        if "tools" in value:
            overrides["tools"] = check_tools(value["tools"] or [], f"{where}.tools")
        if "skills" in value:
            overrides["skills"] = check_skills(value["skills"] or [], f"{where}.skills")
        if "mcp_servers" in value or "tools" in value:
            # Checked against the resolved tools by the domain when only one side is given.
            overrides["mcp_servers"] = value.get("mcp_servers")
        ref["overrides"] = overrides
    return ref


def check_resource_spec(value: Any, where: str) -> dict:
    """One ``resources[]`` entry of a session create."""
    kind = typed(value, ("github_repository", "file", "memory_store"), where)
    if kind == "github_repository":
        no_unknown(value, ("type", "url", "authorization_token", "checkout", "mount_path"), where)
        text(value, "url", where, required=True, min_len=1)
        text(value, "authorization_token", where, nullable=True)
        text(value, "mount_path", where, nullable=True)
        checkout = value.get("checkout")
        if checkout is not None:
            ckind = typed(checkout, ("branch", "commit"), f"{where}.checkout")
            key = "name" if ckind == "branch" else "sha"
            no_unknown(checkout, ("type", key), f"{where}.checkout")
            text(checkout, key, f"{where}.checkout", required=True, min_len=1)
    elif kind == "file":
        no_unknown(value, ("type", "file_id", "mount_path"), where)
        text(value, "file_id", where, required=True, min_len=1)
        text(value, "mount_path", where, nullable=True)
    else:
        no_unknown(value, ("type", "memory_store_id", "access", "instructions"), where)
        text(value, "memory_store_id", where, required=True, min_len=1)
        enum(value, "access", ("read_write", "read_only"), where)
        text(value, "instructions", where, nullable=True)
    return value


def check_session_create(body: Any) -> dict:
    """A session create body → normalized parts (agent ref unresolved)."""
    body = body_object(body)
    no_unknown(body, SESSION_FIELDS, "body")
    if "agent" not in body:
        raise invalid("body.agent: Field required")
    out: dict = {
        "agent": check_agent_ref(body["agent"]),
        "environment_id": text(body, "environment_id", "body", required=True, min_len=1),
        "title": text(body, "title", "body", nullable=True, max_len=512),
        "metadata": metadata(body.get("metadata") or {}, "body.metadata"),
        "vault_ids": str_list(body, "vault_ids", "body") or [],
        "budget": check_budget(body["budget"]) if body.get("budget") is not None else None,
        "initial_events": check_initial_events(body.get("initial_events") or []),
    }
    resources = field(body, "resources", list, "body", nullable=True) or []
    out["resources"] = [
        check_resource_spec(r, f"body.resources[{i}]") for i, r in enumerate(resources)
    ]
    return out


def check_session_update(body: Any) -> dict:
    """A session update body → the fields given (``budget``/``title`` may be ``None``)."""
    body = body_object(body)
    no_unknown(body, ("title", "metadata", "agent", "budget", "vault_ids"), "body")
    if "vault_ids" in body:
        raise invalid("body.vault_ids: updating vault_ids is not supported")
    out: dict = {}
    if "title" in body:
        out["title"] = text(body, "title", "body", nullable=True, max_len=512)
    if "metadata" in body:
        out["metadata"] = metadata(body["metadata"] or {}, "body.metadata", patch=True)
    if "agent" in body:
        agent = field(body, "agent", dict, "body", required=True)
        no_unknown(agent, ("tools", "mcp_servers"), "body.agent")
        if "tools" in agent:
            out["tools"] = check_tools(agent["tools"] or [], "body.agent.tools")
        if "mcp_servers" in agent:
            out["mcp_servers"] = agent["mcp_servers"] or []
    if "budget" in body:
        out["budget"] = check_budget(body["budget"]) if body["budget"] is not None else None
    return out


def resolve_mcp(tools: list[dict], servers: Any, where: str) -> list[dict]:
    """Check MCP servers against the tools they must match (after overrides are merged)."""
    return check_mcp_servers(servers if servers is not None else [], tools, where)
