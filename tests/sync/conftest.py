"""Fixtures for the sync tests: a real sim on loopback, a real SQLite mirror in ``tmp_path``,
an api client pointed at the sim. No network mocks. Helpers live in ``sync_support.py``."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # makes sync_support importable by tests

from sync_support import SCENARIOS, Mirror, make_client

from drover.api.client import ManagedAgentsClient
from drover.sim.scenarios.loader import SCENARIOS_DIR as SHIPPED_SCENARIOS


@pytest.fixture
def mirror(tmp_path: Path) -> Any:
    m = Mirror(tmp_path / "mirror.db")
    yield m
    m.close()


@pytest.fixture
async def client_factory() -> AsyncIterator[Callable[..., ManagedAgentsClient]]:
    clients: list[ManagedAgentsClient] = []

    def build(sim: Any, **kw: Any) -> ManagedAgentsClient:
        c = make_client(sim.base_url, kw.pop("api_key", sim.api_key), **kw)
        clients.append(c)
        return c

    yield build
    for c in clients:
        await c.aclose()


@pytest.fixture(scope="session")
def scenarios_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped scenarios plus the sync tests' own (SimConfig.scenarios_dir replaces the
    shipped folder rather than adding to it, so link both into one folder)."""
    folder = tmp_path_factory.mktemp("scenarios")
    for source in [*sorted(SHIPPED_SCENARIOS.glob("*.toml")), *sorted(SCENARIOS.glob("*.toml"))]:
        (folder / source.name).symlink_to(source)
    return folder


@pytest.fixture
def chaos_sim(sim_factory: Callable[..., Any], scenarios_dir: Path) -> Callable[..., Any]:
    """Start a sim with the test scenarios, quick heartbeats and a given pace."""

    def start(**fields: Any) -> Any:
        fields.setdefault("heartbeat_seconds", 0.25)
        fields.setdefault("scenarios_dir", scenarios_dir)
        fields.setdefault("pace", "400eps")
        return sim_factory(**fields)

    return start
