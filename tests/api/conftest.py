"""Fixtures for the drover.api tests: one fake server per session, reset for each test."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from drover.api import ManagedAgentsClient, RateBudget, RetryPolicy


def _load_fakeserver():
    # Tests run with --import-mode=importlib and tests/ has no __init__.py, so the helper
    # module is loaded by path under a name that cannot collide with other test helpers.
    name = "drover_tests_api_fakeserver"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            name, Path(__file__).with_name("fakeserver.py")
        )
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


fakeserver = _load_fakeserver()


@pytest.fixture(scope="session")
def _server():
    server = fakeserver.FakeServer().start()
    yield server
    server.stop()


@pytest.fixture
def server(_server):
    """The running fake server with fresh state."""
    _server.state.reset()
    return _server


@pytest.fixture
def fs():
    """The fakeserver module (for ``sse``, ``API_KEY`` ...)."""
    return fakeserver


@pytest.fixture
async def make_client(server):
    """Build clients against the fake server with fast retries; closed after the test."""
    clients: list[ManagedAgentsClient] = []

    def make(**kw) -> ManagedAgentsClient:
        kw.setdefault("retry", RetryPolicy(max_retries=3, base_delay=0.01, max_delay=0.05))
        kw.setdefault("rate_budget", RateBudget(6000, 6000, create_burst=1000, read_burst=1000))
        client = ManagedAgentsClient(server.url, fakeserver.API_KEY, **kw)
        clients.append(client)
        return client

    yield make
    for made in clients:
        await made.aclose()


@pytest.fixture
def client(make_client):
    """A default client against the fake server."""
    return make_client()
