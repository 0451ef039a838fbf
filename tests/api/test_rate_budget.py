"""The client-side rate budget: pacing, fairness, cancellation, classification, usage."""

from __future__ import annotations

import asyncio
import time

import pytest

from drover.api import RateBudget
from drover.api.rate_budget import TokenBucket


async def test_requests_are_paced_by_the_read_bucket(make_client, server):
    # 1,200/min = one every 50 ms after a burst of 2.
    client = make_client(rate_budget=RateBudget(300, 1200, read_burst=2))
    await asyncio.gather(*(client.list_agents() for _ in range(12)))
    times = sorted(r.at for r in server.state.calls("GET", "/v1/agents"))
    span = times[-1] - times[0]
    admitted_early = sum(1 for t in times if t - times[0] < 0.2)
    assert len(times) == 12
    assert admitted_early <= 2 + 4 + 1  # burst + 0.2 s / 50 ms, one slot of slack
    assert 0.4 <= span < 2.0  # (12 - 2) × 50 ms = 0.5 s ideal


async def test_classification_streams_count_as_reads(make_client, server, fs):
    budget = RateBudget(6000, 6000, create_burst=100, read_burst=100)
    client = make_client(rate_budget=budget)
    server.state.stream_script = [fs.sse("x", {"type": "x"})]
    await client.list_sessions()
    async with client.stream_events("s1") as stream:
        [e async for e in stream]
    await client.create_session("agent_1", "env_1")
    await client.send_events("s1", [{"type": "user.interrupt"}])
    await client.delete_session("s1")
    usage = budget.usage()
    assert usage["read"].admitted_total == 2 and usage["stream"].admitted_total == 1
    assert usage["create"].admitted_total == 3


def test_waiters_are_given_slots_in_arrival_order():
    # Fairness is in the reservation: each caller gets the next free slot, so a later caller
    # never gets an earlier slot. (When each sleeper wakes is the event loop's business.)
    clock = FakeClock()
    bucket = TokenBucket(60_000, burst=1, clock=clock)  # one per millisecond
    delays = [bucket._reserve()[1] for _ in range(400)]
    assert delays == sorted(delays) and len(set(delays)) == 400
    assert delays[-1] == pytest.approx(0.399)


async def test_hundreds_of_waiters_are_all_served_at_the_paced_rate():
    bucket = TokenBucket(60_000, burst=1)  # one per millisecond
    served: list[int] = []

    async def take(n: int) -> None:
        await bucket.acquire()
        served.append(n)

    start = time.monotonic()
    await asyncio.gather(*(take(n) for n in range(400)))
    assert sorted(served) == list(range(400))
    assert time.monotonic() - start >= 0.39  # the pace holds however fast the loop is
    assert bucket.usage().admitted_total == 400 and bucket.usage().waiting == 0


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_usage_snapshot_with_a_fake_clock():
    clock = FakeClock()
    bucket = TokenBucket(60, burst=3, clock=clock)  # one per second, burst 3
    assert [bucket._reserve()[1] for _ in range(5)] == [0.0, 0.0, 0.0, 1.0, 2.0]
    for _ in range(3):
        bucket._record()
    usage = bucket.usage()
    assert usage.admitted_last_minute == 3 and usage.wait_seconds == 3.0
    clock.now += 61
    usage = bucket.usage()
    assert usage.admitted_last_minute == 0 and usage.admitted_total == 3
    assert usage.wait_seconds == 0.0


async def test_cancelled_tail_waiter_returns_its_slot():
    bucket = TokenBucket(60, burst=1)
    await bucket.acquire()
    waiter = asyncio.create_task(bucket.acquire())
    await asyncio.sleep(0.01)
    assert bucket.usage().waiting == 1
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    # The slot went back: the next caller waits ~1 s, not ~2 s.
    assert bucket.usage().wait_seconds <= 1.0


def test_defaults_and_validation():
    budget = RateBudget()
    assert budget.create.per_minute == 300 and budget.read.per_minute == 1200
    assert budget.create.burst == 30 and budget.read.burst == 120
    assert RateBudget.classify("get") == "read" and RateBudget.classify("DELETE") == "create"
    with pytest.raises(ValueError):
        TokenBucket(0)


async def test_short_reads_do_not_queue_behind_a_reconnect_storm(make_client, server, fs):
    # 6,000/min reads = 100/s; stream opens may use half: 40 opens need ≈ 0.8 s.
    budget = RateBudget(6000, 6000, create_burst=1, read_burst=2)
    client = make_client(rate_budget=budget, max_streams=50)
    server.state.stream_script = [": hi\n\n", "hang"]
    opens = [asyncio.create_task(client.stream_events("s1").__aenter__()) for _ in range(40)]
    await asyncio.sleep(0.1)
    start = time.monotonic()
    await client.retrieve_session("s1")
    waited = time.monotonic() - start
    pending = sum(not t.done() for t in opens)
    streams = await asyncio.gather(*opens)
    for stream in streams:
        await stream.aclose()
    assert waited < 0.25 and pending > 10  # the call went ahead of most stream opens
    assert budget.usage()["stream"].admitted_total == 40
    assert budget.usage()["read"].admitted_total == 41
