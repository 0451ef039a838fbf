"""drover.store stays below everything: no Textual, no other drover package."""

from __future__ import annotations

import subprocess
import sys

FORBIDDEN = ("textual", "drover.api", "drover.sync", "drover.tui", "drover.sim", "drover.config")


def test_store_imports_nothing_above_it():
    code = (
        "import sys, pkgutil, importlib, drover.store as s\n"
        "for m in pkgutil.iter_modules(s.__path__):\n"
        "    importlib.import_module(f'drover.store.{m.name}')\n"
        f"print([m for m in sys.modules if m.startswith({FORBIDDEN!r})])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
