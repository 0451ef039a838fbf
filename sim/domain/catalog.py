"""Agents and environments (§4.1, §4.2): versioned agents, uniquely named environments."""

from __future__ import annotations

import copy

from drover.sim.domain.checks import apply_metadata_patch
from drover.sim.domain.multiagent import patch_self, resolve_multiagent
from drover.sim.domain.state import SimState
from drover.sim.domain.validate_agents import check_agent, check_mcp_servers
from drover.sim.domain.validate_environments import check_environment
from drover.sim.wire.errors import SimError, conflict, invalid, not_found
from drover.sim.wire.ids import rfc3339
from drover.sim.wire.objects import new_agent, new_environment

_SELF = "agent_<self>"


class Catalog:
    """Agent and environment operations over a :class:`SimState`.

    Archived agents and environments cannot be used for new sessions: that is a **400**
    (``agent_archived`` / ``environment_archived``), as the request itself is what is invalid.
    """

    def __init__(self, state: SimState) -> None:
        self.state = state

    def _now(self) -> str:
        return rfc3339(self.state.clock.now())

    # -- agents --------------------------------------------------------------------------

    def versions(self, agent_id: str) -> list[dict]:
        if agent_id not in self.state.agents:
            raise not_found("agent", agent_id)
        return self.state.agents[agent_id]

    def agent(self, agent_id: str, version: int | None = None) -> dict:
        """An agent version (latest by default), not copied."""
        versions = self.versions(agent_id)
        if version is None:
            return versions[-1]
        if isinstance(version, str) and version.isdigit():  # straight from a query string
            version = int(version)
        if (
            not isinstance(version, int)
            or isinstance(version, bool)
            or not 1 <= version <= len(versions)
        ):
            raise SimError(404, f"agent {agent_id!r} has no version {version!r}")
        return versions[version - 1]

    def resolve_multiagent(self, value, self_id: str | None, current: dict | None = None):
        """A checked ``multiagent`` → its stored form (references resolved, defaults merged)."""
        return resolve_multiagent(value, self_id, current, self.agent)

    def create_agent(self, body: dict) -> dict:
        fields = check_agent(body, update=False)
        # Resolve before taking an id, so a bad roster consumes nothing; `self` is patched in.
        multiagent = self.resolve_multiagent(fields.get("multiagent"), _SELF)
        agent_id = self.state.ids.new("agent")
        patch_self(multiagent, _SELF, agent_id)
        fields["multiagent"] = multiagent
        agent = new_agent(agent_id, fields, self._now())
        self.state.agents[agent_id] = [agent]
        return copy.deepcopy(agent)

    def update_agent(self, agent_id: str, body: dict) -> dict:
        """A new version with the given fields; no change → the current version, unbumped."""
        current = self.agent(agent_id)
        fields = check_agent(body, update=True)
        expected = fields.pop("version", None)
        if expected is not None and expected != current["version"]:
            raise conflict(f"agent {agent_id!r} is at version {current['version']}, not {expected}")
        if current["archived_at"] is not None:
            raise invalid(f"agent {agent_id!r} is archived and read-only")
        if "multiagent" in fields:
            fields["multiagent"] = self.resolve_multiagent(
                fields["multiagent"], agent_id, current["multiagent"]
            )
        if "metadata" in fields:
            fields["metadata"] = apply_metadata_patch(
                current["metadata"], fields["metadata"], "body.metadata"
            )
        updated = {**copy.deepcopy(current), **fields}
        if "tools" in fields or "mcp_servers" in fields:
            check_mcp_servers(updated["mcp_servers"], updated["tools"])
        if all(current.get(k) == v for k, v in fields.items()):
            return copy.deepcopy(current)
        updated.update(version=current["version"] + 1, updated_at=self._now())
        self.state.agents[agent_id].append(updated)
        return copy.deepcopy(updated)

    def archive_agent(self, agent_id: str) -> dict:
        current = self.agent(agent_id)
        if current["archived_at"] is None:
            now = self._now()
            for version in self.state.agents[agent_id]:
                version["archived_at"] = now
                version["updated_at"] = now
        return copy.deepcopy(current)

    def list_agents(self, include_archived: bool = False) -> list[dict]:
        return [
            copy.deepcopy(v[-1])
            for v in self.state.agents.values()
            if include_archived or v[-1]["archived_at"] is None
        ]

    # -- environments --------------------------------------------------------------------

    def environment(self, env_id: str) -> dict:
        if env_id not in self.state.environments:
            raise not_found("environment", env_id)
        return self.state.environments[env_id]

    def _unique_name(self, name: str, except_id: str | None = None) -> None:
        for env in self.state.environments.values():
            if env["name"] == name and env["id"] != except_id:
                raise conflict(f"an environment named {name!r} already exists")

    def create_environment(self, body: dict) -> dict:
        fields = check_environment(body, update=False)
        self._unique_name(fields["name"])
        env = new_environment(self.state.ids.new("env"), fields, self._now())
        self.state.environments[env["id"]] = env
        return copy.deepcopy(env)

    def update_environment(self, env_id: str, body: dict) -> dict:
        env = self.environment(env_id)
        fields = check_environment(body, update=True)
        if env["archived_at"] is not None:
            raise invalid(f"environment {env_id!r} is archived", "environment_archived")
        if "config" in fields and fields["config"]["type"] != env["config"]["type"]:
            raise invalid(
                f"body.config.type: the environment is {env['config']['type']}; "
                "its type cannot change after creation",
                "invalid_config_type_change",
            )
        if "name" in fields:
            self._unique_name(fields["name"], env_id)
        if "metadata" in fields:
            fields["metadata"] = apply_metadata_patch(
                env["metadata"], fields["metadata"], "body.metadata"
            )
        env.update(fields, updated_at=self._now())
        return copy.deepcopy(env)

    def archive_environment(self, env_id: str) -> dict:
        env = self.environment(env_id)
        if env["archived_at"] is None:
            env["archived_at"] = env["updated_at"] = self._now()
        return copy.deepcopy(env)

    def delete_environment(self, env_id: str) -> dict:
        self.environment(env_id)
        del self.state.environments[env_id]
        return {"id": env_id, "type": "environment_deleted"}

    def list_environments(self, include_archived: bool = False) -> list[dict]:
        return [
            copy.deepcopy(e)
            for e in self.state.environments.values()
            if include_archived or e["archived_at"] is None
        ]
