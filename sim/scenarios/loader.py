"""Scenario files (``sim/scenarios/*.toml``, format in ``FORMAT.md``): read and validate them
into :class:`~drover.sim.scenarios.script.Scenario` objects.

Loading is strict (unknown keys, wrong types and bad enum values are errors naming the file and
the key) because a typo in a script would otherwise surface as a silently wrong session much
later.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from drover.sim.scenarios.script import (
    AGENT_TOOLS,
    Advisor,
    Delegate,
    Phase,
    Request,
    Scenario,
    ToolCall,
    Turn,
    Workflow,
)

#: Folder of the scenario files shipped with the sim.
SCENARIOS_DIR = Path(__file__).parent

VERDICTS = ("allow", "ask", "deny")
THEN = ("recovers", "exhausted", "terminal")
REFUSAL_CATEGORIES = ("cyber", "bio", "frontier_llm", "reasoning_extraction", "general_harms")
ERROR_TYPES = (
    "unknown_error",
    "model_overloaded_error",
    "model_rate_limited_error",
    "model_request_failed_error",
    "mcp_connection_failed_error",
    "mcp_authentication_failed_error",
    "billing_error",
    "credential_host_unreachable_error",
    "tool_use_limit_reached_error",
    "compaction_limit_reached_error",
    "repository_authentication_error",
    "repository_forbidden_error",
    "repository_not_found_error",
    "repository_checkout_error",
    "repository_clone_error",
)
OUTCOME_RESULTS = ("satisfied", "needs_revision", "max_iterations_reached", "failed")
WORKFLOW_RESULTS = ("completed", "stopped", "error")
WORKFLOW_ERRORS = (
    "timeout_error",
    "program_error",
    "unknown_error",
    "thread_limit_error",
    "max_workflow_runs_error",
)
TOKEN_KEYS = ("input", "output", "cache_read", "cache_write")


class ScenarioError(ValueError):
    """A scenario file that does not follow FORMAT.md; the message names file and key."""


# -- parsing -------------------------------------------------------------------------------


class _Reader:
    """Type-checked access to one TOML table, with errors that name the file and key path."""

    def __init__(self, file: str, path: str, table: Any, allowed: tuple[str, ...]) -> None:
        self.file, self.path = file, path
        if not isinstance(table, dict):
            self.fail("", "must be a table")
        self.table = table
        unknown = sorted(set(table) - set(allowed))
        if unknown:
            self.fail(unknown[0], f"unknown key (allowed: {', '.join(allowed)})")

    def fail(self, key: str, problem: str) -> None:
        where = ".".join(p for p in (self.path, key) if p) or "(top level)"
        raise ScenarioError(f"{self.file}: {where}: {problem}")

    def get(self, key: str, kind: type | tuple, default: Any = None, *, required: bool = False):
        if key not in self.table:
            if required:
                self.fail(key, "is required")
            return default
        value = self.table[key]
        # bool is an int subclass; a `true` where a number belongs is a typo, not a 1.
        if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
            self.fail(key, f"must be {_kind_name(kind)}, not a boolean")
        if not isinstance(value, kind):
            self.fail(key, f"must be {_kind_name(kind)}")
        return value

    def choice(self, key: str, options: tuple[str, ...], default: str | None = None) -> str | None:
        value = self.get(key, str, default)
        if value is not None and value not in options:
            self.fail(key, f"must be one of {', '.join(options)}, not {value!r}")
        return value

    def sub(self, key: str, value: Any, allowed: tuple[str, ...]) -> _Reader:
        return _Reader(self.file, f"{self.path}.{key}" if self.path else key, value, allowed)


def _kind_name(kind: type | tuple) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = {
        str: "a string",
        int: "an integer",
        float: "a number",
        bool: "a boolean",
        list: "an array",
        dict: "a table",
    }
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def _tool(r: _Reader) -> ToolCall:
    custom = r.get("custom", bool, False)
    mcp_server = r.get("mcp_server", str)
    name = r.get("name", str, required=True)
    if not custom and mcp_server is None and name not in AGENT_TOOLS:
        r.fail(
            "name",
            f"must be an agent toolset tool ({', '.join(AGENT_TOOLS)}) "
            "unless mcp_server or custom is set",
        )
    return ToolCall(
        name=name,
        input=r.get("input", dict, {}),
        output=r.get("output", str, ""),
        is_error=r.get("is_error", bool, False),
        seconds=float(r.get("seconds", (int, float), 0.5)),
        auto=r.choice("auto", VERDICTS, "allow"),
        mcp_server=mcp_server,
        custom=custom,
    )


def _request(r: _Reader) -> Request:
    tokens = r.get("tokens", dict, {})
    tr = r.sub("tokens", tokens, TOKEN_KEYS)
    for key in tokens:
        if tr.get(key, int) < 0:
            tr.fail(key, "must be >= 0")
    error = r.get("error", dict)
    if error is not None:
        er = r.sub("error", error, ("type", "message", "attempts", "then"))
        er.choice("type", ERROR_TYPES, "model_overloaded_error")
        er.get("message", str)
        if er.get("attempts", int, 1) < 0:
            er.fail("attempts", "must be >= 0")
        er.choice("then", THEN, "recovers")
    refusal = r.get("refusal", dict)
    if refusal is not None:
        rr = r.sub("refusal", refusal, ("category", "explanation"))
        rr.choice("category", REFUSAL_CATEGORIES)
        rr.get("explanation", str)
    repeat = r.get("repeat", int, 1)
    if repeat < 1:
        r.fail("repeat", "must be >= 1")
    tools = tuple(
        _tool(r.sub(f"tools[{i}]", t, tuple(ToolCall.__dataclass_fields__)))
        for i, t in enumerate(r.get("tools", list, []))
    )
    delegates = _delegates(r, "delegate", r.get("delegate", list, []))
    advisor = r.get("advisor", dict)
    if advisor is not None:
        ar = r.sub("advisor", advisor, ("question", "answer"))
        advisor = Advisor(
            ar.get("question", str, required=True), ar.get("answer", str, required=True)
        )
    workflow = r.get("workflow", dict)
    if workflow is not None:
        workflow = _workflow(r.sub("workflow", workflow, tuple(Workflow.__dataclass_fields__)))
    return Request(
        seconds=float(r.get("seconds", (int, float), 1.0)),
        thinking=r.get("thinking", bool, False),
        message=r.get("message", str),
        tokens=dict(tokens),
        repeat=repeat,
        items=tuple(r.get("items", list, [])),
        tools=tools,
        error=error,
        refusal=refusal,
        delegate=tuple(delegates),
        compaction=r.get("compaction", bool, False),
        advisor=advisor,
        workflow=workflow,
    )


def _delegates(r: _Reader, key: str, items: list) -> list[Delegate]:
    delegates = []
    for i, d in enumerate(items):
        dr = r.sub(f"{key}[{i}]", d, ("agent_name", "message", "scenario", "reply"))
        delegates.append(
            Delegate(
                agent_name=dr.get("agent_name", str, required=True),
                message=dr.get("message", str, required=True),
                scenario=dr.get("scenario", str),
                reply=dr.get("reply", str, "Done."),
            )
        )
    return delegates


def _workflow(wr: _Reader) -> Workflow:
    phases = []
    for i, p in enumerate(wr.get("phases", list, required=True)):
        pr = wr.sub(f"phases[{i}]", p, ("name", "description", "agents"))
        agents = _delegates(pr, "agents", pr.get("agents", list, []))
        phases.append(
            Phase(pr.get("name", str, required=True), pr.get("description", str), tuple(agents))
        )
    result = wr.choice("result", WORKFLOW_RESULTS, "completed")
    error = wr.choice("error", WORKFLOW_ERRORS)
    if (result == "error") != (error is not None):
        wr.fail("error", "is required with result = 'error', and only then")
    return Workflow(
        name=wr.get("name", str, required=True),
        description=wr.get("description", str),
        phases=tuple(phases),
        result=result,
        error=error,
        message=wr.get("message", str, ""),
    )


_REQUEST_KEYS = tuple(Request.__dataclass_fields__)


def _turn(r: _Reader) -> Turn:
    requests = r.get("requests", list, required=True)
    if not requests:
        r.fail("requests", "must not be empty")
    return Turn(
        tuple(_request(r.sub(f"requests[{i}]", q, _REQUEST_KEYS)) for i, q in enumerate(requests))
    )


def parse_scenario(data: dict, file: str, stem: str | None = None) -> Scenario:
    """Build a :class:`Scenario` from parsed TOML.

    Args:
        data: The parsed file.
        file: The file name, for error messages.
        stem: The file stem ``name`` must equal (``None`` skips the check).

    Raises:
        ScenarioError: The data does not follow FORMAT.md.
    """
    top = ("name", "summary", "match", "fleet", "vars", "turns", "followup", "outcome")
    r = _Reader(file, "", data, top)
    name = r.get("name", str, required=True)
    if stem is not None and name != stem:
        r.fail("name", f"must equal the file stem {stem!r}")
    variables = r.get("vars", dict, {})
    vr = r.sub("vars", variables, tuple(variables))
    for key in variables:
        values = vr.get(key, list)
        if not values or not all(isinstance(v, str | int | float) for v in values):
            vr.fail(key, "must be a non-empty array of strings")
    turns = r.get("turns", list, required=True)
    if not turns:
        r.fail("turns", "must not be empty")
    followup = r.get("followup", dict)
    outcome = r.get("outcome", dict)
    iterations = None
    if outcome is not None:
        orr = r.sub("outcome", outcome, ("iterations",))
        iterations = []
        for i, it in enumerate(orr.get("iterations", list, required=True)):
            ir = orr.sub(f"iterations[{i}]", it, ("result", "explanation", "seconds"))
            iterations.append(
                {
                    "result": ir.choice("result", OUTCOME_RESULTS, "satisfied"),
                    "explanation": ir.get("explanation", str, ""),
                    "seconds": float(ir.get("seconds", (int, float), 1.0)),
                }
            )
    return Scenario(
        name=name,
        summary=r.get("summary", str, ""),
        match=tuple(m.lower() for m in r.get("match", list, [])),
        fleet=dict(r.get("fleet", dict, {})),
        vars={k: [str(v) for v in vs] for k, vs in variables.items()},
        turns=tuple(_turn(r.sub(f"turns[{i}]", t, ("requests",))) for i, t in enumerate(turns)),
        followup=_turn(r.sub("followup", followup, ("requests",)))
        if followup is not None
        else None,
        outcome=tuple(iterations) if iterations is not None else None,
    )


def load_scenario(path: Path) -> Scenario:
    """Read and validate one scenario file.

    Raises:
        ScenarioError: Bad TOML or a file that does not follow FORMAT.md.
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path.name}: invalid TOML: {exc}") from exc
    return parse_scenario(data, path.name, path.stem)


def load_scenarios(folder: Path | None = None) -> dict[str, Scenario]:
    """Load every ``*.toml`` in ``folder`` (default: the shipped ones), in file-name order."""
    folder = folder or SCENARIOS_DIR
    return {p.stem: load_scenario(p) for p in sorted(folder.glob("*.toml"))}
