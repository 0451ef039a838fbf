"""Requests, headers, query encoding, pagination and typed errors against the fake server."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from drover.api import (
    ApiError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    ConnectionFailed,
    ManagedAgentsClient,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RetryPolicy,
    ServerError,
)
from drover.api.models import SessionView


async def test_headers_sent_on_every_call(client, server, fs):
    await client.retrieve_session("sesn_1")
    (req,) = server.state.calls("GET", "/v1/sessions/sesn_1")
    assert req.headers["x-api-key"] == fs.API_KEY
    assert req.headers["anthropic-version"] == "2023-06-01"
    assert req.headers["anthropic-beta"] == "managed-agents-2026-04-01"
    assert "anthropic-workspace-id" not in req.headers


async def test_workspace_header_and_extra_betas(make_client, server):
    client = make_client(workspace_id="wrkspc_1", extra_betas=["other-beta"])
    await client.list_agents()
    (req,) = server.state.calls("GET", "/v1/agents")
    assert req.headers["anthropic-workspace-id"] == "wrkspc_1"
    assert req.headers["anthropic-beta"] == "other-beta,managed-agents-2026-04-01"


async def test_session_list_query_uses_brackets(client, server):
    when = datetime(2026, 5, 1, tzinfo=UTC)
    await client.list_sessions(
        statuses=["idle", "running"],
        agent_id="agent_1",
        created_at_gte=when,
        created_at_lt="2026-06-01T00:00:00Z",
        include_archived=False,
        order="desc",
        limit=5,
        page="page_0",
    )
    (req,) = server.state.calls("GET", "/v1/sessions")
    assert req.query == [
        ("statuses[]", "idle"),
        ("statuses[]", "running"),
        ("agent_id", "agent_1"),
        ("created_at[gte]", "2026-05-01T00:00:00+00:00"),
        ("created_at[lt]", "2026-06-01T00:00:00Z"),
        ("include_archived", "false"),
        ("order", "desc"),
        ("limit", "5"),
        ("page", "page_0"),
    ]


async def test_every_endpoint_hits_its_path(client, server):
    await client.list_agents(limit=2)
    await client.retrieve_agent("agent_1", version=2)
    await client.list_agent_versions("agent_1")
    await client.list_environments(include_archived=True)
    await client.retrieve_environment("env_1")
    await client.list_threads("s1", statuses=["idle"])
    await client.retrieve_thread("s1", "t1")
    await client.list_thread_events("s1", "t1", limit=3)
    await client.list_session_resources("s1")
    created = await client.create_session("agent_1", "env_1", title="t")
    await client.update_session("s1", title="new")
    await client.archive_session("s1")
    await client.delete_session("s1")
    seen = [(r.method, r.path) for r in server.state.requests]
    assert seen == [
        ("GET", "/v1/agents"),
        ("GET", "/v1/agents/agent_1"),
        ("GET", "/v1/agents/agent_1/versions"),
        ("GET", "/v1/environments"),
        ("GET", "/v1/environments/env_1"),
        ("GET", "/v1/sessions/s1/threads"),
        ("GET", "/v1/sessions/s1/threads/t1"),
        ("GET", "/v1/sessions/s1/threads/t1/events"),
        ("GET", "/v1/sessions/s1/resources"),
        ("POST", "/v1/sessions"),
        ("POST", "/v1/sessions/s1"),
        ("POST", "/v1/sessions/s1/archive"),
        ("DELETE", "/v1/sessions/s1"),
    ]
    assert created["body"] == {"agent": "agent_1", "environment_id": "env_1", "title": "t"}
    assert created["future_field"] == {"kept": True}  # unknown fields survive


async def test_ids_are_quoted_in_paths(client, server):
    await client.retrieve_session("a/b?c")
    assert server.state.requests[-1].raw_path == "/v1/sessions/a%2Fb%3Fc"
    assert server.state.requests[-1].query == []


async def test_iterate_all_pages(client, server):
    server.state.sessions = [{"id": f"sesn_{i}", "status": "idle", "extra": i} for i in range(7)]
    first = await client.list_sessions(limit=3)
    assert [s["id"] for s in first.data] == ["sesn_0", "sesn_1", "sesn_2"]
    assert first.next_page == "page_3" and first.prev_page is None
    second = await client.list_sessions(limit=3, page=first.next_page)
    assert second.prev_page == "page_0"
    ids = [s["id"] async for s in client.iter_sessions(limit=3)]
    assert ids == [f"sesn_{i}" for i in range(7)]
    assert len(server.state.calls("GET", "/v1/sessions")) == 2 + 3
    view = SessionView.model_validate(first.data[0])
    assert view.status == "idle" and view.model_extra == {"extra": 0}


async def test_iterate_events_filters(client, server):
    await client.send_events("s1", [{"type": "user.message", "content": []}] * 3)
    await client.send_events("s1", [{"type": "user.interrupt"}])
    got = [e async for e in client.iter_events("s1", types=["user.message"], limit=2)]
    assert len(got) == 3 and all(e["type"] == "user.message" for e in got)
    req = server.state.calls("GET", "/v1/sessions/s1/events")[0]
    assert ("types[]", "user.message") in req.query


@pytest.mark.parametrize(
    ("status", "etype", "cls"),
    [
        (400, "invalid_request_error", BadRequestError),
        (401, "authentication_error", AuthenticationError),
        (403, "permission_error", PermissionDeniedError),
        (404, "not_found_error", NotFoundError),
        (409, "conflict_error", ConflictError),
        (422, "invalid_request_error", BadRequestError),
    ],
)
async def test_error_envelope_maps_to_typed_errors(client, server, status, etype, cls):
    body = {
        "type": "error",
        "request_id": "req_body",
        "error": {
            "type": etype,
            "message": "nope",
            "details": {"error_code": "environment_not_found"},
        },
    }
    server.state.add_fault(
        method="GET",
        path="/v1/environments/env_x",
        action="status",
        status=status,
        body=body,
        headers={"request-id": "req_hdr"},
    )
    with pytest.raises(cls) as info:
        await client.retrieve_environment("env_x")
    err = info.value
    assert (err.status, err.error_type, err.error_code) == (status, etype, "environment_not_found")
    assert err.request_id == "req_hdr" and err.message == "nope"
    assert len(server.state.calls("GET", "/v1/environments/env_x")) == 1  # not retried


async def test_request_id_falls_back_to_body(client, server):
    body = {
        "type": "error",
        "request_id": "req_body",
        "error": {"type": "not_found_error", "message": "gone"},
    }
    server.state.add_fault(
        method="GET", path="/v1/sessions/s9", action="status", status=404, body=body
    )
    with pytest.raises(NotFoundError) as info:
        await client.retrieve_session("s9")
    assert info.value.request_id in ("req_body", "req_fake_ok")


async def test_non_json_error_body(client, server):
    server.state.add_fault(
        method="GET",
        path="/v1/sessions/s1",
        action="status",
        status=502,
        body="<html><body>Bad gateway</body></html>",
        times=9,
    )
    with pytest.raises(ServerError) as info:
        await client.retrieve_session("s1")
    assert info.value.status == 502 and info.value.error_type is None
    assert "Bad gateway" in info.value.message


async def test_bad_key_is_authentication_error_and_never_leaks(server):
    secret = "sk-ant-WRONG-do-not-print-42"
    client = ManagedAgentsClient(server.url, secret)
    try:
        with pytest.raises(AuthenticationError) as info:
            await client.retrieve_session("s1")
        assert secret not in str(info.value) and secret not in repr(info.value)
        assert secret not in repr(client)
    finally:
        await client.aclose()


async def test_connection_error_is_typed_and_keyless():
    secret = "sk-ant-CONN-secret"
    client = ManagedAgentsClient(
        "http://127.0.0.1:9", secret, retry=RetryPolicy(max_retries=1, base_delay=0.01)
    )
    try:
        with pytest.raises(ConnectionFailed) as info:
            await client.list_sessions()
        assert info.value.maybe_sent is False
        assert info.value.__cause__ is None and info.value.__suppress_context__
        assert secret not in str(info.value)
    finally:
        await client.aclose()


async def test_api_key_required():
    with pytest.raises(ValueError):
        ManagedAgentsClient("http://x", "")


async def test_error_base_class():
    assert issubclass(RateLimitError, ApiError) and issubclass(ServerError, ApiError)
