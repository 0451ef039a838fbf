"""The HTTP gate and SSE plumbing over real loopback HTTP, on a stand-in domain (so these
tests isolate the transport from the scenario engine)."""

from __future__ import annotations

import time

import httpx
import pytest
from sim_fake_domain import FakeDomain
from sim_http import RawStream

from drover.sim.server import SimServer
from drover.sim.settings import BETA, SimConfig


@pytest.fixture
def fake(sim_factory):
    domain = FakeDomain()
    server = sim_factory(domain=domain, heartbeat_seconds=0.1, max_body_bytes=4096)
    client = httpx.Client(base_url=server.base_url, headers=server.headers, timeout=5)
    sid = client.post("/v1/sessions", json={"agent": "agent_1"}).json()["id"]
    yield server, domain, client, sid
    client.close()


def _assert_envelope(response: httpx.Response, status: int, error_type: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["type"] == "error" and body["error"]["type"] == error_type
    assert body["request_id"] == response.headers["request-id"]
    assert body["request_id"].startswith("req_")
    assert response.headers["content-type"].startswith("application/json")


def test_both_auth_styles_work_and_bad_keys_get_401(fake) -> None:
    server, _, _, _ = fake
    url = f"{server.base_url}/v1/sessions"
    assert (
        httpx.get(url, headers={"x-api-key": server.api_key, "anthropic-beta": BETA}).status_code
        == 200
    )
    bearer = {"authorization": f"Bearer {server.api_key}", "anthropic-beta": BETA}
    assert httpx.get(url, headers=bearer).status_code == 200
    for headers in (
        {},
        {"x-api-key": "wrong"},
        {"authorization": "Bearer wrong"},
        {"authorization": server.api_key},
    ):
        _assert_envelope(
            httpx.get(url, headers={**headers, "anthropic-beta": BETA}), 401, "authentication_error"
        )


def test_beta_header_is_required_on_v1_only(fake) -> None:
    server, _, _, sid = fake
    key = {"x-api-key": server.api_key}
    _assert_envelope(
        httpx.get(f"{server.base_url}/v1/sessions/{sid}", headers=key), 404, "not_found_error"
    )
    listed = httpx.get(
        f"{server.base_url}/v1/sessions/{sid}?beta=true",
        headers={
            **key,
            "anthropic-beta": f"other-2025-01-01, {BETA}",
            "anthropic-version": "2026-10-21",
        },
    )
    assert listed.status_code == 200 and listed.json()["id"] == sid
    assert httpx.get(f"{server.base_url}/_sim/health", headers=key).json()["status"] == "ok"
    _assert_envelope(httpx.get(f"{server.base_url}/_sim/health"), 401, "authentication_error")


def test_unknown_paths_and_methods_get_envelopes(fake) -> None:
    _, _, client, sid = fake
    _assert_envelope(client.get("/v1/nothing-here"), 404, "not_found_error")
    _assert_envelope(
        client.get(f"/v1/sessions/{sid}/threads/sthr_1/events/stream"), 404, "not_found_error"
    )
    _assert_envelope(client.get("/v1/sessions/sesn_missing"), 404, "not_found_error")
    wrong = client.put("/v1/sessions")
    _assert_envelope(wrong, 405, "invalid_request_error")


def test_bad_bodies_are_rejected_and_nothing_changes(fake) -> None:
    _, domain, client, _ = fake
    before = client.get("/v1/sessions").json()
    json_type = {"content-type": "application/json"}
    for body in (b"{not json", b"[1, 2]", b"", b"\xff\xfe", b'"text"', b"null"):
        _assert_envelope(
            client.post("/v1/sessions", content=body, headers=json_type),
            400,
            "invalid_request_error",
        )
    _assert_envelope(client.post("/v1/sessions", json={"agent": 5}), 400, "invalid_request_error")
    big = b'{"agent": "' + b"x" * 5000 + b'"}'
    _assert_envelope(
        client.post("/v1/sessions", content=big), 413, "invalid_request_error"
    )  # the SDK has no 413 type

    def chunked():  # no content-length: the cap must apply while reading
        yield big[:3000]
        yield big[3000:]

    _assert_envelope(
        client.post("/v1/sessions", content=chunked()), 413, "invalid_request_error"
    )  # the SDK has no 413 type
    assert client.get("/v1/sessions").json() == before
    assert len(domain.sessions) == 1


def test_stream_frames_heartbeats_and_headers(fake) -> None:
    server, domain, client, sid = fake
    with client.stream("GET", f"/v1/sessions/{sid}/events/stream") as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["cache-control"] == "no-cache"
        assert response.headers["request-id"].startswith("req_")
        stream = RawStream(response)
        stream.read_until(lambda raw: raw.startswith(b": connected\n\n"))
        server.call(domain.emit, sid, 2, "line\u2028sep é")
        stream.read_until(lambda raw: raw.count(b"event: agent.message\n") == 2)
        stream.read_until(lambda raw: b": ping\n\n" in raw, timeout=2)
    events = stream.events()
    assert [e["content"][0]["text"] for e in events] == ["line\u2028sep é"] * 2
    assert "\u2028".encode() in stream.raw  # raw, not \\u2028


def test_streams_fan_out_in_history_order(fake) -> None:
    server, domain, client, sid = fake
    with (
        client.stream("GET", f"/v1/sessions/{sid}/events/stream") as a,
        client.stream("GET", f"/v1/sessions/{sid}/events/stream") as b,
    ):
        streams = [RawStream(a), RawStream(b)]
        for s in streams:
            s.read_until(lambda raw: raw.startswith(b": connected"))
        server.call(domain.emit, sid, 50)
        history = [e["id"] for e in client.get(f"/v1/sessions/{sid}/events").json()["data"]]
        for s in streams:
            s.read_until(lambda raw: raw.count(b"event: ") == 50)
            assert [e["id"] for e in s.events()] == history


def test_event_deltas_are_validated_before_streaming(fake) -> None:
    _, _, client, sid = fake
    base = f"/v1/sessions/{sid}/events/stream"
    ok = "?event_deltas[]=agent.message&event_deltas%5B%5D=agent.thinking"
    with client.stream("GET", base + ok) as response:
        assert response.status_code == 200
    _assert_envelope(
        client.get(base + "?event_deltas[]=agent.tool_use"), 400, "invalid_request_error"
    )
    many = "&".join(["event_deltas[]=agent.message"] * 101)
    _assert_envelope(client.get(f"{base}?{many}"), 400, "invalid_request_error")
    _assert_envelope(client.get("/v1/sessions/sesn_nope/events/stream"), 404, "not_found_error")


def test_session_deleted_ends_the_stream(fake) -> None:
    _, _, client, sid = fake
    with client.stream("GET", f"/v1/sessions/{sid}/events/stream") as response:
        stream = RawStream(response)
        stream.read_until(lambda raw: raw.startswith(b": connected"))
        assert client.delete(f"/v1/sessions/{sid}").json()["type"] == "session_deleted"
        stream.read_to_end()  # returns only because the server closed the stream
    assert [e["type"] for e in stream.events()] == ["session.deleted"]


def test_disconnecting_clients_release_their_subscriptions(fake) -> None:
    server, domain, client, sid = fake
    for _ in range(3):
        with client.stream("GET", f"/v1/sessions/{sid}/events/stream") as response:
            RawStream(response).read_until(lambda raw: raw.startswith(b": connected"))
    log = domain.logs[sid]
    deadline = time.monotonic() + 3
    while server.call(log.subscriber_count) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.call(log.subscriber_count) == 0
    stats = client.get("/_sim/stats").json()
    assert stats["open_streams"] == 0 and stats["streams_opened"] == 3


def test_request_id_on_every_response(fake) -> None:
    server, _, client, sid = fake
    responses = [
        client.get("/v1/sessions"),
        client.get("/v1/nope"),
        client.post("/v1/sessions", content=b"{"),
        httpx.get(f"{server.base_url}/v1/sessions"),
        client.get("/_sim/stats"),
    ]
    with client.stream("GET", f"/v1/sessions/{sid}/events/stream") as stream:
        responses.append(stream)
    ids = [r.headers["request-id"] for r in responses]
    assert all(i.startswith("req_") for i in ids) and len(set(ids)) == len(ids)


def test_server_starts_fast_and_stops_cleanly_with_open_streams(sim_factory) -> None:
    domain = FakeDomain()
    started = time.monotonic()
    server = sim_factory(domain=domain)
    assert time.monotonic() - started < 1.0 and server.port > 0
    assert server.call(lambda: domain.started)
    client = httpx.Client(base_url=server.base_url, headers=server.headers, timeout=5)
    sid = client.post("/v1/sessions", json={"agent": "a"}).json()["id"]
    with client.stream("GET", f"/v1/sessions/{sid}/events/stream") as response:
        stream = RawStream(response)
        stream.read_until(lambda raw: raw.startswith(b": connected"))
        stopping = time.monotonic()
        server.stop()
        stream.read_to_end()
    assert time.monotonic() - stopping < 3
    assert domain.stopped
    with pytest.raises(httpx.ConnectError):
        client.get("/v1/sessions")


async def test_async_context_manager_does_not_block_the_callers_loop() -> None:
    async with SimServer(SimConfig(pace="fast"), domain=FakeDomain()) as server:
        client = httpx.AsyncClient(base_url=server.base_url, headers=server.headers)
        created = await client.post("/v1/sessions", json={"agent": "a"})
        await client.aclose()
        assert created.status_code == 200
        assert server.call(server.domain.get_session, created.json()["id"])["status"] == "idle"
    with pytest.raises(RuntimeError):
        server.call(lambda: None)


def test_a_busy_port_fails_start_at_once(fake) -> None:
    server, *_ = fake
    started = time.monotonic()
    with pytest.raises(RuntimeError, match="cannot listen"):
        SimServer(SimConfig(port=server.port), domain=FakeDomain()).start()
    assert time.monotonic() - started < 1


def test_responses_are_not_held_back_by_nagle(fake) -> None:
    """Sequential requests on one keep-alive connection must not pay the ~40 ms that Nagle's
    algorithm plus delayed ACKs cost when TCP_NODELAY is missing on accepted sockets."""
    _, _, client, sid = fake
    client.get(f"/v1/sessions/{sid}")
    timings = []
    for _ in range(15):
        started = time.perf_counter()
        client.get(f"/v1/sessions/{sid}")
        timings.append(time.perf_counter() - started)
    assert sorted(timings)[len(timings) // 2] < 0.025
