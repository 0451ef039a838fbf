"""Fixtures for the export tests: real mirror files in tmp_path, filled through the store's
ingest (the protocol's example scenarios, and a session full of planted secrets)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # makes export_support importable by tests

from export_support import fill_examples, fill_planted

from drover.store.mirror import Mirror


@pytest.fixture
def mirror(tmp_path: Path) -> Iterator[Mirror]:
    """A fresh mirror file, closed after the test."""
    m = Mirror.open(tmp_path / "mirror.db")
    yield m
    m.close()


@pytest.fixture
def examples(mirror: Mirror) -> list[str]:
    """The example scenarios ingested into `mirror`; their session ids."""
    return fill_examples(mirror)


@pytest.fixture
def planted(mirror: Mirror) -> str:
    """The planted-secrets session ingested into `mirror`; its id."""
    return fill_planted(mirror)
