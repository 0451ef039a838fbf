"""Tool permission policies (§9): which verdict a tool call gets from the agent's tool config."""

from __future__ import annotations

from drover.sim.scenarios.script import ToolCall


def _policy_for(tools: list[dict], call: ToolCall) -> tuple[str, bool] | None:
    """The policy type and ``enabled`` flag governing ``call``, or ``None`` if no toolset has it."""
    for tool in tools:
        if call.mcp_server is not None:
            if tool["type"] != "mcp_toolset" or tool["mcp_server_name"] != call.mcp_server:
                continue
        elif tool["type"] != "agent_toolset_20260401":
            continue
        config = next((c for c in tool["configs"] if c["name"] == call.name), None)
        chosen = config or tool["default_config"]
        return chosen["permission_policy"]["type"], chosen["enabled"]
    return None


def evaluate(tools: list[dict], call: ToolCall) -> tuple[str, dict | None]:
    """``(evaluated_permission, evaluation)`` for a server-executed tool call.

    A tool the agent's toolset disables is refused before any policy applies: ``deny`` with
    no ``evaluation`` (§9). Without a matching toolset the toolset's default policy applies
    (``always_allow`` for the agent toolset, ``always_ask`` for MCP).

    Args:
        tools: The session agent's ``tools``.
        call: The scripted call; ``call.auto`` is the verdict when the policy is ``auto``.
    """
    found = _policy_for(tools, call)
    if found is None:
        # The script calls a tool the agent has no toolset for. A real model could not, so
        # rather than refuse every call of a bare agent, apply that toolset's default policy.
        found = ("always_ask" if call.mcp_server is not None else "always_allow", True)
    if not found[1]:
        return "deny", None
    policy, _ = found
    if policy == "always_allow":
        return "allow", {"type": "always_allow"}
    if policy == "always_ask":
        return "ask", {"type": "always_ask"}
    verdict: dict = {"type": call.auto}
    if call.auto == "ask":
        verdict["reason_code"] = "indeterminate"
    elif call.auto == "deny":
        verdict["reason_code"] = "high_risk"
    return call.auto, {"type": "auto", "evaluated_permission": verdict}
