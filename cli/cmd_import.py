"""``drover import``: load a JSONL export (``drover export --format jsonl``) into the mirror.

The file is checked whole first (a bad line is reported with its number and nothing is
written), then imported in one transaction. Importing the same file again changes nothing.
An imported session is marked ``origin = import``: sync never polls or follows it, so it can
be reviewed (TUI, ``tail --offline``, export) without the server that ran it.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from drover.cli.common import CliError, Context, add_common, command, emit_json


def register(subparsers: Any) -> None:
    """Add the ``import`` subcommand."""
    p = subparsers.add_parser(
        "import", help="import a session from a JSONL export",
        description="Load a session exported with `drover export --format jsonl` into this "
        "profile's mirror, all or nothing, for offline review. Importing twice changes "
        "nothing; sync never polls or follows imported sessions.",
    )  # fmt: skip
    add_common(p)
    p.add_argument("file", metavar="FILE.jsonl", help="the export file")
    p.set_defaults(run=run)


@command
def run(ctx: Context) -> int:
    """Validate and import the file, then say what changed."""
    from drover.export import ImportConflictError, ImportFileError, import_file
    from drover.store.mirror import Mirror

    path = Path(ctx.args.file)
    if not path.is_file():
        raise CliError(f"no file {path}" if not path.exists() else f"{path} is not a file")
    mirror = Mirror.open(ctx.mirror_location)
    try:
        summary = import_file(mirror.writer, path)
    except ImportFileError as exc:
        raise CliError(
            f"{exc} — nothing was imported",
            hint="the file must be a complete `drover export --format jsonl` output",
        ) from None
    except ImportConflictError as exc:
        raise CliError(f"{path}: {exc} — nothing was imported") from None
    finally:
        mirror.close()
    if ctx.args.json:
        emit_json(summary.as_json())
        return 0
    print(_sentence(summary, ctx.name))
    if summary.redacted:
        print("  note: the exporter redacted secrets in this file", file=sys.stderr)
    return 0


def _sentence(summary: Any, profile: str) -> str:
    """One line saying what the import did."""
    sid, n = summary.session_id, summary.events
    part = " (part of the session)" if summary.partial else ""
    if not summary.changed:
        return f"{sid}: already in the mirror of profile {profile!r}; nothing changed"
    if summary.created:
        return f"imported {sid}{part}: {n:,} events into profile {profile!r} (origin: import)"
    how = "synced" if summary.origin is None else "imported"
    added = f"{summary.new_events:,} new, {summary.merged_events:,} completed"
    return f"merged {sid}{part} into the {how} copy in profile {profile!r}: {added}"
