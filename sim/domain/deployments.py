"""Deployments and deployment runs (SDK ``beta.deployments``, ``beta.deployment_runs``):
session templates that run on demand or on a cron schedule.

A run creates a session from the template (its ``deployment_id`` set) and records the run; a
run that cannot create its session records the reason as the run's ``error`` and pauses the
deployment with that reason (documented choice: the SDK shows both shapes, not when one implies
the other). Scheduled deployments fire from :meth:`DeploymentOps.fire_due`, which the domain
calls on its own clock. Runs list newest first.
"""

from __future__ import annotations

import copy

from drover.sim.domain.checks import apply_metadata_patch
from drover.sim.domain.state import SimState
from drover.sim.domain.validate_deployments import check_deployment, resource_config
from drover.sim.domain.validate_events import check_send_body
from drover.sim.wire.cron import Cron
from drover.sim.wire.errors import invalid, not_found
from drover.sim.wire.ids import parse_rfc3339, rfc3339

#: How many upcoming firing times a schedule shows.
UPCOMING = 3


class DeploymentOps:
    """Mixin of :class:`~drover.sim.domain.facade.SimDomain`: deployments and their runs."""

    state: SimState

    def deployment(self, deployment_id: str) -> dict:
        held = self.state.deployments.get(deployment_id)
        if held is None:
            raise not_found("deployment", deployment_id)
        return held

    def _shown(self, held: dict) -> dict:
        """The wire object, with the schedule's last and upcoming runs filled in."""
        shown = copy.deepcopy(held["deployment"])
        schedule = shown["schedule"]
        if schedule is not None:
            cron = Cron(schedule["expression"], schedule["timezone"])
            after = self.state.clock.now()
            schedule["last_run_at"] = held.get("last_run_at")
            schedule["upcoming_runs_at"] = [rfc3339(t) for t in cron.next_after(after, UPCOMING)]
        return shown

    def _check_refs(self, fields: dict) -> None:
        """The template's environment, vaults, stores and files must exist now (404/400)."""
        if "environment_id" in fields:
            env = self.environment(fields["environment_id"])
            if env["archived_at"] is not None:
                raise invalid(f"environment {env['id']!r} is archived", "environment_archived")
        self.check_vault_ids(fields.get("vault_ids") or [])
        self.check_resource_refs(fields.get("resources") or [])
        if "initial_events" in fields:
            check_send_body({"events": copy.deepcopy(fields["initial_events"])})

    def _agent_ref(self, ref: dict) -> dict:
        agent = self.agent(ref["id"], ref["version"])
        if agent["archived_at"] is not None:
            raise invalid(f"agent {ref['id']!r} is archived")
        return {"type": "agent", "id": agent["id"], "version": agent["version"]}

    def create_deployment(self, body: dict) -> dict:
        fields = check_deployment(body, update=False)
        agent = self._agent_ref(fields.pop("agent"))
        self._check_refs(fields)
        now = rfc3339(self.state.clock.now())
        specs = fields.pop("resources", [])
        deployment = {
            "type": "deployment",
            "id": self.state.ids.new("depl"),
            "name": fields["name"],
            "description": fields.get("description"),
            "agent": agent,
            "environment_id": fields["environment_id"],
            "initial_events": fields["initial_events"],
            "resources": [resource_config(s) for s in specs],
            "vault_ids": fields.get("vault_ids", []),
            "budget": fields.get("budget"),
            "metadata": fields.get("metadata", {}),
            "schedule": fields.get("schedule"),
            "status": "active",
            "paused_reason": None,
            "created_at": now,
            "updated_at": now,
            "archived_at": None,
        }
        self.state.deployments[deployment["id"]] = {
            "deployment": deployment,
            "specs": specs,
            "last_run_at": None,
            "fired_until": now,
        }
        return self._shown(self.state.deployments[deployment["id"]])

    def get_deployment(self, deployment_id: str) -> dict:
        return self._shown(self.deployment(deployment_id))

    def update_deployment(self, deployment_id: str, body: dict) -> dict:
        held = self.deployment(deployment_id)
        current = held["deployment"]
        fields = check_deployment(body, update=True)
        if current["archived_at"] is not None:
            raise invalid(f"deployment {deployment_id!r} is archived and read-only")
        if "agent" in fields:
            fields["agent"] = self._agent_ref(fields["agent"])
        self._check_refs(fields)
        if "metadata" in fields:
            fields["metadata"] = apply_metadata_patch(
                current["metadata"], fields["metadata"], "body.metadata"
            )
        if "resources" in fields:
            held["specs"] = fields["resources"]
            fields["resources"] = [resource_config(s) for s in held["specs"]]
        current.update(fields, updated_at=rfc3339(self.state.clock.now()))
        return self._shown(held)

    def list_deployments(self, *, include_archived=False, agent_id=None, status=None) -> list:
        out = []
        for held in self.state.deployments.values():
            d = held["deployment"]
            if (not include_archived and d["archived_at"] is not None) or (
                status is not None and d["status"] != status
            ):
                continue
            if agent_id is not None and d["agent"]["id"] != agent_id:
                continue
            out.append(self._shown(held))
        return out

    def _set_status(self, deployment_id: str, status: str, reason: dict | None) -> dict:
        held = self.deployment(deployment_id)
        deployment = held["deployment"]
        if deployment["archived_at"] is not None:
            raise invalid(f"deployment {deployment_id!r} is archived")
        if deployment["status"] != status or deployment["paused_reason"] != reason:
            deployment.update(
                status=status, paused_reason=reason, updated_at=rfc3339(self.state.clock.now())
            )
        return self._shown(held)

    def pause_deployment(self, deployment_id: str) -> dict:
        return self._set_status(deployment_id, "paused", {"type": "manual"})

    def unpause_deployment(self, deployment_id: str) -> dict:
        return self._set_status(deployment_id, "active", None)

    def archive_deployment(self, deployment_id: str) -> dict:
        held = self.deployment(deployment_id)
        deployment = held["deployment"]
        if deployment["archived_at"] is None:
            deployment["archived_at"] = deployment["updated_at"] = rfc3339(self.state.clock.now())
        return self._shown(held)

    # -- runs ------------------------------------------------------------------------------

    def _run_error(self, held: dict) -> dict | None:
        """Why the template cannot make a session now, as a run error object, or ``None``."""
        d = held["deployment"]
        agent = self.state.agents.get(d["agent"]["id"])
        env = self.state.environments.get(d["environment_id"])
        checks = [
            (agent is None or agent[-1]["archived_at"] is not None, "agent_archived_error"),
            (env is None, "environment_not_found_error"),
            (env is not None and env["archived_at"] is not None, "environment_archived_error"),
        ]
        for vault_id in d["vault_ids"]:
            vault = self.state.vaults.get(vault_id)
            checks.append((vault is None, "vault_not_found_error"))
            checks.append((vault is not None and vault["archived_at"], "vault_archived_error"))
        for spec in held["specs"]:
            if spec["type"] == "file":
                checks.append((spec["file_id"] not in self.state.files, "file_not_found_error"))
            elif spec["type"] == "memory_store":
                store = self.state.memory_stores.get(spec["memory_store_id"])
                gone = store is None or store["archived_at"] is not None
                checks.append((gone, "memory_store_archived_error"))
        kind = next((kind for failed, kind in checks if failed), None)
        if kind is None:
            return None
        what = kind.removesuffix("_error").replace("_", " ")
        return {"type": kind, "message": f"The deployment could not start a session: {what}."}

    def run_deployment(self, deployment_id: str, trigger: dict | None = None) -> dict:
        """Run now (or for a schedule): create the session, record the run."""
        held = self.deployment(deployment_id)
        d = held["deployment"]
        if d["archived_at"] is not None:
            raise invalid(f"deployment {deployment_id!r} is archived")
        now = rfc3339(self.state.clock.now())
        run = {
            "type": "deployment_run",
            "id": self.state.ids.new("drun"),
            "deployment_id": deployment_id,
            "agent": dict(d["agent"]),
            "trigger_context": trigger or {"type": "manual"},
            "session_id": None,
            "error": self._run_error(held),
            "created_at": now,
        }
        if run["error"] is None:
            session_id = self._deployment_session(held)
            run["session_id"] = session_id
        else:
            d.update(
                status="paused",
                paused_reason={"type": "error", "error": {"type": run["error"]["type"]}},
                updated_at=now,
            )
        held["last_run_at"] = now
        self.state.deployment_runs[run["id"]] = run
        return copy.deepcopy(run)

    def _deployment_session(self, held: dict) -> str:
        d = held["deployment"]
        body = {
            "agent": dict(d["agent"]),
            "environment_id": d["environment_id"],
            "title": d["name"],
            "resources": copy.deepcopy(held["specs"]),
            "vault_ids": list(d["vault_ids"]),
        }
        if d["budget"] is not None:
            body["budget"] = copy.deepcopy(d["budget"])
        session = self.create_session(body)
        record = self.record(session["id"])
        record.resource["deployment_id"] = d["id"]
        self.send_events(session["id"], {"events": copy.deepcopy(d["initial_events"])})
        return session["id"]

    def get_deployment_run(self, run_id: str) -> dict:
        if run_id not in self.state.deployment_runs:
            raise not_found("deployment_run", run_id)
        return copy.deepcopy(self.state.deployment_runs[run_id])

    def list_deployment_runs(self, *, deployment_id=None, has_error=None, trigger_type=None):
        """Runs, oldest first (the route lists them newest first)."""
        out = []
        for run in self.state.deployment_runs.values():
            if deployment_id is not None and run["deployment_id"] != deployment_id:
                continue
            if has_error is not None and (run["error"] is not None) != has_error:
                continue
            if trigger_type is not None and run["trigger_context"]["type"] != trigger_type:
                continue
            out.append(copy.deepcopy(run))
        return out

    def fire_due(self) -> list[dict]:
        """Run every active scheduled deployment whose next firing time has passed."""
        now = self.state.clock.now()
        runs = []
        for held in list(self.state.deployments.values()):
            d = held["deployment"]
            if d["schedule"] is None or d["status"] != "active" or d["archived_at"] is not None:
                continue
            cron = Cron(d["schedule"]["expression"], d["schedule"]["timezone"])
            due = cron.next_after(parse_rfc3339(held["fired_until"]))
            if due and due[0] <= now:
                held["fired_until"] = rfc3339(due[0])
                trigger = {"type": "schedule", "scheduled_at": rfc3339(due[0])}
                runs.append(self.run_deployment(d["id"], trigger))
        return runs
