"""Fixtures for the CLI tests: isolated config/data dirs, a real sim on loopback (shipped
scenarios plus ``scenarios/``), and ``drover(...)`` running the CLI in-process with capsys.

Run under ``dbus-run-session -- scripts/with-keyring`` so login tests use the real Secret
Service."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # makes cli_support importable by tests

from cli_support import scenario_dir

from drover.cli.main import main


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """Config file and data dir under ``tmp_path``; no key or base URL from the outside."""
    paths = {"config": tmp_path / "config" / "config.toml", "data": tmp_path / "data"}
    monkeypatch.setenv("DROVER_CONFIG", str(paths["config"]))
    monkeypatch.setenv("DROVER_DATA_DIR", str(paths["data"]))
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_BASE_URL", raising=False)
    return paths


@pytest.fixture
def csim(sim_factory: Callable[..., Any], tmp_path: Path) -> Any:
    """A fast sim that also knows the CLI test scenarios."""
    return sim_factory(scenarios_dir=scenario_dir(tmp_path), heartbeat_seconds=0.5)


@pytest.fixture
def on_sim(csim: Any, cli_env: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> Any:
    """The default profile pointed at ``csim`` through the environment."""
    monkeypatch.setenv("ANTHROPIC_API_KEY", csim.api_key)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", csim.base_url)
    return csim


@pytest.fixture
def drover(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Callable:
    """``drover(*argv, stdin=None) -> Result``: the CLI in-process, output captured."""

    def run(*argv: str, stdin: str | None = None) -> Result:
        capsys.readouterr()
        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = main(list(argv))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run
