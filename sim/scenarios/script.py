"""What a scenario is once parsed (format in ``FORMAT.md``): plain data the engine plays, the
``{placeholder}`` filling of its texts, and which scenario an agent plays.

:mod:`drover.sim.scenarios.loader` reads and validates the files into these objects.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Any

#: The agent toolset's tools (``agent_toolset_20260401``): what a script may call without
#: ``mcp_server`` or ``custom``.
AGENT_TOOLS = ("bash", "read", "write", "edit", "glob", "grep", "web_fetch", "web_search")


@dataclass(frozen=True)
class ToolCall:
    """One scripted tool call (agent toolset, MCP or custom)."""

    name: str
    input: dict
    output: str = ""
    is_error: bool = False
    seconds: float = 0.5
    auto: str = "allow"
    mcp_server: str | None = None
    custom: bool = False


@dataclass(frozen=True)
class Delegate:
    """A child thread the primary agent starts (multi-agent)."""

    agent_name: str
    message: str
    scenario: str | None
    reply: str


@dataclass(frozen=True)
class Advisor:
    """A consultation of the advisor model (``multiagent`` advisor): a short-lived thread."""

    question: str
    answer: str


@dataclass(frozen=True)
class Phase:
    """One phase of a workflow run's plan: child threads it starts, in order."""

    name: str
    description: str | None
    agents: tuple[Delegate, ...]


@dataclass(frozen=True)
class Workflow:
    """A workflow run the agent starts: phases of child threads, then an ending."""

    name: str
    description: str | None
    phases: tuple[Phase, ...]
    result: str = "completed"  # completed | stopped | error
    error: str | None = None  # with result error: the workflow_run error type
    message: str = ""


@dataclass(frozen=True)
class Request:
    """One scripted model request."""

    seconds: float = 1.0
    thinking: bool = False
    message: str | None = None
    tokens: dict = field(default_factory=dict)
    repeat: int = 1
    items: tuple = ()
    tools: tuple[ToolCall, ...] = ()
    error: dict | None = None
    refusal: dict | None = None
    delegate: tuple[Delegate, ...] = ()
    compaction: bool = False
    advisor: Advisor | None = None
    workflow: Workflow | None = None


@dataclass(frozen=True)
class Turn:
    """The model requests answering one user message."""

    requests: tuple[Request, ...]


@dataclass(frozen=True)
class Scenario:
    """A parsed scenario file (see FORMAT.md)."""

    name: str
    summary: str
    match: tuple[str, ...]
    fleet: dict
    vars: dict[str, list[str]]
    turns: tuple[Turn, ...]
    followup: Turn | None = None
    outcome: tuple[dict, ...] | None = None

    def turn(self, index: int) -> Turn:
        """The turn answering the ``index``-th (0-based) user message."""
        if index < len(self.turns):
            return self.turns[index]
        return self.followup or self.turns[-1]

    def choose_vars(self, rng: random.Random) -> dict[str, str]:
        """Pick one value per ``[vars]`` entry (once per session, so texts agree)."""
        return {name: rng.choice(values) for name, values in sorted(self.vars.items())}


_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def fill(value: Any, values: dict[str, str]) -> Any:
    """Replace ``{name}`` placeholders in strings (recursively) with known ``values``.

    Unknown names are left as written, so literal braces in scripted output survive.
    """
    if isinstance(value, str):
        return _PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), value)
    if isinstance(value, list):
        return [fill(v, values) for v in value]
    if isinstance(value, dict):
        return {k: fill(v, values) for k, v in value.items()}
    return value


def choose_scenario(scenarios: dict[str, Scenario], agent: dict) -> Scenario:
    """The scenario an agent plays: ``metadata.scenario``, else name keywords, else general.

    Raises:
        KeyError: No scenario matches and there is no ``general`` scenario.
    """
    named = (agent.get("metadata") or {}).get("scenario")
    if named in scenarios:
        return scenarios[named]
    agent_name = (agent.get("name") or "").lower()
    for scenario in scenarios.values():
        if any(word and word in agent_name for word in scenario.match):
            return scenario
    return scenarios["general"]
