"""What the demo fleet builds on: agent, environment and session bodies, and the texts a user
sends.

An agent is made from a scenario's ``[fleet]`` table: its ``permissions`` become the
``agent_toolset_20260401`` policies (``default`` plus per-tool configs), each of
``mcp_servers`` an ``mcp_toolset`` (always_ask) with its URL, and ``custom_tools`` custom tools;
``metadata.scenario`` names the scenario. A scenario that delegates gets a coordinator roster
of the agents its children run as.

Besides FORMAT.md's keys, ``[fleet]`` may hold ``followups`` (texts for later user messages),
``environment`` (a name from :data:`ENVIRONMENTS`) and ``repository`` (a GitHub URL template,
mounted at ``/workspace/repo``).
"""

from __future__ import annotations

import random

from drover.sim.scenarios.script import Scenario, fill

MCP_URLS = {
    "github": "https://api.githubcopilot.com/mcp/",
    "linear": "https://mcp.linear.app/mcp",
    "sentry": "https://mcp.sentry.dev/mcp",
}


def _env(name: str, description: str, hosts: list[str] | None, **packages: list[str]) -> dict:
    networking = (
        {"type": "unrestricted"} if hosts is None else
        {"type": "limited", "allowed_hosts": hosts, "allow_mcp_servers": True,
         "allow_package_managers": True}
    )  # fmt: skip
    return {"name": name, "description": description, "metadata": {"owner": "platform-team"},
            "config": {"type": "cloud", "networking": networking,
                       "packages": {"type": "packages", **packages}}}  # fmt: skip


#: Environment create bodies; the first is the default.
ENVIRONMENTS = (
    _env("python-sandbox", "Python 3.12 with the usual test and lint tooling",
         ["github.com", "api.github.com"],
         pip=["pytest", "pytest-cov", "ruff", "mypy", "uv", "mkdocs-material"],
         apt=["postgresql-client", "jq"]),
    _env("node-sandbox", "Node 22 with pnpm", ["github.com", "codeload.github.com"],
         npm=["pnpm", "typescript", "vitest", "eslint"]),
    _env("infra-tools", "Terraform and the AWS CLI; egress limited to AWS and a Terraform mirror",
         ["*.amazonaws.com", "terraform-mirror.example.test"],
         apt=["awscli"], pip=["checkov"]),
    _env("open-sandbox", "Unrestricted networking for research tasks", None, pip=["httpx"]),
)  # fmt: skip


# -- agents and environments ---------------------------------------------------------------


def agent_tools(fleet: dict) -> tuple[list[dict], list[dict]]:
    """``(tools, mcp_servers)`` of an agent create body from a scenario's ``[fleet]`` table."""
    perms = dict(fleet.get("permissions") or {})
    default = perms.pop("default", "always_allow")
    toolset = {
        "type": "agent_toolset_20260401",
        "default_config": {"enabled": True, "permission_policy": {"type": default}},
        "configs": [{"type": name, "name": name, "enabled": True,
                     "permission_policy": {"type": policy}} for name, policy in perms.items()],
    }  # fmt: skip
    tools, servers = [toolset], []
    for server in fleet.get("mcp_servers") or []:
        tools.append({"type": "mcp_toolset", "mcp_server_name": server, "configs": [],
                      "default_config": {"enabled": True,
                                         "permission_policy": {"type": "always_ask"}}})  # fmt: skip
        url = MCP_URLS.get(server, f"https://mcp.example.com/{server}")
        servers.append({"type": "url", "name": server, "url": url})
    tools += [{"type": "custom", **tool} for tool in fleet.get("custom_tools") or []]
    return tools, servers


def agent_body(
    scenario: Scenario,
    name: str | None = None,
    roster: list | None = None,
    workflow_roster: list | None = None,
) -> dict:
    """An agent create body for ``scenario`` (``metadata.scenario`` names it).

    A ``[fleet]`` table with ``advisor`` (a model id) makes a ``multiagent_20261001`` agent:
    that advisor, ``roster`` as the subagents' predefined agents and ``workflow_roster`` as the
    workflows', inline agents allowed for the rest. Otherwise a ``roster`` makes a coordinator.
    """
    fleet = scenario.fleet
    name = name or fleet.get("agent_name") or scenario.name
    tools, servers = agent_tools(fleet)
    body = {
        "name": name, "model": fleet.get("model", "claude-sonnet-4-6"),
        "description": scenario.summary or None,
        "system": f"You are {name}, a careful senior engineer. Explain what you do and why; "
                  "never run destructive commands without saying so first.",
        "tools": tools, "mcp_servers": servers,
        "metadata": {"scenario": scenario.name, "fleet": "demo"},
    }  # fmt: skip
    if fleet.get("advisor"):
        body["multiagent"] = {
            "type": "multiagent_20261001",
            "advisor": {"type": "enabled", "model": fleet["advisor"]},
            "subagents": {"type": "enabled", "predefined_agents": roster or []},
            "workflows": {"type": "enabled", "predefined_agents": workflow_roster or []},
        }
    elif roster:
        body["multiagent"] = {"type": "coordinator", "agents": roster}
    return body


def _requests(scenario: Scenario) -> list:
    turns = (*scenario.turns, scenario.followup) if scenario.followup else scenario.turns
    return [r for turn in turns for r in turn.requests]


def _delegates(scenario: Scenario) -> list:
    return [d for r in _requests(scenario) for d in r.delegate]


def _workflow_agents(scenario: Scenario) -> list:
    return [
        a
        for r in _requests(scenario)
        if r.workflow
        for phase in r.workflow.phases
        for a in phase.agents
    ]


def turn_work(scenario: Scenario) -> int:
    """Roughly how many events one turn of ``scenario`` makes (to pick long sessions)."""
    return sum(r.repeat * (3 + 2 * len(r.tools)) for r in scenario.turns[0].requests)


def asks_early(scenario: Scenario) -> bool:
    """Whether the first turn stops for the user (custom tools, MCP, always_ask, delegation)."""
    perms = scenario.fleet.get("permissions") or {}
    return any(
        call.custom or call.mcp_server or perms.get(call.name, perms.get("default")) == "always_ask"
        for request in scenario.turns[0].requests for call in request.tools
    ) or any(request.delegate for request in scenario.turns[0].requests)  # fmt: skip


def ensure_agents(domain, agents: dict[str, str]) -> None:
    """Fill ``agents`` (scenario name → agent id; roster-only agents by agent name).

    Agents an earlier fleet made in ``domain`` are reused; missing ones are created, plain
    ones first so that coordinators can name them in their rosters.
    """
    if agents:
        return
    for agent_id, versions in domain.state.agents.items():
        meta = versions[-1].get("metadata") or {}
        if meta.get("fleet") in ("demo", "roster") and versions[-1].get("archived_at") is None:
            key = meta["scenario"] if meta["fleet"] == "demo" else versions[-1]["name"]
            agents.setdefault(key, agent_id)
    scenarios = domain.scenarios
    by_name = {s.fleet.get("agent_name"): n for n, s in scenarios.items()}

    def team(scenario: Scenario) -> bool:
        return bool(_delegates(scenario) or _workflow_agents(scenario))

    def refs(children: list, scenario: Scenario, *, inline: bool) -> list[dict]:
        """Saved agents for the children (those a multiagent_20261001 agent can define
        inline are left out unless a fleet scenario plays them)."""
        out: list[dict] = []
        for child in children:
            key = by_name.get(child.agent_name) or child.agent_name
            if inline and key not in scenarios:
                continue
            if key not in agents:
                source = scenarios.get(child.scenario or "", scenario)
                body = agent_body(source, child.agent_name)
                body["metadata"]["fleet"] = "roster"
                agents[key] = domain.create_agent(body)["id"]
            ref = {"type": "agent", "id": agents[key], "version": 1}
            if ref not in out:
                out.append(ref)
        return out

    for name, scenario in sorted(scenarios.items(), key=lambda kv: team(kv[1])):
        if name in agents:
            continue
        inline = bool(scenario.fleet.get("advisor"))
        roster = refs(_delegates(scenario), scenario, inline=inline)
        flows = refs(_workflow_agents(scenario), scenario, inline=inline)
        body = agent_body(scenario, roster=roster, workflow_roster=flows)
        agents[name] = domain.create_agent(body)["id"]


def ensure_environments(domain, environments: dict[str, str]) -> None:
    """Fill ``environments`` (name → id), creating those of :data:`ENVIRONMENTS` not there yet."""
    if environments:
        return
    for env in domain.state.environments.values():
        if env.get("archived_at") is None:
            environments.setdefault(env["name"], env["id"])
    for body in ENVIRONMENTS:
        if body["name"] not in environments:
            environments[body["name"]] = domain.create_environment(body)["id"]


# -- session bodies and texts -------------------------------------------------------------

REQUESTERS = ("mchen", "priya-k", "dvolkov", "sam-okafor", "lhernandez", "aiko.t")
GENERIC_FOLLOWUPS = ("Thanks! Anything else I should know?", "Can you double-check that?")


def user_message(text: str) -> dict:
    """A ``user.message`` event to send."""
    return {"type": "user.message", "content": [{"type": "text", "text": text}]}


def session_body(
    agents: dict[str, str], environments: dict[str, str], scenario: Scenario, values: dict,
    rng: random.Random,
) -> dict:  # fmt: skip
    """A session create body for ``scenario`` with its ``values`` filled in.

    Args:
        agents: Scenario name → agent id (see :func:`ensure_agents`).
        environments: Environment name → id (see :func:`ensure_environments`).
        scenario: The scenario the session plays.
        values: The session's ``[vars]`` choice.
        rng: Picks the title and the requester.
    """
    table = scenario.fleet
    default_env = environments[ENVIRONMENTS[0]["name"]]
    body = {
        "agent": agents[scenario.name],
        "environment_id": environments.get(table.get("environment", ""), default_env),
        "title": fill(rng.choice(table.get("titles") or [scenario.summary]), values),
        "metadata": {"requested_by": rng.choice(REQUESTERS), "scenario": scenario.name},
    }
    if table.get("repository"):
        body["resources"] = [{"type": "github_repository", "mount_path": "/workspace/repo",
                              "url": fill(table["repository"], values),
                              "checkout": {"type": "branch", "name": "main"}}]  # fmt: skip
    if table.get("budget_cents", 0) > 0:
        cap = {"amount": str(table["budget_cents"]), "currency": "USD"}
        body["budget"] = {"type": "limit", "max_list_cost": cap}
    return body


def nth_message(scenario: Scenario, values: dict, rng: random.Random, index: int) -> str:
    """The ``index``-th (0-based) user message of a session.

    The first is one of ``prompts``. Follow-ups come from ``followups``: while the session
    still has scripted ``[[turns]]`` ahead, the one at the same position (the turn was written to
    answer it); after that, any of those left for ``[followup]``.
    """
    table = scenario.fleet
    if index == 0:
        return fill(rng.choice(table.get("prompts") or [scenario.summary]), values)
    pool = table.get("followups") or list(GENERIC_FOLLOWUPS)
    scripted = len(scenario.turns) - 1
    if index - 1 < min(scripted, len(pool)):
        return fill(pool[index - 1], values)
    return fill(rng.choice(pool[scripted:] or pool), values)


def custom_output(scenario: Scenario | None, name: str, values: dict) -> str:
    """The scripted output of a custom tool: what the fleet's "client" answers with."""
    if scenario is not None:
        for turn in (*scenario.turns, *([scenario.followup] if scenario.followup else [])):
            for request in turn.requests:
                for call in request.tools:
                    if call.custom and call.name == name and call.output:
                        return fill(call.output, values)
    return "{}"
