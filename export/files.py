"""`export_to_path`: write an export to a file safely (the CLI and the TUI dialog share it).

The export is written to a hidden temporary file beside the target and renamed over it only
once complete, so an interrupted or failed export never leaves a half-written file, and an
existing file is never replaced unless asked.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

from drover.export.core import ExportSummary, Format, write_export
from drover.store.api import MirrorReads


def check_target(path: Path, *, overwrite: bool) -> str | None:
    """Why `path` cannot take an export, in a few words (None when it can).

    Checked before starting, so a dialog can say it at once; `export_to_path` checks again.
    """
    if path.is_dir():
        return f"{path} is a folder; give a file name"
    if path.exists() and not overwrite:
        return f"{path} already exists"
    parent = path.parent
    if not parent.is_dir():
        return f"no folder {parent}"
    if not os.access(parent, os.W_OK):
        return f"cannot write in {parent} (permission denied)"
    return None


def export_to_path(
    reader: MirrorReads,
    session_id: str,
    fmt: Format,
    path: Path,
    *,
    overwrite: bool = False,
    **options: Any,
) -> ExportSummary:
    """Write an export to `path` through a temporary file (see `write_export` for `options`).

    Raises:
        FileExistsError: `path` exists and `overwrite` is False.
        IsADirectoryError: `path` is a folder.
        OSError: the file could not be written (nothing is left behind).
        ExportError: see `write_export`.
    """
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder")
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} already exists")
    partial = path.with_name(f".{path.name}.partial")
    try:
        # Owner-only (0600), like the mirror: an export is a copy of the transcript.
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with open(fd, "w", encoding="utf-8", newline="\n") as out:
            summary = write_export(reader, session_id, fmt, out, **options)
        os.replace(partial, path)
    except BaseException:
        with contextlib.suppress(OSError):
            partial.unlink()
        raise
    return summary
