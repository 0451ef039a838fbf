"""SDK conformance of the resource families a session references: vaults and credentials,
memory stores, files and skills (the rest is in test_http_sdk_platform.py). The official
``anthropic`` 2.17.0 client drives the sim over loopback; every object is also fetched raw and
checked strictly against the SDK's types."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import anthropic
import pytest
from sdk_check import assert_error_shape, assert_wire_shape, fetch_strict

CLOUD = {"type": "cloud", "networking": {"type": "unrestricted"}}
TEXT = [{"type": "text", "text": "Nightly triage"}]


def _later(hours: int = 1) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat().replace("+00:00", "Z")


def test_vaults_credentials_and_validation(client, raw) -> None:
    vault = client.beta.vaults.create(display_name="Ops", metadata={"team": "infra"})
    fetch_strict(raw, f"/v1/vaults/{vault.id}")
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
    page = fetch_strict(raw, f"/v1/vaults/{vault.id}/credentials")
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
    fetch_strict(
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
    for version in fetch_strict(raw, f"/v1/memory_stores/{store.id}/memory_versions")["data"]:
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
