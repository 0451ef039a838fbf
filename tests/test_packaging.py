"""Packaging invariants: every mapped subpackage ships, and the sim stays independent of
drover's client side."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_package_folder_is_listed_in_pyproject() -> None:
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(setuptools["packages"])
    found: set[str] = set()
    for package, folder in setuptools["package-dir"].items():
        base = ROOT / folder
        for init in base.rglob("__init__.py"):
            if "__pycache__" in init.parts:
                continue
            rel = init.parent.relative_to(base).parts
            found.add(".".join((package, *rel)))
    missing = sorted(found - listed)
    assert not missing, f"add to [tool.setuptools] packages: {missing}"


_PROBE = """
import importlib, pkgutil, sys
import drover.sim
for info in pkgutil.walk_packages(drover.sim.__path__, "drover.sim."):
    importlib.import_module(info.name)
from drover.sim.server import SimServer
from drover.sim.settings import SimConfig
with SimServer(SimConfig(pace="fast")) as server:
    import httpx
    assert httpx.get(server.base_url + "/_sim/health",
                     headers={"x-api-key": server.api_key}).status_code == 200
banned = ("drover.api", "drover.sync", "drover.store", "drover.tui", "drover.config",
          "drover.cli", "textual", "anthropic")
loaded = sorted(m for m in sys.modules if m.split(".")[0] in banned or
                any(m == b or m.startswith(b + ".") for b in banned))
print("LOADED", loaded)
"""


def test_sim_imports_nothing_from_the_client_side() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    assert "LOADED []" in result.stdout, result.stdout
