"""TUI test fixtures: private copies of the fixture mirror (plain, or with the snapshots'
showcase) and app factories on them."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # makes tui_support importable by tests

from tui_support import NOW, add_showcase, build_mirror


@pytest.fixture(scope="session")
def mirror_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture mirror, built once per test session (copied per test)."""
    data_dir = tmp_path_factory.mktemp("template")
    build_mirror(data_dir)
    return data_dir


@pytest.fixture(scope="session")
def showcase_template(mirror_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture mirror plus what the snapshots show beyond it (`add_showcase`)."""
    data_dir = tmp_path_factory.mktemp("showcase")
    shutil.copytree(mirror_template, data_dir, dirs_exist_ok=True)
    add_showcase(data_dir)
    return data_dir


def _private_copy(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    target = tmp_path / "data"
    shutil.copytree(template, target)
    monkeypatch.setenv("DROVER_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("DROVER_DATA_DIR", str(target))
    return target


def _app_factory(data_dir: Path, tmp_path: Path) -> Callable[..., Any]:
    from drover.tui.app import DroverApp

    def make(**kwargs: Any) -> DroverApp:
        kwargs.setdefault("data_dir", data_dir)
        kwargs.setdefault("config_path", tmp_path / "config.toml")
        kwargs.setdefault("clock", lambda: NOW)
        return DroverApp(**kwargs)

    return make


@pytest.fixture
def data_dir(mirror_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the fixture data dir; config redirected into tmp too."""
    return _private_copy(mirror_template, tmp_path, monkeypatch)


@pytest.fixture
def make_app(data_dir: Path, tmp_path: Path) -> Iterator[Callable[..., Any]]:
    """Build a `DroverApp` on the fixture mirror with a fixed clock."""
    yield _app_factory(data_dir, tmp_path)


@pytest.fixture
def make_showcase_app(
    showcase_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., Any]]:
    """Build a `DroverApp` on a private copy of the showcase mirror with a fixed clock."""
    yield _app_factory(_private_copy(showcase_template, tmp_path, monkeypatch), tmp_path)


@pytest.fixture(params=["drover-dark", "drover-light"])
def snap_app(request: pytest.FixtureRequest, make_showcase_app: Callable[..., Any]) -> Any:
    """The real app on the showcase mirror, once per drover theme, for snapshots.

    Animations are off: a tab relabelled or switched moves its underline over 0.3 s, started
    by a 20 ms timer that can fire after `snap_compare` has stopped waiting for animations.
    """
    app = make_showcase_app(theme=request.param)
    app.animation_level = "none"
    return app
