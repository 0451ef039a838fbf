"""Retry behaviour: reads retried with backoff honouring retry-after; writes only when safe."""

from __future__ import annotations

import time

import httpx
import pytest

from drover.api import RateLimitError, RetryPolicy, ServerError
from drover.api.retry import parse_retry_after

RL = {"type": "error", "error": {"type": "rate_limit_error", "message": "slow down"}}
ISE = {"type": "error", "error": {"type": "api_error", "message": "boom"}}


async def test_read_retries_a_500_burst_then_succeeds(client, server):
    server.state.add_fault(
        method="GET", path="/v1/sessions/s1", action="status", status=500, body=ISE, times=2
    )
    server.state.add_fault(
        method="GET",
        path="/v1/sessions/s1",
        action="status",
        status=529,
        body={"type": "error", "error": {"type": "overloaded_error", "message": "busy"}},
    )
    got = await client.retrieve_session("s1")
    assert got["id"] == "s1"
    assert len(server.state.calls("GET", "/v1/sessions/s1")) == 4


async def test_read_gives_up_after_max_retries(client, server):
    server.state.add_fault(
        method="GET", path="/v1/sessions/s1", action="status", status=503, body=ISE, times=10
    )
    with pytest.raises(ServerError) as info:
        await client.retrieve_session("s1")
    assert info.value.status == 503
    assert len(server.state.calls("GET", "/v1/sessions/s1")) == 4  # 1 + 3 retries


async def test_429_retry_after_ms_is_honoured(client, server):
    server.state.add_fault(
        method="GET",
        path="/v1/agents",
        action="status",
        status=429,
        body=RL,
        headers={"retry-after-ms": "300", "retry-after": "9"},
    )
    start = time.monotonic()
    await client.list_agents()
    elapsed = time.monotonic() - start
    calls = server.state.calls("GET", "/v1/agents")
    assert len(calls) == 2
    gap = calls[1].at - calls[0].at
    assert 0.28 <= gap < 2.0 and elapsed < 3.0  # ms header wins over the 9 s one


async def test_429_retry_after_seconds(client, server):
    server.state.add_fault(
        method="GET",
        path="/v1/agents",
        action="status",
        status=429,
        body=RL,
        headers={"retry-after": "0.2"},
    )
    await client.list_agents()
    calls = server.state.calls("GET", "/v1/agents")
    assert calls[1].at - calls[0].at >= 0.18


async def test_long_retry_after_is_raised_not_waited(make_client, server):
    client = make_client(retry=RetryPolicy(max_retries=3, max_retry_after=5))
    server.state.add_fault(
        method="GET",
        path="/v1/agents",
        action="status",
        status=429,
        body=RL,
        headers={"retry-after": "120"},
    )
    start = time.monotonic()
    with pytest.raises(RateLimitError) as info:
        await client.list_agents()
    assert info.value.retry_after == 120 and time.monotonic() - start < 2


async def test_should_retry_false_header(client, server):
    server.state.add_fault(
        method="GET",
        path="/v1/agents",
        action="status",
        status=500,
        body=ISE,
        headers={"x-should-retry": "false"},
    )
    with pytest.raises(ServerError):
        await client.list_agents()
    assert len(server.state.calls("GET", "/v1/agents")) == 1


async def test_read_retries_dropped_connection(client, server):
    server.state.add_fault(method="GET", path="/v1/sessions/s1", action="drop", times=2)
    assert (await client.retrieve_session("s1"))["id"] == "s1"


async def test_writes_are_not_retried_on_500(client, server):
    server.state.add_fault(
        method="POST", path="/v1/sessions", action="status", status=500, body=ISE
    )
    with pytest.raises(ServerError):
        await client.create_session("agent_1", "env_1")
    assert len(server.state.calls("POST", "/v1/sessions")) == 1


async def test_writes_are_retried_on_429(client, server):
    server.state.add_fault(
        method="POST",
        path="/v1/sessions/s1/archive",
        action="status",
        status=429,
        body=RL,
        headers={"retry-after": "0.05"},
    )
    await client.archive_session("s1")
    assert len(server.state.calls("POST", "/v1/sessions/s1/archive")) == 2


def test_parse_retry_after_variants():
    h = httpx.Headers
    assert parse_retry_after(h({"retry-after-ms": "1500"})) == 1.5
    assert parse_retry_after(h({"retry-after": "3"})) == 3.0
    assert parse_retry_after(h({})) is None
    assert parse_retry_after(h({"retry-after": "soon"})) is None
    date = "Wed, 21 Oct 2015 07:28:10 GMT"
    assert parse_retry_after(h({"retry-after": date}), now=1445412480.0) == 10.0


def test_backoff_is_jittered_and_capped():
    policy = RetryPolicy(base_delay=0.5, max_delay=8.0)
    delays = [policy.backoff(n) for n in range(1, 10)]
    assert all(0.25 <= d <= 8.0 for d in delays)
    assert 4.0 <= policy.backoff(9) <= 8.0
    assert len({round(policy.backoff(3), 6) for _ in range(20)}) > 1
