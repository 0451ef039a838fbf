"""Library hygiene: no key in logs (what api/ may import: test_imports.py)."""

from __future__ import annotations

import logging

import pytest

from drover.api import ManagedAgentsClient


async def test_key_never_logged(make_client, server, fs, caplog):
    caplog.set_level(logging.DEBUG)
    client = make_client()
    server.state.add_fault(method="GET", path="/v1/agents", action="status", status=500, body={})
    await client.list_agents()
    server.state.add_fault(method="GET", path="/v1/agents", action="drop")
    await client.list_agents()
    assert any("retry" in r.getMessage() for r in caplog.records)
    assert fs.API_KEY not in caplog.text


@pytest.mark.parametrize("bad", [0, -1])
def test_max_streams_validated(bad):
    with pytest.raises(ValueError):
        ManagedAgentsClient("http://x", "k", max_streams=bad)
