"""Helpers for the in-process hub tests (imported as ``inprocess_hub``)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from drover.sync.account import Overrides
from drover.sync.profiles import ProfileEngines


def hub_engines(sim: Any, store: str, data_dir: Path) -> ProfileEngines:
    """The profile a hub on `store` runs with: the sim's endpoint and key."""
    engines = ProfileEngines.endpoint(sim.base_url, sim.api_key, data_dir)
    engines.overrides = Overrides(api_key=sim.api_key, store=store)
    return engines


async def until(check: Callable[[], Any], timeout: float, what: str) -> Any:
    """`check()`'s first true value, looked at every 50 ms for up to `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")
