"""SDK conformance of what sessions run on: session resources, deployments and runs, thread
archive, environment config changes and the self-hosted work queue, through the official
``anthropic`` 2.17.0 client; every object also fetched raw and checked strictly."""

from __future__ import annotations

import anthropic
import pytest
from sdk_check import assert_error_shape, fetch_strict

CLOUD = {"type": "cloud", "networking": {"type": "unrestricted"}}
TEXT = [{"type": "text", "text": "Nightly triage"}]


def test_session_resources_and_a_session_written_file(client, raw, sim) -> None:
    env = client.beta.environments.create(name="res", config=CLOUD)
    agent = client.beta.agents.create(name="Doc Generator", model="claude-sonnet-4-6")
    store = client.beta.memory_stores.create(name="Team notes")
    vault = client.beta.vaults.create(display_name="v")
    session = client.beta.sessions.create(
        agent=agent.id, environment_id=env.id, vault_ids=[vault.id],
        resources=[{"type": "memory_store", "memory_store_id": store.id, "access": "read_only"}],
    )  # fmt: skip
    mounted = session.resources[0]
    assert mounted.mount_path == "/mnt/memory/team-notes" and mounted.access == "read_only"
    file_id = client.beta.files.list().data[0].id
    added = client.beta.sessions.resources.add(session.id, type="file", file_id=file_id)
    assert added.mount_path == f"/mnt/session/uploads/{file_id}"
    assert client.beta.sessions.resources.retrieve(added.id, session_id=session.id).id == added.id
    for item in fetch_strict(raw, f"/v1/sessions/{session.id}/resources")["data"]:
        assert item["type"] in ("file", "memory_store")
    with pytest.raises(anthropic.BadRequestError):  # a file has no token to rotate
        client.beta.sessions.resources.update(
            added.id, session_id=session.id, authorization_token="t"
        )
    gone = client.beta.sessions.resources.delete(added.id, session_id=session.id)
    assert gone.type == "session_resource_deleted"
    for bad in (
        {"vault_ids": ["vlt_011Cnope"]},
        {"resources": [{"type": "memory_store", "memory_store_id": "memstore_011Cnope"}]},
        {"resources": [{"type": "file", "file_id": "file_011Cnope"}]},
    ):
        with pytest.raises(anthropic.NotFoundError):
            client.beta.sessions.create(agent=agent.id, environment_id=env.id, **bad)
    # The doc generator writes files: they become the session's downloadable outputs.
    client.beta.sessions.events.send(session.id, events=[{"type": "user.message", "content": TEXT}])
    sim.call(sim.domain.settle, session.id, 30)
    outputs = client.beta.files.list(scope_id=session.id).data
    assert outputs and all(f.downloadable and f.scope.id == session.id for f in outputs)
    assert client.beta.files.download(outputs[0].id).read() is not None


def test_deployments_and_runs(client, raw) -> None:
    env = client.beta.environments.create(name="deploy", config=CLOUD)
    agent = client.beta.agents.create(name="Triage", model="claude-sonnet-4-6")
    deployment = client.beta.deployments.create(
        name="Nightly triage", agent=agent.id, environment_id=env.id,
        initial_events=[{"type": "user.message", "content": TEXT}],
        schedule={"type": "cron", "expression": "0 9 * * 1-5", "timezone": "Europe/London"},
    )  # fmt: skip
    assert deployment.agent.version == 1 and deployment.status == "active"
    assert len(deployment.schedule.upcoming_runs_at) == 3
    fetch_strict(raw, f"/v1/deployments/{deployment.id}")
    run = client.beta.deployments.run(deployment.id)
    assert run.error is None and run.trigger_context.type == "manual"
    session = client.beta.sessions.retrieve(run.session_id)
    assert session.deployment_id == deployment.id
    listed = client.beta.sessions.list(deployment_id=deployment.id)
    assert [s.id for s in listed.data] == [run.session_id]
    assert client.beta.deployments.pause(deployment.id).paused_reason.type == "manual"
    assert client.beta.deployments.unpause(deployment.id).status == "active"
    client.beta.agents.archive(agent.id)
    failed = client.beta.deployments.run(deployment.id)
    assert failed.session_id is None and failed.error.type == "agent_archived_error"
    paused = client.beta.deployments.retrieve(deployment.id)
    assert paused.status == "paused" and paused.paused_reason.error.type == "agent_archived_error"
    runs = client.beta.deployment_runs.list(deployment_id=deployment.id)
    assert [r.id for r in runs.data] == [failed.id, run.id]  # newest first
    assert [r.id for r in client.beta.deployment_runs.list(has_error=True).data] == [failed.id]
    for item in fetch_strict(raw, "/v1/deployment_runs")["data"]:
        assert item["type"] == "deployment_run"
    with pytest.raises(anthropic.BadRequestError):
        client.beta.deployments.create(
            name="bad", agent=agent.id, environment_id=env.id, initial_events=[]
        )
    assert client.beta.deployments.archive(deployment.id).archived_at is not None


def test_thread_archive_and_config_type_change(client) -> None:
    env = client.beta.environments.create(name="t", config=CLOUD)
    with pytest.raises(anthropic.BadRequestError) as changed:
        client.beta.environments.update(env.id, config={"type": "self_hosted"})
    assert changed.value.error_code == "invalid_config_type_change"
    agent = client.beta.agents.create(name="a", model="claude-sonnet-4-6")
    session = client.beta.sessions.create(agent=agent.id, environment_id=env.id)
    primary = client.beta.sessions.threads.list(session.id).data[0]
    with pytest.raises(anthropic.BadRequestError):  # the primary thread archives with its session
        client.beta.sessions.threads.archive(primary.id, session_id=session.id)


def test_self_hosted_work_queue(client, raw) -> None:
    env = client.beta.environments.create(name="byo", config={"type": "self_hosted"})
    agent = client.beta.agents.create(name="a", model="claude-sonnet-4-6")
    work = client.beta.environments.work
    assert work.poll(env.id) is None  # nothing queued yet
    session = client.beta.sessions.create(agent=agent.id, environment_id=env.id)
    stats = work.stats(env.id)
    assert (stats.depth, stats.pending, stats.workers_polling) == (1, 0, None)
    item = work.poll(env.id, anthropic_worker_id="worker-1")
    assert item.data.id == session.id and item.secret and item.state == "queued"
    assert work.stats(env.id).pending == 1 and work.stats(env.id).workers_polling == 1
    assert work.retrieve(item.id, environment_id=env.id).secret is None  # poll only
    acked = work.ack(item.id, environment_id=env.id)
    assert acked.state == "starting" and acked.acknowledged_at
    beat = work.heartbeat(item.id, environment_id=env.id, expected_last_heartbeat="NO_HEARTBEAT")
    assert beat.state == "active" and beat.lease_extended
    with pytest.raises(anthropic.PreconditionFailedError) as lost:
        work.heartbeat(item.id, environment_id=env.id, expected_last_heartbeat="NO_HEARTBEAT")
    assert lost.value.error_code == "heartbeat_precondition_failed"
    assert_error_shape(lost.value.body)
    again = work.heartbeat(
        item.id, environment_id=env.id, expected_last_heartbeat=beat.last_heartbeat
    )
    assert again.lease_extended
    tagged = work.update(item.id, environment_id=env.id, metadata={"host": "ci-7"})
    assert tagged.metadata == {"host": "ci-7"}
    stopped = work.stop(item.id, environment_id=env.id, force=True)
    assert stopped.state == "stopped" and stopped.stopped_at
    for item in fetch_strict(raw, f"/v1/environments/{env.id}/work")["data"]:
        assert item["secret"] is None
    fetch_strict(raw, f"/v1/environments/{env.id}/work/stats")
