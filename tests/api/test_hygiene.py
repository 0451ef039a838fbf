"""Library hygiene: no UI/store imports, no key in logs."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest

from drover.api import ManagedAgentsClient

FORBIDDEN = ("textual", "drover.store", "drover.sync", "drover.tui", "drover.sim")


def test_api_and_config_import_nothing_forbidden():
    code = (
        "import sys, drover.api, drover.config\n"
        f"forbidden = {FORBIDDEN!r}\n"
        "print([m for m in sys.modules if m.split('.')[0] == 'textual'\n"
        "       or any(m == f or m.startswith(f + '.') for f in forbidden)])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=True
    )
    assert done.stdout.strip() == "[]"


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
