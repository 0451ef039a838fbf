"""Fixtures of the sim's SDK conformance tests: the official client and a raw one on the sim."""

from __future__ import annotations

from collections.abc import Iterator

import anthropic
import httpx
import pytest


@pytest.fixture
def client(sim) -> anthropic.Anthropic:
    """The official ``anthropic`` client on the sim, without retries (errors show as they are)."""
    return anthropic.Anthropic(api_key=sim.api_key, base_url=sim.base_url, max_retries=0)


@pytest.fixture
def raw(sim) -> Iterator[httpx.Client]:
    """A plain HTTP client on the sim, for the bytes the SDK would hide."""
    with httpx.Client(base_url=sim.base_url, headers=sim.headers, timeout=10) as c:
        yield c
