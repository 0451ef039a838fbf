"""drover.export is pure: no Textual, no sync, no sim, no TUI (the CLI and benchmarks load it)."""

from __future__ import annotations

import subprocess
import sys

FORBIDDEN = ("textual", "drover.sync", "drover.tui", "drover.sim", "drover.cli")


def test_export_imports_nothing_above_the_store():
    code = (
        "import sys, pkgutil, importlib, drover.export as e\n"
        "for m in pkgutil.iter_modules(e.__path__):\n"
        "    importlib.import_module(f'drover.export.{m.name}')\n"
        f"print(sorted(m for m in sys.modules if m.startswith({FORBIDDEN!r})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
