"""Resolving an agent's ``multiagent`` against the agents that exist: coordinator rosters, and
``multiagent_20261001`` (advisor, subagents, workflows) with its create defaults and its
level-by-level merge on update, as the SDK documents them:

* omitted members keep their stored value (create: their default); ``null`` takes the default;
  defaults are advisor disabled, subagents and workflows enabled with inline agents enabled and
  no predefined agents;
* an object with the stored ``type`` merges into it; another type replaces it, its omitted keys
  taking their defaults; a sent ``predefined_agents`` list replaces the stored one;
* an enabled member with inline agents disabled must name at least one predefined agent.

Referenced agents must exist, must not be archived and must not be multiagent themselves
(depth 1); ``self`` is the agent being saved.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

from drover.sim.domain.validate_multiagent import MEMBERS
from drover.sim.wire.errors import SimError, invalid

#: ``(agent_id, version or None) -> agent version`` (raises 404 for unknown ones).
Lookup = Callable[[str, "int | None"], dict]

ENABLED_DEFAULT = {"type": "enabled", "inline_agents": {"type": "enabled"}, "predefined_agents": []}
DEFAULTS = {
    "advisor": {"type": "disabled"},
    "subagents": ENABLED_DEFAULT,
    "workflows": ENABLED_DEFAULT,
}


def _reference(entry, where: str, self_id: str | None, lookup: Lookup) -> dict:
    """An id / ``{type:"agent"}`` / ``{type:"self"}`` entry → ``{type:"agent", id, version}``."""
    if isinstance(entry, str):
        entry = {"type": "agent", "id": entry}
    if entry["type"] == "self":
        if self_id is None:
            raise invalid(f"{where}: self is not allowed here")
        return {"type": "agent", "id": self_id, "version": 1}
    if entry["id"] == self_id:
        return {"type": "agent", "id": self_id, "version": entry.get("version") or 1}
    try:
        member = lookup(entry["id"], entry.get("version"))
    except SimError as exc:
        raise invalid(f"{where}: {exc.message}") from exc
    if member["archived_at"] is not None or member["multiagent"] is not None:
        raise invalid(f"{where}: agent is archived or itself multiagent")
    return {"type": "agent", "id": member["id"], "version": member["version"]}


def _references(entries: list, where: str, self_id: str | None, lookup: Lookup) -> list[dict]:
    refs, seen = [], set()
    for i, entry in enumerate(entries):
        at = f"{where}[{i}]"
        if isinstance(entry, dict) and entry.get("type") == "advisor":
            refs.append({"type": "advisor", "model": entry["model"]})
            continue
        ref = _reference(entry, at, self_id, lookup)
        if ref["id"] in seen:
            raise invalid(f"{at}: duplicate agent")
        seen.add(ref["id"])
        refs.append(ref)
    return refs


def _member(name: str, sent: dict | None, stored: dict, where: str, self_id, lookup) -> dict:
    if sent is None:
        return copy.deepcopy(DEFAULTS[name])
    if sent["type"] == "disabled" or name == "advisor":
        return dict(sent)
    base = copy.deepcopy(stored if stored["type"] == "enabled" else ENABLED_DEFAULT)
    if "inline_agents" in sent:
        base["inline_agents"] = sent["inline_agents"] or {"type": "enabled"}
    if "predefined_agents" in sent:
        base["predefined_agents"] = _references(
            sent["predefined_agents"] or [], f"{where}.predefined_agents", self_id, lookup
        )
    if base["inline_agents"]["type"] == "disabled" and not base["predefined_agents"]:
        raise invalid(f"{where}: with inline_agents disabled, predefined_agents must name an agent")
    return base


def resolve_multiagent(
    value: dict | None, self_id: str | None, current: dict | None, lookup: Lookup
) -> dict | None:
    """A checked ``multiagent`` (see ``validate_multiagent``) → its stored, resolved form."""
    if value is None:
        return None
    where = "body.multiagent"
    if value["type"] == "coordinator":
        agents = _references(value["agents"], f"{where}.agents", self_id, lookup)
        return {"type": "coordinator", "agents": agents}
    stored = current if current and current["type"] == "multiagent_20261001" else DEFAULTS
    out: dict = {"type": "multiagent_20261001"}
    for name in MEMBERS:
        if name not in value:
            out[name] = copy.deepcopy(stored[name])
        else:
            out[name] = _member(name, value[name], stored[name], f"{where}.{name}", self_id, lookup)
    return out


def member_refs(multiagent: dict | None) -> list[dict]:
    """Every saved agent a ``multiagent`` can run (coordinator roster, predefined agents)."""
    if not multiagent:
        return []
    if multiagent["type"] == "coordinator":
        return [a for a in multiagent["agents"] if a["type"] == "agent"]
    refs = []
    for name in ("subagents", "workflows"):
        for ref in multiagent[name].get("predefined_agents", []):
            if ref not in refs:
                refs.append(ref)
    return refs


def patch_self(multiagent: dict | None, placeholder: str, agent_id: str) -> None:
    """Replace a placeholder id (the agent being created) by its real id, in place."""
    if not multiagent:
        return
    if multiagent["type"] == "coordinator":
        lists = [multiagent["agents"]]
    else:
        lists = [multiagent[n].get("predefined_agents", []) for n in ("subagents", "workflows")]
    for refs in lists:
        for ref in refs:
            if ref.get("id") == placeholder:
                ref["id"] = agent_id
