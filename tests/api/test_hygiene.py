"""Library hygiene: no key in logs, profile wiring (what api/ may import: test_imports.py)."""

from __future__ import annotations

import logging

import pytest

from drover.api import ManagedAgentsClient, RateBudget
from drover.config import Config, Profile


async def test_key_never_logged(make_client, server, fs, caplog):
    caplog.set_level(logging.DEBUG)
    client = make_client()
    server.state.add_fault(method="GET", path="/v1/agents", action="status", status=500, body={})
    await client.list_agents()
    server.state.add_fault(method="GET", path="/v1/agents", action="drop")
    await client.list_agents()
    assert any("retry" in r.getMessage() for r in caplog.records)
    assert fs.API_KEY not in caplog.text


async def test_from_profile(server, fs):
    resolved = Config(
        profiles={"default": Profile(workspace_id="wrkspc_9", read_per_minute=600)}
    ).resolve(base_url=server.url, env={})
    client = ManagedAgentsClient.from_profile(resolved, fs.API_KEY)
    try:
        assert isinstance(client.rate_budget, RateBudget)
        assert client.rate_budget.read.per_minute == 600
        await client.list_agents()
        assert server.state.requests[-1].headers["anthropic-workspace-id"] == "wrkspc_9"
    finally:
        await client.aclose()


@pytest.mark.parametrize("bad", [0, -1])
def test_max_streams_validated(bad):
    with pytest.raises(ValueError):
        ManagedAgentsClient("http://x", "k", max_streams=bad)
