"""Validation of agent request bodies (§4.1, §5.1); environments are in
:mod:`drover.sim.domain.validate_environments`.

Each ``check_*`` returns the normalized wire form of what it checked (defaults filled in, the
response shapes of §5), so builders never see an unchecked value.
"""

from __future__ import annotations

from typing import Any

from drover.sim.domain.checks import (
    body_object,
    enum,
    field,
    metadata,
    no_unknown,
    text,
    typed,
)
from drover.sim.domain.validate_multiagent import check_multiagent
from drover.sim.domain.validate_web import WEB_SETTINGS, check_web_settings
from drover.sim.scenarios.script import AGENT_TOOLS
from drover.sim.wire.errors import invalid

POLICIES = ("always_allow", "always_ask", "auto")
EFFORTS = ("low", "medium", "high", "xhigh", "max")
#: What ``model.effort`` resolves to when a request leaves it out (the SDK: "Always present;
#: resolved to the per-model default at save time").
DEFAULT_EFFORT = "high"
AGENT_FIELDS = (
    "name",
    "model",
    "description",
    "system",
    "tools",
    "mcp_servers",
    "skills",
    "multiagent",
    "execution_identity",
    "metadata",
)
MAX_SYSTEM = 100_000
MAX_TOOLS = 256
MAX_MCP_SERVERS = 20


def check_model(value: Any, where: str) -> dict:
    """A model id string or ``{id, effort?, speed?, inference_geo?}`` → the response object
    (``effort`` always present)."""
    if isinstance(value, str) and value:
        return {"id": value, "effort": {"type": DEFAULT_EFFORT}}
    if not isinstance(value, dict):
        raise invalid(f"{where}: expected a model id string or object")
    no_unknown(value, ("id", "effort", "speed", "inference_geo"), where)
    model: dict = {"id": text(value, "id", where, required=True, min_len=1)}
    effort = value.get("effort")
    if effort is None:
        effort = DEFAULT_EFFORT
    if isinstance(effort, str):
        effort = {"type": effort}
    no_unknown(effort if isinstance(effort, dict) else {}, ("type",), f"{where}.effort")
    model["effort"] = {"type": typed(effort, EFFORTS, f"{where}.effort")}
    if value.get("speed") is not None:
        model["speed"] = enum(value, "speed", ("standard", "fast"), where)
    if (geo := field(value, "inference_geo", str, where, nullable=True)) is not None:
        model["inference_geo"] = geo
    return model


def _policy(value: Any, where: str) -> dict:
    no_unknown(value if isinstance(value, dict) else {}, ("type",), where)
    return {"type": typed(value, POLICIES, where)}


def _default_config(tool: dict, where: str, default_policy: str) -> dict:
    config = field(tool, "default_config", dict, where, nullable=True) or {}
    no_unknown(config, ("enabled", "permission_policy"), f"{where}.default_config")
    policy = config.get("permission_policy")
    enabled = field(config, "enabled", bool, f"{where}.default_config", nullable=True)
    return {
        "enabled": True if enabled is None else enabled,
        "permission_policy": _policy(policy, f"{where}.default_config.permission_policy")
        if policy is not None
        else {"type": default_policy},
    }


def _configs(
    tool: dict, where: str, default: dict, *, agent_toolset: bool, custom_tools: set[str]
) -> list[dict]:
    out = []
    for i, config in enumerate(field(tool, "configs", list, where, nullable=True) or []):
        at = f"{where}.configs[{i}]"
        if not isinstance(config, dict):
            raise invalid(f"{at}: expected an object")
        if agent_toolset:
            name = enum(config, "name", AGENT_TOOLS, at, required=True)
            if config.get("type") not in (None, name):
                raise invalid(f"{at}.type: must equal name")
            extra = ("type", *WEB_SETTINGS.get(name, ()))
        else:
            name = text(config, "name", at, required=True, min_len=1)
            extra = ()
        no_unknown(config, ("name", "enabled", "permission_policy", *extra), at)
        policy = config.get("permission_policy")
        enabled = field(config, "enabled", bool, at, nullable=True)
        item = {
            "name": name,
            "enabled": default["enabled"] if enabled is None else enabled,
            "permission_policy": _policy(policy, f"{at}.permission_policy")
            if policy is not None
            else dict(default["permission_policy"]),
        }
        if agent_toolset:
            item = {"type": name, **item}
            if name in WEB_SETTINGS:
                item.update(check_web_settings(name, config, at, custom_tools))
        out.append(item)
    return out


def check_tools(value: Any, where: str = "tools") -> list[dict]:
    """The agent's ``tools[]`` → response form (default configs filled in)."""
    if not isinstance(value, list):
        raise invalid(f"{where}: expected an array")
    if len(value) > MAX_TOOLS:
        raise invalid(f"{where}: at most {MAX_TOOLS} tools")
    tools: list[dict] = []
    custom_tools = {
        t.get("name") for t in value if isinstance(t, dict) and t.get("type") == "custom"
    }
    for i, tool in enumerate(value):
        at = f"{where}[{i}]"
        kind = typed(tool, ("agent_toolset_20260401", "mcp_toolset", "custom"), at)
        if kind == "custom":
            no_unknown(tool, ("type", "name", "description", "input_schema"), at)
            schema = field(tool, "input_schema", dict, at, required=True)
            typed(schema, ("object",), f"{at}.input_schema")
            clean = {k: schema[k] for k in ("type", "properties", "required") if k in schema}
            tools.append(
                {
                    "type": "custom",
                    "name": text(tool, "name", at, required=True, min_len=1, max_len=128),
                    "description": text(tool, "description", at, required=True),
                    "input_schema": clean,
                }
            )
            continue
        toolset = kind == "agent_toolset_20260401"
        keys = ("type", "default_config", "configs") + (() if toolset else ("mcp_server_name",))
        no_unknown(tool, keys, at)
        default = _default_config(tool, at, "always_allow" if toolset else "always_ask")
        built: dict = {"type": kind}
        if not toolset:
            built["mcp_server_name"] = text(tool, "mcp_server_name", at, required=True, min_len=1)
        built["default_config"] = default
        built["configs"] = _configs(
            tool, at, default, agent_toolset=toolset, custom_tools=custom_tools
        )
        tools.append(built)
    return tools


def check_mcp_servers(
    value: Any, tools: list[dict] | None, where: str = "mcp_servers"
) -> list[dict]:
    """``mcp_servers[]`` (≤20, unique names, each used by exactly the toolsets that name it).

    ``tools`` None skips the cross-check (an update that leaves the other side unchanged is
    checked by the caller against the merged agent).
    """
    if not isinstance(value, list):
        raise invalid(f"{where}: expected an array")
    if len(value) > MAX_MCP_SERVERS:
        raise invalid(f"{where}: at most {MAX_MCP_SERVERS} servers")
    servers = []
    for i, server in enumerate(value):
        at = f"{where}[{i}]"
        typed(server, ("url",), at)
        no_unknown(server, ("type", "name", "url"), at)
        servers.append(
            {
                "type": "url",
                "name": text(server, "name", at, required=True, min_len=1),
                "url": text(server, "url", at, required=True, min_len=1),
            }
        )
    names = [s["name"] for s in servers]
    if len(set(names)) != len(names):
        raise invalid(f"{where}: server names must be unique")
    if tools is None:
        return servers
    used = {t["mcp_server_name"] for t in tools if t["type"] == "mcp_toolset"}
    if missing := sorted(used - set(names)):
        raise invalid(f"tools: mcp_toolset references unknown MCP server {missing[0]!r}")
    if unused := sorted(set(names) - used):
        raise invalid(f"{where}: server {unused[0]!r} is not referenced by any mcp_toolset")
    return servers


def check_skills(value: Any, where: str = "skills") -> list[dict]:
    """``skills[]`` → ``{type, skill_id, version}`` (version defaults to ``latest``)."""
    if not isinstance(value, list):
        raise invalid(f"{where}: expected an array")
    skills = []
    for i, skill in enumerate(value):
        at = f"{where}[{i}]"
        kind = typed(skill, ("anthropic", "custom"), at)
        no_unknown(skill, ("type", "skill_id", "version"), at)
        version = field(skill, "version", (str, int), at, nullable=True)
        skills.append(
            {
                "type": kind,
                "skill_id": text(skill, "skill_id", at, required=True, min_len=1),
                "version": str(version) if version is not None else "latest",
            }
        )
    return skills


def check_execution_identity(value: Any, where: str = "execution_identity") -> dict:
    """``{"type":"service_account"}`` or ``{"type":"aws_role","role_arn"}``."""
    kind = typed(value, ("service_account", "aws_role"), where)
    if kind == "service_account":
        no_unknown(value, ("type",), where)
        return {"type": kind}
    no_unknown(value, ("type", "role_arn"), where)
    return {"type": kind, "role_arn": text(value, "role_arn", where, required=True, min_len=1)}


def check_agent(body: Any, *, update: bool) -> dict:
    """An agent create/update body → normalized fields (only those given, on update).

    The ``multiagent`` value is returned checked but unresolved (see
    :mod:`drover.sim.domain.validate_multiagent`).
    """
    body = body_object(body)
    no_unknown(body, AGENT_FIELDS + (("version",) if update else ()), "body")
    out: dict = {}
    if "name" in body or not update:
        out["name"] = text(body, "name", "body", required=True, min_len=1, max_len=256)
    if "model" in body or not update:
        if "model" not in body:
            raise invalid("body.model: Field required")
        out["model"] = check_model(body["model"], "body.model")
    for key, limit in (("description", 2048), ("system", MAX_SYSTEM)):
        if key in body:
            out[key] = text(body, key, "body", nullable=True, max_len=limit)
    if "tools" in body:
        out["tools"] = check_tools(body["tools"] if body["tools"] is not None else [])
    if not update or "mcp_servers" in body:
        servers = body.get("mcp_servers") or []
        out["mcp_servers"] = check_mcp_servers(servers, None if update else out.get("tools", []))
    if "skills" in body:
        out["skills"] = check_skills(body["skills"] if body["skills"] is not None else [])
    if "multiagent" in body:
        out["multiagent"] = check_multiagent(body["multiagent"])
    if body.get("execution_identity") is not None:
        out["execution_identity"] = check_execution_identity(body["execution_identity"])
    if "metadata" in body:
        meta = body["metadata"] if body["metadata"] is not None else {}
        out["metadata"] = metadata(meta, "body.metadata", patch=update)
    if update and "version" in body:
        out["version"] = field(body, "version", int, "body", nullable=True)
    return out
