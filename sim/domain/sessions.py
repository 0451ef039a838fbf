"""Session operations of the facade (§4.3, §4.4): create, read, update, archive, delete, send."""

from __future__ import annotations

import asyncio
import copy

from drover.sim.domain.checks import apply_metadata_patch
from drover.sim.domain.multiagent import member_refs
from drover.sim.domain.validate_events import check_send_body
from drover.sim.domain.validate_sessions import (
    check_session_create,
    check_session_update,
    resolve_mcp,
)
from drover.sim.engine.inbox import apply_sends, check_sends
from drover.sim.engine.pace import Pace
from drover.sim.engine.record import SessionRecord
from drover.sim.engine.runtime import SessionRuntime
from drover.sim.engine.turns import play_item
from drover.sim.settings import POST_IDLE_RACE_SECONDS
from drover.sim.wire.errors import conflict, invalid, not_found
from drover.sim.wire.ids import Clock, parse_rfc3339, rfc3339
from drover.sim.wire.objects import (
    new_session,
    new_thread,
    session_agent,
    thread_agent,
)
from drover.sim.wire.pricing import budget_cents


class SessionOps:
    """Mixin of :class:`drover.sim.domain.facade.SimDomain`: everything about sessions."""

    post_idle_race: float = POST_IDLE_RACE_SECONDS
    """The post-idle race window, on the session's clock (``FaultPlan.post_idle_race_seconds``)."""

    def _refuse_while_running(self, record, verb: str) -> None:
        """The 400 for archiving/deleting a running session, or one that idled just now."""
        if record.resource["status"] == "running" or self._idled_just_now(record):
            raise invalid(f"a running session cannot be {verb}; interrupt it and wait for idle")

    def _idled_just_now(self, record) -> bool:
        if self.post_idle_race <= 0 or record.resource["status"] != "idle":
            return False
        for event in reversed(record.log.events()):
            if event["type"] == "session.status_idle":
                idle_at = parse_rfc3339(event["processed_at"])
                since = (record.runtime.clock.now() - idle_at).total_seconds()
                return since < self.post_idle_race
        return False

    def _resolve_agent(self, ref: dict) -> dict:
        agent = self.agent(ref["id"], ref["version"])  # unknown agent/version: 404
        if agent["archived_at"] is not None:
            raise invalid(f"agent {ref['id']!r} is archived")
        overrides = dict(ref["overrides"] or {})
        if "mcp_servers" in overrides or "tools" in overrides:
            tools = overrides.get("tools", agent["tools"])
            servers = overrides.get("mcp_servers", agent["mcp_servers"])
            overrides["mcp_servers"] = resolve_mcp(tools, servers, "body.agent.mcp_servers")
        members = {
            ref["id"]: agent if ref["id"] == agent["id"] else self.agent(ref["id"], ref["version"])
            for ref in member_refs(agent["multiagent"])
        }
        return session_agent(agent, overrides, members)

    def create_session(
        self, body: dict, *, pace: Pace | None = None, clock: Clock | None = None
    ) -> dict:
        """Create a session (idle, or working on its ``initial_events``).

        Args:
            body: The request body.
            pace: This session's playback speed (default: the domain's).
            clock: This session's clock (default: the domain's), e.g. a ManualClock in the past.
        """
        parts = check_session_create(body)
        snapshot = self._resolve_agent(parts["agent"])
        env = (
            self.environment(parts["environment_id"])
            if parts["environment_id"] in self.state.environments
            else None
        )
        if env is None:
            raise not_found("environment", parts["environment_id"])
        if env["archived_at"] is not None:
            raise invalid(f"environment {env['id']!r} is archived", "environment_archived")
        self.check_vault_ids(parts["vault_ids"])
        self.check_resource_refs(parts["resources"])
        clock = clock or self.state.clock
        session_id = self.state.ids.new("sesn")
        now = rfc3339(clock.now())
        resources = self.build_resources(parts["resources"], now)
        resource = new_session(
            session_id,
            agent=snapshot,
            environment_id=env["id"],
            fields=parts,
            resources=resources,
            now=now,
        )
        record = SessionRecord(resource=resource)
        base_agent = self.state.agents[parts["agent"]["id"]][-1]
        runtime = SessionRuntime(
            record,
            ids=self.state.ids,
            clock=clock,
            pace=Pace.parse(pace) if pace else self.pace,
            scenario=self.scenario_for_agent(base_agent),
            scenarios=self.scenarios,
            rng=self.session_rng(),
            play=play_item,
            duplicate_user_events=lambda: self.duplicate_user_events,
        )
        record.runtime = runtime
        record.log.observer = lambda event: self.notify("event", session_id, event)
        primary = new_thread(
            self.state.ids.new("sthr"), session_id, thread_agent(snapshot), None, now
        )
        record.threads[primary["id"]] = primary
        runtime.primary_thread_id = primary["id"]
        self.state.sessions[session_id] = record
        self.queue_work(env["id"], session_id)  # self-hosted environments only
        self.notify("session.created", session_id)
        if parts["initial_events"]:
            apply_sends(runtime, parts["initial_events"])
        return self.get_session(session_id)

    def get_session(self, session_id: str) -> dict:
        record = self.record(session_id)
        runtime = record.runtime
        runtime.refresh_usage()
        session = copy.deepcopy(record.resource)
        end = record.ended_at or runtime.clock.now()
        created = parse_rfc3339(session["created_at"])
        session["stats"]["duration_seconds"] = round(max(0.0, (end - created).total_seconds()), 3)
        return session

    def list_sessions(
        self,
        *,
        include_archived: bool = False,
        statuses=None,
        agent_id=None,
        agent_version=None,
        deployment_id=None,
        memory_store_id=None,
    ) -> list[dict]:
        """Sessions matching the filters, ``created_at`` ascending."""
        if isinstance(agent_version, str) and agent_version.isdigit():
            agent_version = int(agent_version)
        out = []
        for record in self.state.sessions.values():
            s = record.resource
            if (not include_archived and s["archived_at"] is not None) or (
                statuses and s["status"] not in statuses
            ):
                continue
            if agent_id is not None and (
                s["agent"]["id"] != agent_id
                or (agent_version is not None and s["agent"]["version"] != agent_version)
            ):
                continue
            if deployment_id is not None and s["deployment_id"] != deployment_id:
                continue
            if memory_store_id is not None and not any(
                r.get("memory_store_id") == memory_store_id for r in s["resources"]
            ):
                continue
            out.append(self.get_session(s["id"]))
        return sorted(out, key=lambda s: s["created_at"])

    def update_session(self, session_id: str, body: dict) -> dict:
        """Title, metadata patch, agent tools/MCP (idle only), budget; emits ``session.updated``."""
        record = self.record(session_id)
        rt: SessionRuntime = record.runtime
        fields = check_session_update(body)
        s = record.resource
        if s["status"] == "terminated":
            raise conflict(f"session {session_id!r} is terminated; it cannot be updated")
        changes: dict = {}
        if "title" in fields and fields["title"] != s["title"]:
            changes["title"] = fields["title"]
        if "metadata" in fields:
            merged = apply_metadata_patch(s["metadata"], fields["metadata"], "body.metadata")
            if merged != s["metadata"]:
                changes["metadata"] = merged
        if "tools" in fields or "mcp_servers" in fields:
            if s["status"] != "idle" or rt.busy:
                raise invalid("the session's agent can only be updated while idle; interrupt first")
            agent = copy.deepcopy(s["agent"])
            agent["tools"] = fields.get("tools", agent["tools"])
            servers = fields.get("mcp_servers", agent["mcp_servers"])
            agent["mcp_servers"] = resolve_mcp(agent["tools"], servers, "body.agent.mcp_servers")
            if agent != s["agent"]:
                changes["agent"] = agent
        if "budget" in fields:
            new = fields["budget"]
            if s["budget"] is None and new is not None:
                raise invalid(
                    "budget_create_only: a budget can only be set when the session is created"
                )
            if new is not None and budget_cents(new) <= rt.cost_cents():
                raise invalid(
                    "budget_not_raised: the new budget must exceed the cost consumed so far"
                )
            if new != s["budget"]:
                changes["budget"] = new
        if changes:
            was_paused = rt.budget_paused
            s.update(copy.deepcopy(changes))
            s["updated_at"] = rt.now()
            event = dict(changes)
            if "metadata" in event and not event["metadata"]:
                del event["metadata"]  # absent if cleared to empty (§6.5)
            rt.emit("session.updated", event)
            if was_paused and not rt.over_budget():
                rt.emit_running()
                rt.poke()
        return self.get_session(session_id)

    def archive_session(self, session_id: str) -> dict:
        """Archive: ``terminated``, ``archived_at`` set, ``session.status_terminated`` emitted."""
        record = self.record(session_id)
        rt: SessionRuntime = record.runtime
        self._refuse_while_running(record, "archived")
        if record.resource["archived_at"] is None:
            rt.cancel()
            record.resource["archived_at"] = rt.now()
            if record.resource["status"] != "terminated":
                rt.terminate()
            self.stop_session_work(session_id)
            self.notify("session.archived", session_id)
        return self.get_session(session_id)

    def delete_session(self, session_id: str) -> dict:
        """Delete: ``session.deleted`` to open streams, which then end; the record goes."""
        record = self.record(session_id)
        rt: SessionRuntime = record.runtime
        self._refuse_while_running(record, "deleted")
        rt.cancel()
        rt.emit("session.deleted")
        record.log.close()
        self.stop_session_work(session_id)
        del self.state.sessions[session_id]
        return {"id": session_id, "type": "session_deleted"}

    def send_events(self, session_id: str, body: dict) -> dict:
        """``POST …/events``: validate everything, then apply; returns the receipt."""
        record = self.record(session_id)
        events = check_send_body(body)
        env = self.state.environments.get(record.resource["environment_id"])
        check_sends(record.runtime, events, env)
        if env is not None and any(e["type"] == "user.message" for e in events):
            self.requeue_work(env["id"], session_id)  # self-hosted: dormant work wakes up
        return {"data": apply_sends(record.runtime, events)}

    async def settle(self, session_id: str, timeout: float = 10.0) -> dict:
        """Wait until a session's task has nothing to do right now (idle, waiting for an
        answer or a budget raise, or terminated); return the session. For tests and the fleet."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            record = self.record(session_id)
            rt: SessionRuntime = record.runtime
            rt.ensure_task()
            quiet = rt.status == "terminated" or (
                (rt.status == "idle" and (not rt.busy or rt.waiting_action or rt.budget_paused))
                and not rt.interrupts
            )
            if quiet:
                return self.get_session(session_id)
            if loop.time() > deadline:
                raise TimeoutError(f"session {session_id} did not settle (status {rt.status})")
            await asyncio.sleep(0.001)
