"""SDK conformance of the resource families beyond agents, environments and sessions: vaults and
credentials, memory stores, files and skills, deployments and runs, session resources, thread
archive and self-hosted work. The official ``anthropic`` 2.17.0 client drives the sim over
loopback; every object is also fetched raw and checked strictly against the SDK's types."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import anthropic
import httpx
import pytest
from sdk_check import assert_error_shape, assert_wire_shape

CLOUD = {"type": "cloud", "networking": {"type": "unrestricted"}}
TEXT = [{"type": "text", "text": "Nightly triage"}]


@pytest.fixture
def client(sim) -> anthropic.Anthropic:
    return anthropic.Anthropic(api_key=sim.api_key, base_url=sim.base_url, max_retries=0)


@pytest.fixture
def raw(sim) -> httpx.Client:
    with httpx.Client(base_url=sim.base_url, headers=sim.headers, timeout=10) as c:
        yield c


def _strict(raw: httpx.Client, path: str, **kw) -> dict:
    """GET ``path`` raw and check every object in it (a page's items, or the object)."""
    body = raw.get(path, **kw).json()
    for item in body.get("data", [body]) if "data" in body else [body]:
        assert_wire_shape(item)
    return body


def _later(hours: int = 1) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat().replace("+00:00", "Z")


def test_vaults_credentials_and_validation(client, raw) -> None:
    vault = client.beta.vaults.create(display_name="Ops", metadata={"team": "infra"})
    _strict(raw, f"/v1/vaults/{vault.id}")
    oauth = client.beta.vaults.credentials.create(
        vault.id,
        display_name="Linear",
        auth={
            "type": "mcp_oauth",
            "mcp_server_url": "https://mcp.linear.app/mcp",
            "access_token": "secret-token",
            "expires_at": _later(),
            "refresh": {
                "client_id": "drover",
                "refresh_token": "secret-refresh",
                "token_endpoint": "https://linear.app/oauth/token",
                "token_endpoint_auth": {"type": "client_secret_post", "client_secret": "s"},
            },
        },
    )
    bearer = client.beta.vaults.credentials.create(
        vault.id,
        auth={
            "type": "static_bearer",
            "mcp_server_url": "https://revoked.example.com/mcp",
            "token": "t",
        },
    )
    env_var = client.beta.vaults.credentials.create(
        vault.id,
        auth={
            "type": "environment_variable",
            "secret_name": "NPM_TOKEN",
            "secret_value": "npm-secret",
            "networking": {"type": "limited", "allowed_hosts": ["registry.npmjs.org"]},
        },
    )
    page = _strict(raw, f"/v1/vaults/{vault.id}/credentials")
    assert [c["id"] for c in page["data"]] == [oauth.id, bearer.id, env_var.id]
    for secret in ("secret-token", "secret-refresh", "npm-secret"):
        assert secret not in str(page)  # secrets are write-only
    assert env_var.auth.injection_location.header is True
    check = client.beta.vaults.credentials.mcp_oauth_validate(oauth.id, vault_id=vault.id)
    assert_wire_shape(check.to_dict())
    assert (check.status, check.has_refresh_token, check.mcp_probe) == ("valid", True, None)
    with pytest.raises(anthropic.BadRequestError):
        client.beta.vaults.credentials.mcp_oauth_validate(bearer.id, vault_id=vault.id)
    revoked = client.beta.vaults.credentials.create(
        vault.id,
        auth={
            "type": "mcp_oauth",
            "mcp_server_url": "https://revoked.example.com/mcp",
            "access_token": "t",
        },
    )
    failed = client.beta.vaults.credentials.mcp_oauth_validate(revoked.id, vault_id=vault.id)
    assert failed.status == "invalid" and failed.mcp_probe.http_response.status_code == 401
    assert failed.refresh.status == "no_refresh_token"
    updated = client.beta.vaults.credentials.update(
        oauth.id, vault_id=vault.id, display_name="Linear (rotated)",
        auth={"type": "mcp_oauth", "access_token": "new"},
    )  # fmt: skip
    assert updated.display_name == "Linear (rotated)"
    archived = client.beta.vaults.credentials.archive(env_var.id, vault_id=vault.id)
    assert archived.archived_at is not None
    listed = client.beta.vaults.credentials.list(vault.id)
    assert env_var.id not in [c.id for c in listed.data]
    deleted = client.beta.vaults.credentials.delete(bearer.id, vault_id=vault.id)
    assert deleted.type == "vault_credential_deleted"
    assert client.beta.vaults.update(vault.id, display_name="Ops 2").display_name == "Ops 2"
    assert [v.id for v in client.beta.vaults.list()] == [vault.id]
    assert client.beta.vaults.archive(vault.id).archived_at is not None
    assert client.beta.vaults.list().data == []
    assert client.beta.vaults.delete(vault.id).type == "vault_deleted"
    with pytest.raises(anthropic.NotFoundError):
        client.beta.vaults.retrieve(vault.id)


def test_memory_stores_memories_and_versions(client, raw) -> None:
    store = client.beta.memory_stores.create(name="User preferences", description="Prefs")
    _strict(
        raw, f"/v1/memory_stores/{store.id}", headers={"anthropic-beta": "agent-memory-2026-07-22"}
    )
    memories = client.beta.memory_stores.memories
    first = memories.create(store.id, path="/notes/style.md", content="Use tabs.")
    assert first.content is None and first.content_size_bytes == 9  # view=basic by default
    memories.create(store.id, path="/notes/deep/more.md", content="x")
    memories.create(store.id, path="/todo.md", content="")
    full = memories.retrieve(first.id, memory_store_id=store.id)
    assert full.content == "Use tabs."
    top = memories.list(store.id, depth=1)
    assert [(m.type, m.path) for m in top.data] == [
        ("memory_prefix", "/notes/"),
        ("memory", "/todo.md"),
    ]
    assert len(memories.list(store.id, path_prefix="/notes/").data) == 2
    with pytest.raises(anthropic.ConflictError) as clash:
        memories.create(store.id, path="/todo.md", content="again")
    assert clash.value.body["error"]["type"] == "memory_path_conflict_error"
    assert_error_shape(clash.value.body)
    with pytest.raises(anthropic.ConflictError) as stale:
        memories.update(
            first.id, memory_store_id=store.id, content="Use spaces.",
            precondition={"type": "content_sha256", "content_sha256": "0" * 64},
        )  # fmt: skip
    assert stale.value.body["error"]["type"] == "memory_precondition_failed_error"
    changed = memories.update(
        first.id, memory_store_id=store.id, content="Use spaces.", path="/notes/indent.md",
        precondition={"type": "content_sha256", "content_sha256": full.content_sha256},
    )  # fmt: skip
    assert changed.path == "/notes/indent.md" and changed.id == first.id
    assert memories.delete(first.id, memory_store_id=store.id).type == "memory_deleted"
    versions = client.beta.memory_stores.memory_versions
    history = versions.list(store.id, memory_id=first.id)
    assert [v.operation for v in history.data] == ["deleted", "modified", "created"]
    for version in _strict(raw, f"/v1/memory_stores/{store.id}/memory_versions")["data"]:
        assert version["content"] is None  # view=basic
    redacted = versions.redact(history.data[-1].id, memory_store_id=store.id)
    assert redacted.redacted_at is not None and redacted.content is None and redacted.path is None
    assert client.beta.memory_stores.archive(store.id).archived_at is not None
    with pytest.raises(anthropic.BadRequestError):
        memories.create(store.id, path="/late.md", content="x")
    assert client.beta.memory_stores.delete(store.id).type == "memory_store_deleted"
    # Their own beta: the managed-agents beta alone also opens them, nothing else does.
    plain = raw.get("/v1/memory_stores", headers={"anthropic-beta": "something-else"})
    assert plain.status_code == 404


def test_files_and_skills(client, raw, sim) -> None:
    files = client.beta.files.list()
    assert len(files.data) == 3 and all(not f.downloadable for f in files.data)
    one = client.beta.files.retrieve_metadata(files.data[0].id)
    assert one.id == files.data[0].id
    assert_wire_shape(raw.get(f"/v1/files/{one.id}", headers={"anthropic-beta": ""}).json())
    with pytest.raises(anthropic.BadRequestError) as refused:
        client.beta.files.download(one.id)
    assert refused.value.error_code == "file_not_downloadable"
    assert [f.id for f in client.beta.files.list(ids=[one.id]).data] == [one.id]
    skills = client.beta.skills.list()
    assert {"xlsx", "pdf"} <= {s.id for s in skills.data}
    custom = client.beta.skills.list(source="custom").data
    assert len(custom) == 1 and custom[0].source.type == "custom"
    versions = client.beta.skills.versions.list(custom[0].id)
    assert versions.data[-1].id == custom[0].latest_version_id
    assert (
        client.beta.skills.versions.retrieve(
            custom[0].latest_version_id, skill_id=custom[0].id
        ).skill_id
        == custom[0].id
    )
    for item in raw.get("/v1/skills").json()["data"]:
        assert_wire_shape(item)
    assert client.beta.files.delete(one.id).id == one.id


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
    for item in _strict(raw, f"/v1/sessions/{session.id}/resources")["data"]:
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
    _strict(raw, f"/v1/deployments/{deployment.id}")
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
    for item in _strict(raw, "/v1/deployment_runs")["data"]:
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
    for item in _strict(raw, f"/v1/environments/{env.id}/work")["data"]:
        assert item["secret"] is None
    _strict(raw, f"/v1/environments/{env.id}/work/stats")
