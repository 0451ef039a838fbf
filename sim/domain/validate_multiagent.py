"""Validation of an agent's ``multiagent`` (SDK ``BetaManagedAgentsMultiagentParams``): the
``coordinator`` roster, and the newer ``multiagent_20261001`` configuration with its three
members (advisor, subagents, workflows), each enabled or disabled on its own.

Checks here need no state; the domain resolves agent references and merges an update into the
stored configuration (:mod:`drover.sim.domain.multiagent`).
"""

from __future__ import annotations

from typing import Any

from drover.sim.domain.checks import field, no_unknown, text, typed
from drover.sim.wire.errors import invalid

MAX_ROSTER = 20
MAX_PREDEFINED = 20
MEMBERS = ("advisor", "subagents", "workflows")


def check_entry(entry: Any, where: str, *, advisor: bool) -> Any:
    """A roster / predefined entry: an id, ``{type:"agent",id,version?}``, ``{type:"self"}``
    or (coordinator rosters only) ``{type:"advisor", model}``."""
    if isinstance(entry, str):
        if not entry:
            raise invalid(f"{where}: must not be empty")
        return entry
    kinds = ("agent", "self", "advisor") if advisor else ("agent", "self")
    kind = typed(entry, kinds, where)
    if kind == "agent":
        no_unknown(entry, ("type", "id", "version"), where)
        text(entry, "id", where, required=True, min_len=1)
        field(entry, "version", int, where, nullable=True)
    elif kind == "advisor":
        no_unknown(entry, ("type", "model"), where)
        text(entry, "model", where, required=True, min_len=1)
    else:
        no_unknown(entry, ("type",), where)
    return entry


def _member(name: str, value: Any, where: str) -> dict | None:
    """One member as sent: ``None`` (null: take the default) or a typed object."""
    if value is None:
        return None
    kind = typed(value, ("enabled", "disabled"), where)
    if kind == "disabled":
        no_unknown(value, ("type",), where)
        return {"type": "disabled"}
    if name == "advisor":
        no_unknown(value, ("type", "model"), where)
        return {"type": "enabled", "model": text(value, "model", where, required=True, min_len=1)}
    no_unknown(value, ("type", "inline_agents", "predefined_agents"), where)
    out: dict = {"type": "enabled"}
    if "inline_agents" in value:
        inline = value["inline_agents"]
        if inline is not None:
            kind = typed(inline, ("enabled", "disabled"), f"{where}.inline_agents")
            no_unknown(inline, ("type",), f"{where}.inline_agents")
            inline = {"type": kind}
        out["inline_agents"] = inline
    if "predefined_agents" in value:
        agents = field(value, "predefined_agents", list, where, nullable=True)
        if agents is not None:
            if len(agents) > MAX_PREDEFINED:
                raise invalid(f"{where}.predefined_agents: at most {MAX_PREDEFINED} agents")
            for i, entry in enumerate(agents):
                check_entry(entry, f"{where}.predefined_agents[{i}]", advisor=False)
        out["predefined_agents"] = agents
    return out


def check_multiagent(value: Any, where: str = "multiagent") -> dict | None:
    """``multiagent`` as sent → ``None``, a coordinator ``{type, agents}`` (unresolved), or a
    ``multiagent_20261001`` dict holding only the members given (``None`` = null)."""
    if value is None:
        return None
    kind = typed(value, ("coordinator", "multiagent_20261001"), where)
    if kind == "coordinator":
        no_unknown(value, ("type", "agents"), where)
        roster = field(value, "agents", list, where, required=True)
        if not 1 <= len(roster) <= MAX_ROSTER:
            raise invalid(f"{where}.agents: must have 1-{MAX_ROSTER} entries")
        for i, entry in enumerate(roster):
            check_entry(entry, f"{where}.agents[{i}]", advisor=True)
        if sum(isinstance(e, dict) and e.get("type") == "self" for e in roster) > 1:
            raise invalid(f"{where}.agents: at most one self entry")
        return {"type": kind, "agents": roster}
    no_unknown(value, ("type", *MEMBERS), where)
    out: dict = {"type": kind}
    for name in MEMBERS:
        if name in value:
            out[name] = _member(name, value[name], f"{where}.{name}")
    return out
