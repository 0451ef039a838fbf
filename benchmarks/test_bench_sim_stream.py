"""How fast the sim serves: SSE events to K concurrent streams, and plain requests. Run with
`make bench`.

Streams: one session per stream, as drover follows a fleet. A producer on the server's loop
keeps every subscription's queue topped up (so production never limits the rate), and a client
in a separate process counts frames for `DROVER_BENCH_SIM_SECONDS` (default 3). The figure is
the ceiling of sim + one Python httpx client on this machine; later benchmarks that use the sim
as their load source should stay well below it. Each K is printed as a ratio of K = 1 measured
in the same run.

Requests: K concurrent workers looping `GET /v1/sessions/{id}` through the full gate (auth,
beta header, limits, faults) — the budget for reconnect storms that list history — against a
baseline in the same run: a bare Starlette app on the same uvicorn answering a constant JSON
body, so the ratio is the cost of the sim's own layers.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import uvicorn
from sim_fake_domain import FakeDomain
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

from drover.sim.server import SimServer
from drover.sim.settings import SimConfig

pytestmark = pytest.mark.bench

SECONDS = float(os.environ.get("DROVER_BENCH_SIM_SECONDS", "3"))
KS = [int(k) for k in os.environ.get("DROVER_BENCH_SIM_STREAMS", "1,50,200,500").split(",")]
CLIENT = Path(__file__).with_name("sim_stream_client.py")
TEXT = "Ran the parser tests: 42 passed, 1 flaky (test_unicode_roundtrip) — retrying once. " * 2


class Producer:
    """Keeps each session's subscribers fed with ``agent.message`` events, on the server loop."""

    def __init__(self, domain: FakeDomain) -> None:
        self.domain = domain
        self.task: asyncio.Task | None = None
        self.n = 0

    def start(self) -> None:
        self.task = asyncio.get_running_loop().create_task(self._run())

    def stop(self) -> None:
        if self.task:
            self.task.cancel()

    async def _run(self) -> None:
        logs = list(self.domain.logs.values())
        while True:
            for log in logs:
                subs = log._subscribers.get(None, ())
                if all(sub.queue.qsize() < 64 for sub in subs):
                    for _ in range(16):
                        self.n += 1
                        event = {
                            "type": "agent.message",
                            "id": f"sevt_{self.n:09d}",
                            "processed_at": "2026-05-01T00:00:00.000Z",
                            "content": [{"type": "text", "text": TEXT}],
                        }
                        log.append(event)
            await asyncio.sleep(0)


#: This benchmark measures the sim's throughput, so it lifts the rate limits the sim applies
#: by default (the documented org limits would cap it at 20 reads a second).
UNLIMITED = {"rate_limit_create": None, "rate_limit_read": None}


def _client(mode: str, server: Any, sids: list[str]) -> subprocess.Popen:
    argv = [sys.executable, str(CLIENT), mode, server.base_url, server.api_key, str(SECONDS)]
    return subprocess.Popen(
        [*argv, *sids], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )


def _measure_streams(k: int) -> dict:
    domain = FakeDomain()
    # The sim's own ceiling is measured, not the org limits it applies by default.
    with SimServer(SimConfig(port=0, heartbeat_seconds=15, **UNLIMITED), domain=domain) as server:
        sids = [server.call(domain.create_session, {"agent": "a"})["id"] for _ in range(k)]
        client = _client("streams", server, sids)
        assert client.stdout and client.stdin
        assert client.stdout.readline().strip() == "READY"
        producer = Producer(domain)
        server.call(producer.start)
        frames_before = server.context.streams.frames
        client.stdin.write("go\n")
        client.stdin.flush()
        result = json.loads(client.stdout.readline())
        sent = server.context.streams.frames - frames_before
        server.call(producer.stop)
        client.wait(timeout=30)
    return {"k": k, "rate": result["count"] / result["seconds"], "sent": sent / result["seconds"]}


def _run_client(mode: str, server: Any, sids: list[str]) -> float:
    client = _client(mode, server, sids)
    assert client.stdout
    result = json.loads(client.stdout.readline())
    client.wait(timeout=30)
    return result["count"] / result["seconds"]


def _measure_requests(k: int) -> float:
    domain = FakeDomain()
    with SimServer(SimConfig(port=0, **UNLIMITED), domain=domain) as server:
        sids = [server.call(domain.create_session, {"agent": "a"})["id"] for _ in range(k)]
        return _run_client("requests", server, sids)


def _measure_bare(k: int) -> float:
    """The same client against a bare Starlette app on uvicorn (the baseline)."""

    async def constant(request: Any) -> Response:
        return Response(b'{"type":"session","id":"sesn_0001"}', media_type="application/json")

    bare = Starlette(routes=[Route("/v1/sessions/{sid}", constant)])
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(bare, log_level="warning", http="h11", loop="asyncio", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])))
    thread.start()
    while not server.started:
        time.sleep(0.01)
    try:
        port = sock.getsockname()[1]
        target = SimpleNamespace(base_url=f"http://127.0.0.1:{port}", api_key="-")
        return _run_client("requests", target, [f"sesn_{i}" for i in range(k)])
    finally:
        server.should_exit = True
        thread.join()


def test_bench_sim_stream_throughput() -> None:
    rows = [_measure_streams(k) for k in KS]
    base = rows[0]["rate"]
    print(f"\nsim SSE delivery, {SECONDS:g} s per row, client in a separate process")
    print(f"{'streams':>8} {'recv ev/s':>10} {'sent ev/s':>10} {'per stream':>11} {'vs K=1':>7}")
    for row in rows:
        print(
            f"{row['k']:>8} {row['rate']:>10.0f} {row['sent']:>10.0f} "
            f"{row['rate'] / row['k']:>11.1f} {row['rate'] / base:>6.2f}x"
        )
    assert all(row["rate"] > 0 for row in rows)


def test_bench_sim_request_rate() -> None:
    rows = [(k, _measure_bare(k), _measure_requests(k)) for k in (1, 20)]
    print(f"\nGET /v1/sessions/{{id}}, {SECONDS:g} s per row, client in a separate process")
    print(f"{'workers':>8} {'bare req/s':>11} {'sim req/s':>10} {'sim/bare':>9}")
    for k, bare, sim in rows:
        print(f"{k:>8} {bare:>11.0f} {sim:>10.0f} {sim / bare:>8.2f}x")
    assert all(sim > 0 for _, _, sim in rows)
