"""The sim is realistic by default (no flag, no fault plan): what the demo, the tests and the
benchmarks meet is what users of the real API meet.

* Queued copies: a sent ``user.message`` reaches the stream first queued (``processed_at``
  null, as the receipt shows it), then processed.
* Rate limits at the documented org values: 300 create and 1,200 read requests per minute,
  answered with 429 ``rate_limit_error`` and ``retry-after``.
"""

from __future__ import annotations

import json

import httpx
from sim_http import RawStream

from drover.sim.server import SimServer
from drover.sim.settings import SimConfig


def test_a_default_sim_sends_queued_copies(sim_factory) -> None:
    sim = sim_factory()  # SimConfig defaults; only the pace is fast
    with httpx.Client(base_url=sim.base_url, headers=sim.headers, timeout=10) as client:
        env = client.post("/v1/environments", json={"name": "defaults"}).json()
        agent = client.post("/v1/agents", json={"name": "a", "model": "claude-sonnet-4-6"}).json()
        body = {"agent": agent["id"], "environment_id": env["id"]}
        session = client.post("/v1/sessions", json=body).json()
        path = f"/v1/sessions/{session['id']}/events"
        with client.stream("GET", f"{path}/stream") as response:
            stream = RawStream(response)
            stream.read_until(lambda raw: raw.startswith(b": connected"))
            message = {"type": "user.message", "content": [{"type": "text", "text": "hi"}]}
            receipt = client.post(path, json={"events": [message]}).json()["data"][0]
            assert receipt["processed_at"] is None
            stream.read_until(lambda raw: raw.count(receipt["id"].encode()) >= 2)
        copies = [e for e in stream.events() if e.get("id") == receipt["id"]]
        assert [c["processed_at"] is None for c in copies] == [True, False]
        history = client.get(path).json()["data"]
        assert [e["processed_at"] is not None for e in history if e["id"] == receipt["id"]] == [
            True
        ]


def test_a_default_sim_throttles_at_the_documented_org_limits() -> None:
    config = SimConfig(pace="fast")
    assert (config.rate_limit_create, config.rate_limit_read) == (300, 1200)
    with (
        SimServer(config) as sim,
        httpx.Client(base_url=sim.base_url, headers=sim.headers, timeout=10) as client,
    ):
        assert client.get("/_sim/rate_limits").json() == {"create": 300, "read": 1200}
        codes = []
        while 429 not in codes and len(codes) < 400:
            codes.append(client.post("/v1/vaults", json={"display_name": "v"}).status_code)
        # The bucket holds 300 and refills at 5 a second while we hammer it.
        assert 300 <= codes.index(429) < 330 and set(codes[:-1]) == {200}
        limited = client.post("/v1/vaults", json={"display_name": "late"})
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
        assert json.loads(limited.text)["error"]["type"] == "rate_limit_error"
        assert client.get("/v1/vaults").status_code == 200  # the read bucket is separate
