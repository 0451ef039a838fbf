"""Every fault of :class:`FaultPlan`, the control endpoints and rate limits, over loopback HTTP
on the stand-in domain."""

from __future__ import annotations

import time

import httpx
import pytest
from sim_fake_domain import FakeDomain
from sim_http import RawStream

from drover.sim.settings import FaultPlan


@pytest.fixture
def fake(sim_factory):
    def start(**config):
        domain = FakeDomain()
        server = sim_factory(domain=domain, heartbeat_seconds=0.1, **config)
        client = httpx.Client(base_url=server.base_url, headers=server.headers, timeout=5)
        sid = client.post("/v1/sessions", json={"agent": "agent_1"}).json()["id"]
        return server, domain, client, sid

    return start


def _open(client: httpx.Client, sid: str):
    return client.stream("GET", f"/v1/sessions/{sid}/events/stream")


def test_stream_closes_cleanly_after_n_frames(fake) -> None:
    server, domain, client, sid = fake(faults=FaultPlan(stream_close_after=3))
    with _open(client, sid) as response:
        stream = RawStream(response)
        stream.read_until(lambda raw: raw.startswith(b": connected"))
        server.call(domain.emit, sid, 5)
        stream.read_to_end()
    assert len(stream.events()) == 3


def test_mid_frame_cut_leaves_half_a_frame_and_a_broken_connection(fake) -> None:
    server, domain, client, sid = fake(
        faults=FaultPlan(stream_close_after=2, stream_close_mode="mid_frame")
    )
    with _open(client, sid) as response:
        stream = RawStream(response)
        stream.read_until(lambda raw: raw.startswith(b": connected"))
        server.call(domain.emit, sid, 4)
        with pytest.raises(httpx.RemoteProtocolError):
            stream.read_to_end()
    assert len(stream.events()) == 2
    tail = stream.raw.rsplit(b"\n\n", 1)[1]
    assert tail.startswith(b"event: agent.message") and not stream.raw.endswith(b"\n\n")


def test_stall_silences_frames_and_heartbeats_but_keeps_the_connection(fake) -> None:
    server, domain, client, sid = fake(faults=FaultPlan(stream_stall_after=1))
    with client.stream(
        "GET", f"/v1/sessions/{sid}/events/stream", timeout=httpx.Timeout(5, read=0.6)
    ) as response:
        stream = RawStream(response)
        stream.read_until(lambda raw: raw.startswith(b": connected"))
        server.call(domain.emit, sid, 3)
        stream.read_until(lambda raw: b"event: agent.message" in raw)
        with pytest.raises(httpx.ReadTimeout):  # 6 heartbeat periods of silence
            stream.read_to_end()
    assert len(stream.events()) == 1 and b"ping" not in stream.raw.split(b"agent.message")[1]
    assert client.get("/_sim/stats").json()["faults_injected"] >= 1


@pytest.mark.parametrize("mode", ["clean", "abort"])
def test_drop_endpoint_closes_every_open_stream(fake, mode: str) -> None:
    _, _, client, sid = fake()
    with _open(client, sid) as a, _open(client, sid) as b:
        streams = [RawStream(a), RawStream(b)]
        for s in streams:
            s.read_until(lambda raw: raw.startswith(b": connected"))
        assert client.post("/_sim/streams/drop", json={"mode": mode}).json() == {"dropped": 2}
        for s in streams:
            if mode == "clean":
                s.read_to_end()
            else:
                with pytest.raises(httpx.RemoteProtocolError):
                    s.read_to_end()
    assert client.post("/_sim/streams/drop", json={"mode": "sideways"}).status_code == 400


def test_injected_429_carries_retry_after(fake) -> None:
    server, _, client, _ = fake()
    server.faults = FaultPlan(throttle_every=2, retry_after_seconds=7)  # counting restarts
    statuses = [client.get("/v1/sessions") for _ in range(4)]
    assert [r.status_code for r in statuses] == [200, 429, 200, 429]
    throttled = statuses[1]
    assert throttled.headers["retry-after"] == "7"
    assert throttled.json()["error"]["type"] == "rate_limit_error"


def test_failure_bursts_and_probabilities(fake) -> None:
    server, _, client, _ = fake()
    server.faults = FaultPlan(fail_next=2, fail_status=529)
    codes = [client.get("/v1/sessions").status_code for _ in range(3)]
    assert codes == [529, 529, 200]
    server.faults = FaultPlan(fail_probability=1.0)
    failed = client.get("/v1/sessions")
    assert failed.status_code == 500 and failed.json()["error"]["type"] == "api_error"
    assert client.get("/_sim/health").status_code == 200  # control endpoints are never faulted


def test_latency_fault_delays_requests(fake) -> None:
    _, _, client, _ = fake()
    client.post("/_sim/faults", json={"latency_seconds": 0.3})
    started = time.monotonic()
    client.get("/v1/sessions")
    assert time.monotonic() - started >= 0.3


def test_fault_plan_over_http(fake) -> None:
    server, domain, client, _ = fake()
    assert client.get("/_sim/faults").json() == FaultPlan().to_dict()
    assert server.call(lambda: domain.duplicate_user_events) is True  # queued copies: default
    plan = client.post("/_sim/faults", json={"duplicate_user_events": False, "seed": 9}).json()
    assert plan["duplicate_user_events"] is False and plan["seed"] == 9
    assert server.call(lambda: domain.duplicate_user_events) is False
    assert server.faults.seed == 9
    bad = client.post("/_sim/faults", json={"fail_status": 418})
    assert bad.status_code == 400 and bad.json()["type"] == "error"
    assert client.post("/_sim/faults", content=b"[]").status_code == 400
    assert client.get("/_sim/faults").json()["seed"] == 9  # a rejected patch changes nothing
    assert client.delete("/_sim/faults").json() == FaultPlan().to_dict()
    assert server.call(lambda: domain.duplicate_user_events) is True


def test_read_rate_limit_counts_stream_opens(fake) -> None:
    _, _, client, sid = fake(rate_limit_read=3)
    with _open(client, sid) as response:
        assert response.status_code == 200
    assert client.get("/v1/sessions").status_code == 200
    assert client.get(f"/v1/sessions/{sid}").status_code == 200
    limited = client.get(f"/v1/sessions/{sid}/events/stream")
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
    assert limited.json()["error"]["type"] == "rate_limit_error"
    assert client.post(f"/v1/sessions/{sid}/events", json={"events": []}).status_code != 429


def test_create_rate_limit(fake) -> None:
    _, _, client, _ = fake(rate_limit_create=2)  # the fixture's own create used one token
    assert client.post("/v1/sessions", json={"agent": "a"}).status_code == 200
    limited = client.post("/v1/sessions", json={"agent": "a"})
    assert limited.status_code == 429 and limited.headers["retry-after"] == "30"
    assert client.get("/v1/sessions").status_code == 200


def test_error_frame_fault_makes_the_sdk_raise(fake) -> None:
    import anthropic

    server, domain, _, sid = fake(faults=FaultPlan(stream_error_after=1))
    client = anthropic.Anthropic(api_key=server.api_key, base_url=server.base_url, max_retries=0)
    got = []
    with client.beta.sessions.events.stream(sid) as stream:
        server.call(domain.emit, sid, 3)
        with pytest.raises(anthropic.APIStatusError) as err:
            for event in stream:
                got.append(event.type)
    assert got == ["agent.message"]
    assert "Overloaded" in str(err.value)


def test_a_domain_bug_is_a_500_envelope_and_the_server_keeps_serving(fake) -> None:
    _, domain, client, sid = fake()

    def broken(**_filters):
        raise RuntimeError("engine bug")

    domain.list_sessions = broken
    failed = client.get("/v1/sessions")
    assert failed.status_code == 500 and failed.json()["error"]["type"] == "api_error"
    assert failed.json()["request_id"] == failed.headers["request-id"]
    assert client.get(f"/v1/sessions/{sid}").status_code == 200


def test_rate_limits_change_at_run_time(fake) -> None:
    _, _, client, _ = fake()
    # On by default, at the documented org limits.
    assert client.get("/_sim/rate_limits").json() == {"create": 300, "read": 1200}
    assert client.post("/_sim/rate_limits", json={"read": 2}).json() == {
        "create": 300,
        "read": 2,
    }
    codes = [client.get("/v1/sessions").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    for bad in ({"read": 0}, {"read": "5"}, {"write": 5}, {"create": True}):
        assert client.post("/_sim/rate_limits", json=bad).status_code == 400
    assert client.post("/_sim/rate_limits", json={"read": None}).json()["read"] is None
    assert client.get("/v1/sessions").status_code == 200
