"""Shared fixtures: a real sim server on loopback for any test that needs one.

* ``sim`` — a started :class:`~drover.sim.server.SimServer` (fast pace, free port, default key
  ``sk-ant-sim-drover-demo``), stopped after the test. Use ``sim.base_url``, ``sim.api_key``,
  ``sim.headers`` (for raw httpx), ``sim.call(fn, *args)`` to run code on the server's loop
  (e.g. ``sim.call(sim.domain.list_sessions)``), and ``sim.faults = FaultPlan(...)``.
* ``sim_factory(**config)`` — start a server with custom :class:`~drover.sim.settings.SimConfig`
  fields (``sim_factory(heartbeat_seconds=0.2, rate_limit_read=5)``); every server it starts is
  stopped after the test.
* ``hostile_factory(sim)`` — a hostile proxy in front of a sim (``tests/hostile_server.py``):
  set ``proxy.plan`` to serve malformed payloads, point drover at ``proxy.base_url``.

* ``pg_cluster`` — a throwaway PostgreSQL cluster for the whole test session (``tests/pg.py``);
  PostgreSQL tests skip, saying why, only when the server binaries are not installed.
* ``pg_url`` — a ``postgresql://`` URL to an empty schema of its own in that cluster.

Example::

    def test_lists_sessions(sim):
        client = anthropic.Anthropic(api_key=sim.api_key, base_url=sim.base_url)
        assert client.beta.sessions.list().data == []
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import keyring.core
import pytest
from pg import Cluster, ClusterUnavailable, start_cluster

from drover.sim.server import SimServer
from drover.sim.settings import SimConfig

# Every drover process a test starts prints its threads' stacks if it dies of a fatal signal
# (a `drover send` once died of SIGSEGV with an empty stderr, leaving nothing to go on).
os.environ.setdefault("PYTHONFAULTHANDLER", "1")


@pytest.fixture(autouse=True)
def _fresh_keyring_backend() -> Iterator[None]:
    """Re-detect the keyring backend after each test.

    keyring picks its backend once per process (honouring ``PYTHON_KEYRING_BACKEND`` at that
    moment) and caches it. A test that forces the fail backend would otherwise leave it in
    place for every later test, making results depend on test order. This fixture is set up
    before ``monkeypatch``, so its teardown runs after the environment is restored.
    """
    yield
    keyring.core.init_backend()


@pytest.fixture
def sim_factory() -> Iterator[Callable[..., SimServer]]:
    """Start sim servers with custom config fields; all are stopped at teardown."""
    servers: list[SimServer] = []

    def start(*, domain: Any = None, **fields: Any) -> SimServer:
        fields.setdefault("pace", "fast")
        fields.setdefault("port", 0)
        server = SimServer(SimConfig(**fields), domain=domain)
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def hostile_factory() -> Iterator[Callable[[Any], Any]]:
    """Start hostile proxies in front of sims; all are stopped at teardown."""
    from hostile_server import HostileServer

    proxies: list[HostileServer] = []

    def start(sim: Any) -> HostileServer:
        proxy = HostileServer(sim.base_url).start()
        proxies.append(proxy)
        return proxy

    yield start
    for proxy in proxies:
        proxy.stop()


@pytest.fixture
def sim(sim_factory: Callable[..., SimServer]) -> SimServer:
    """A started sim server: fast pace, port 0, default key."""
    return sim_factory()


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    """A throwaway PostgreSQL cluster, started once and removed after the test session."""
    try:
        cluster = start_cluster()
    except ClusterUnavailable as exc:
        pytest.skip(f"no PostgreSQL to test against: {exc}")
    yield cluster
    cluster.stop()


@pytest.fixture
def pg_url(pg_cluster: Cluster) -> str:
    """A PostgreSQL mirror location: an empty schema of this test's own."""
    return pg_cluster.new_schema()
