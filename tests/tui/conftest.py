"""TUI test fixtures: a private copy of the fixture mirror and an app factory on it."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # makes tui_support importable by tests

from tui_support import NOW, build_mirror


@pytest.fixture(scope="session")
def mirror_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture mirror, built once per test session (copied per test)."""
    data_dir = tmp_path_factory.mktemp("template")
    build_mirror(data_dir)
    return data_dir


@pytest.fixture
def data_dir(mirror_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the fixture data dir; config redirected into tmp too."""
    target = tmp_path / "data"
    shutil.copytree(mirror_template, target)
    monkeypatch.setenv("DROVER_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("DROVER_DATA_DIR", str(target))
    return target


@pytest.fixture
def make_app(data_dir: Path, tmp_path: Path) -> Iterator[Callable[..., Any]]:
    """Build a `DroverApp` on the fixture mirror with a fixed clock."""
    from drover.tui.app import DroverApp

    def make(**kwargs: Any) -> DroverApp:
        kwargs.setdefault("data_dir", data_dir)
        kwargs.setdefault("config_path", tmp_path / "config.toml")
        kwargs.setdefault("clock", lambda: NOW)
        return DroverApp(**kwargs)

    yield make
