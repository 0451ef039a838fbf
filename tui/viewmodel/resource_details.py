"""Agents and environments from their raw mirrored JSON, as titled sections (no Textual).

Every string that came from the server is made inert here (`inert_line`, or `inert` for the
multi-line system prompt), so the screens only lay text out. Unknown shapes degrade to what
can be shown; nothing here raises on odd JSON.

Effective permission policy of a tool: its own `configs[]` entry when present, else its
toolset's `default_config`, else the documented default — `always_allow` for the agent toolset,
`always_ask` for MCP toolsets (so new MCP tools never run unapproved). Custom tools have no
policy: they are executed by the client, so the session always pauses for their result.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from drover.text.inert import inert, inert_line

AGENT_TOOLS = ("bash", "edit", "read", "write", "glob", "grep", "web_fetch", "web_search")
"""Tools of `agent_toolset_20260401`, in the order they are listed."""
PACKAGE_MANAGERS = ("apt", "cargo", "gem", "go", "npm", "pip")
_TOOL_SETTINGS = ("allowed_domains", "blocked_domains", "url_sources", "max_content_tokens")


@dataclass(frozen=True, slots=True)
class Section:
    """One titled block of a detail screen.

    Attributes:
        title: the heading.
        rows: `(label, value)` pairs, already inert.
        text: a free-text body (the system prompt), already inert; shown after the rows.
    """

    title: str
    rows: list[tuple[str, str]] = field(default_factory=list)
    text: str = ""


def _s(value: Any) -> str:
    """Any JSON value as one inert line ('-' when empty)."""
    if value is None or value == "" or value == [] or value == {}:
        return "-"
    if isinstance(value, Mapping):
        return inert_line(", ".join(f"{k}={_s(v)}" for k, v in value.items()))
    if isinstance(value, list):
        return inert_line(", ".join(_s(v) for v in value))
    return inert_line(str(value))


def _dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def policy_name(config: Any, fallback: str) -> str:
    """The `permission_policy.type` of a tool config, or `fallback`."""
    policy = _dict(_dict(config).get("permission_policy")).get("type")
    return inert_line(str(policy)) if policy else fallback


def model_summary(agent: Mapping[str, Any]) -> tuple[str, str, str]:
    """`(model id, effort, speed)` of an agent (model may be a bare id string)."""
    model = agent.get("model")
    if not isinstance(model, Mapping):
        return _s(model), "-", "-"
    effort = model.get("effort")
    effort = _dict(effort).get("type", effort) if effort is not None else None
    return _s(model.get("id")), _s(effort), _s(model.get("speed"))


def _enabled(config: Any) -> str:
    return "" if _dict(config).get("enabled", True) is not False else " (disabled)"


def _toolset_rows(tool: Mapping[str, Any]) -> tuple[str, list[tuple[str, str]]]:
    """A toolset's heading and one row per tool with its effective policy."""
    kind = tool.get("type")
    default = _dict(tool.get("default_config"))
    configs = [_dict(c) for c in _list(tool.get("configs"))]
    if kind == "mcp_toolset":
        server = _s(tool.get("mcp_server_name"))
        base = policy_name(default, "always_ask")
        origin = "" if _dict(default.get("permission_policy")) else " (MCP default)"
        heading = f"MCP toolset {server}: default {base}{origin}{_enabled(default)}"
        names = [inert_line(str(c.get("name"))) for c in configs if c.get("name")]
    else:
        base = policy_name(default, "always_allow")
        heading = f"agent toolset: default {base}{_enabled(default)}"
        configured = [inert_line(str(c.get("name"))) for c in configs if c.get("name")]
        names = [*AGENT_TOOLS, *(n for n in configured if n not in AGENT_TOOLS)]
    by_name = {inert_line(str(c.get("name"))): c for c in configs if c.get("name")}
    rows = []
    for name in names:
        config = by_name.get(name)
        if config is None:
            rows.append((name, f"{base} (toolset default)"))
            continue
        extra = [f"{k}: {_s(config[k])}" for k in _TOOL_SETTINGS if k in config]
        value = policy_name(config, base) + _enabled(config)
        rows.append((name, "; ".join([value, *extra])))
    return heading, rows


def tool_rows(agent: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Every tool of an agent with its permission policy (toolset headings as rows)."""
    rows: list[tuple[str, str]] = []
    for tool in (_dict(t) for t in _list(agent.get("tools"))):
        kind = tool.get("type")
        if kind == "custom":
            desc = _s(tool.get("description"))
            rows.append((f"custom {_s(tool.get('name'))}", f"client-executed · {desc}"))
        elif kind == "mcp_toolset" or str(kind).startswith("agent_toolset"):
            heading, tools = _toolset_rows(tool)
            rows.append(("▸", heading))
            rows.extend((f"  {name}", value) for name, value in tools)
        else:
            rows.append((_s(kind), _s(tool)))
    return rows or [("-", "no tools")]


def agent_sections(agent: Mapping[str, Any]) -> list[Section]:
    """The agent detail screen: overview, system prompt, tools, MCP servers, skills."""
    model, effort, speed = model_summary(agent)
    identity = _dict(agent.get("execution_identity"))
    multi = _dict(agent.get("multiagent"))
    overview = Section(
        "Agent",
        [
            ("name", _s(agent.get("name"))),
            ("id", _s(agent.get("id"))),
            ("version", _s(agent.get("version"))),
            ("model", model),
            ("effort", effort),
            ("speed", speed),
            ("description", _s(agent.get("description"))),
            ("identity", _s(identity.get("type"))),
            ("multiagent", _s(multi.get("type")) if multi else "-"),
            ("metadata", _s(agent.get("metadata"))),
            ("updated", _s(agent.get("updated_at"))),
            ("archived", _s(agent.get("archived_at"))),
        ],
    )
    system = agent.get("system")
    prompt = Section("System prompt", text=inert(system) if isinstance(system, str) else "-")
    servers = [
        (_s(s.get("name")), f"{_s(s.get('url'))} ({_s(s.get('type'))})")
        for s in (_dict(x) for x in _list(agent.get("mcp_servers")))
    ]
    skills = [
        (_s(s.get("skill_id")), f"{_s(s.get('type'))} · version {_s(s.get('version'))}")
        for s in (_dict(x) for x in _list(agent.get("skills")))
    ]
    version = _s(agent.get("version"))
    return [
        overview,
        Section("Tools and permission policies", tool_rows(agent)),
        Section("MCP servers", servers or [("-", "none")]),
        Section("Skills", skills or [("-", "none")]),
        Section("Versions", [(f"v{version}", "latest (older versions are not mirrored)")]),
        prompt,
    ]


def network_summary(env: Mapping[str, Any]) -> str:
    """`unrestricted`, `limited (N hosts)`, `self_hosted` or `-`."""
    config = _dict(env.get("config"))
    if config.get("type") == "self_hosted":
        return "self_hosted"
    networking = _dict(config.get("networking"))
    kind = networking.get("type")
    if kind == "limited":
        return f"limited ({len(_list(networking.get('allowed_hosts')))} hosts)"
    return _s(kind)


def package_count(env: Mapping[str, Any]) -> int:
    """How many packages the environment installs, all managers together."""
    packages = _dict(_dict(env.get("config")).get("packages"))
    return sum(len(_list(packages.get(m))) for m in PACKAGE_MANAGERS)


def environment_sections(env: Mapping[str, Any]) -> list[Section]:
    """The environment detail screen: overview, networking, packages per manager."""
    config = _dict(env.get("config"))
    networking = _dict(config.get("networking"))
    overview = Section(
        "Environment",
        [
            ("name", _s(env.get("name"))),
            ("id", _s(env.get("id"))),
            ("type", _s(config.get("type"))),
            ("scope", _s(env.get("scope"))),
            ("description", _s(env.get("description"))),
            ("metadata", _s(env.get("metadata"))),
            ("updated", _s(env.get("updated_at"))),
            ("archived", _s(env.get("archived_at"))),
        ],
    )
    net_rows = [("type", network_summary(env))]
    if networking.get("type") == "limited":
        hosts = [_s(h) for h in _list(networking.get("allowed_hosts"))]
        net_rows += [("allowed host", h) for h in hosts] or [("allowed hosts", "none")]
        for flag in ("allow_mcp_servers", "allow_package_managers"):
            if flag in networking:
                net_rows.append((flag.replace("_", " "), _s(networking.get(flag))))
    packages = _dict(config.get("packages"))
    pkg_rows = [
        (m, ", ".join(_s(p) for p in _list(packages.get(m))) or "-") for m in PACKAGE_MANAGERS
    ]
    pkg_rows += [
        (inert_line(str(m)), _s(v))
        for m, v in packages.items()
        if m not in PACKAGE_MANAGERS and m != "type"
    ]
    if config.get("type") == "self_hosted":
        pkg_rows = [("-", "self-hosted: packages are managed by your own workers")]
    return [overview, Section("Networking", net_rows), Section("Packages", pkg_rows)]
