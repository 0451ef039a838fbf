"""The sim's webhooks: configured with a URL and a signing secret, it POSTs what happens to a
session (created, run started, idled, requires action, deleted) signed the Standard Webhooks
way, so the official SDK's verifier accepts them; `/_sim/stats` counts them and the reads."""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Iterator
from typing import Any, ClassVar

import httpx
import pytest
from sim_http import api

from drover.sim.http.webhooks import new_secret, webhook_types


class _Receiver(http.server.BaseHTTPRequestHandler):
    got: ClassVar[list[tuple[dict[str, str], bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["content-length"]))
        type(self).got.append(({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[tuple[dict[str, str], bytes]]]]:
    got: ClassVar[list[tuple[dict[str, str], bytes]]] = []
    handler = type("Receiver", (_Receiver,), {"got": got})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/webhooks", got
    server.shutdown()


def _session(sim: Any) -> str:
    tools = [{"type": "agent_toolset_20260401", "default_config": {
        "enabled": True, "permission_policy": {"type": "always_ask"}}}]  # fmt: skip
    agent = api(sim, "POST", "/v1/agents", json={"name": "ops", "model": "claude-sonnet-4-6",
                "metadata": {"scenario": "risky-ops"}, "tools": tools})  # fmt: skip
    name = f"env-{time.monotonic_ns()}"
    env = api(sim, "POST", "/v1/environments", json={"name": name, "config": {"type": "cloud"}})
    body = {"agent": agent["id"], "environment_id": env["id"], "initial_events": [
        {"type": "user.message", "content": [{"type": "text", "text": "go"}]}]}  # fmt: skip
    return str(api(sim, "POST", "/v1/sessions", json=body)["id"])


def test_signed_webhooks_reach_the_url_and_the_sdk_verifies_them(sim_factory, receiver) -> None:
    standardwebhooks = pytest.importorskip("standardwebhooks")
    url, got = receiver
    secret = new_secret()
    sim = sim_factory(webhook_url=url, webhook_secret=secret)
    sid = _session(sim)
    deadline = time.monotonic() + 20
    types: list[str] = []
    while "session.requires_action" not in types and time.monotonic() < deadline:
        time.sleep(0.05)
        types = [json.loads(body)["data"]["type"] for _, body in got]
    assert types[0] == "session.created"
    assert "session.status_run_started" in types and "session.requires_action" in types
    verifier = standardwebhooks.Webhook(secret)
    for headers, body in got:
        payload = verifier.verify(body, headers)  # raises on a bad signature
        assert payload["type"] == "event" and payload["data"]["id"] == sid
        assert payload["data"]["organization_id"] and payload["data"]["workspace_id"]
    stats = api(sim, "GET", "/_sim/stats")
    assert stats["webhooks"]["sent"] >= len(got) and stats["webhooks"]["failed"] == 0
    assert stats["reads_served"] >= 0


def test_webhooks_are_set_and_stopped_at_run_time_and_reads_are_counted(
    sim_factory, receiver
) -> None:
    url, got = receiver
    sim = sim_factory()
    before = api(sim, "GET", "/_sim/stats")["reads_served"]
    api(sim, "GET", "/v1/sessions")
    api(sim, "GET", "/v1/agents")
    assert api(sim, "GET", "/_sim/stats")["reads_served"] == before + 2  # /_sim/ is no read
    assert api(sim, "GET", "/_sim/webhooks")["url"] is None
    bad = httpx.post(f"{sim.base_url}/_sim/webhooks", headers=sim.headers,
                     json={"url": url})  # fmt: skip
    assert bad.status_code == 400
    shown = api(sim, "POST", "/_sim/webhooks", json={"url": url, "secret": new_secret()})
    assert shown["url"] == url and "secret" not in shown
    _session(sim)
    deadline = time.monotonic() + 10
    while not got and time.monotonic() < deadline:
        time.sleep(0.05)
    assert got
    api(sim, "DELETE", "/_sim/webhooks")
    count = len(got)
    _session(sim)
    time.sleep(0.5)
    assert len(got) == count


def test_what_becomes_which_webhook() -> None:
    idle = {"type": "session.status_idle", "stop_reason": {"type": "requires_action"}}
    assert webhook_types("event", idle) == ("session.status_idled", "session.requires_action")
    budget = {"type": "session.status_idle", "stop_reason": {"type": "budget_reached"}}
    assert webhook_types("event", budget)[1] == "session.budget_reached"
    assert webhook_types("event", {"type": "agent.message"}) == ()
    assert webhook_types("vault_credential.refresh_failed", {}) == (
        "vault_credential.refresh_failed",
    )
