"""Hand the terminal to another program — `$PAGER`, `$EDITOR` — and take it back.

`run_in_terminal` suspends the app (Textual's `App.suspend`: the terminal as it was before the
app started), runs the program in a thread and resumes. The event loop keeps running meanwhile
(sync goes on mirroring; repaints wait in a `batch_update` and happen once on return), so a
long read in `less` never stalls a live stream. Where the app cannot suspend (the browser via
`drover serve`, a headless test) it says so instead; the in-app views (`v`, `r`) still work.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from textual.app import App, SuspendNotSupported

PAGER_DEFAULT = "less"
EDITOR_DEFAULT = "vi"


def pager_command() -> list[str]:
    """`$PAGER` as argv (default `less`)."""
    return shlex.split(os.environ.get("PAGER") or PAGER_DEFAULT)


def editor_command() -> list[str]:
    """`$VISUAL`, else `$EDITOR`, as argv (default `vi`)."""
    return shlex.split(os.environ.get("VISUAL") or os.environ.get("EDITOR") or EDITOR_DEFAULT)


async def run_in_terminal(app: App[Any], argv: Sequence[str]) -> str | None:
    """Run `argv` with the terminal handed over to it.

    Returns:
        None when it ran, else one sentence saying why it could not (shown to the user).
    """
    if not argv:
        return "no program to run"
    try:
        with app.batch_update(), app.suspend():
            done = await asyncio.to_thread(subprocess.run, list(argv), check=False)
    except SuspendNotSupported:
        return f"{argv[0]} needs a terminal, and this app has none to lend (browser or headless)"
    except OSError as exc:
        return f"could not run {argv[0]}: {exc.strerror or exc}"
    if done.returncode not in (0, None):
        return f"{argv[0]} exited with status {done.returncode}"
    return None


def scratch_file(text: str, suffix: str) -> Path:
    """A private temporary file (mode 0600) holding `text`; the caller deletes it."""
    handle, name = tempfile.mkstemp(prefix="drover-", suffix=suffix)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(text)
    return Path(name)


async def page_text(app: App[Any], text: str) -> str | None:
    """Show `text` in `$PAGER`; returns why not, or None."""
    path = await asyncio.to_thread(scratch_file, text, ".txt")
    try:
        return await run_in_terminal(app, [*pager_command(), str(path)])
    finally:
        path.unlink(missing_ok=True)


async def edit_text(app: App[Any], text: str) -> tuple[str | None, str | None]:
    """Let the user edit `text` in `$EDITOR`.

    Returns:
        (the edited text or None, why it could not be edited or None).
    """
    path = await asyncio.to_thread(scratch_file, text, ".md")
    try:
        error = await run_in_terminal(app, [*editor_command(), str(path)])
        if error is not None:
            return None, error
        return await asyncio.to_thread(path.read_text, encoding="utf-8"), None
    finally:
        path.unlink(missing_ok=True)
