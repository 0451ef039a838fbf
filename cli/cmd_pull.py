"""``drover pull``: copy chosen sessions from a team's shared mirror into a local SQLite file,
for review without the database (a flight, a train).

Each session is exported from the shared mirror (JSONL, unredacted: the copy is yours, in a
file only you can read, mode 0600) and imported into the local file in one transaction, as
`drover export` + `drover import` would do. Pulled sessions are marked ``origin = import``:
nothing syncs them, and pulling again brings what was added since (the import merges). The
local file is the profile's own mirror unless ``--to`` names another; read it with
``drover tui`` or ``drover tail --offline`` without ``--store``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from drover.cli.common import EXIT_USAGE, CliError, Context, add_common, command, emit_json


def register(subparsers: Any) -> None:
    """Add ``pull``."""
    p = subparsers.add_parser(
        "pull", help="copy sessions from a shared mirror into a local file, for offline review",
        description="Copy the named sessions from the team's shared mirror (`--store "
        "postgresql://…`, or the profile's `store`) into this profile's local SQLite mirror "
        "(or --to FILE), for review without the database.",
    )  # fmt: skip
    add_common(p)
    p.add_argument("sessions", nargs="+", metavar="SESSION", help="session ids (sesn_…)")
    p.add_argument("--to", metavar="FILE", help="the local SQLite file (default: the profile's)")
    p.set_defaults(run=run)


@command
def run(ctx: Context) -> int:
    """Copy each session, then say what each copy did."""
    from drover.export import ImportConflictError, import_file, write_export
    from drover.store.location import is_postgres
    from drover.store.mirror import Mirror

    source = ctx.mirror_location
    if not is_postgres(source):
        raise CliError(
            "drover pull copies from a shared mirror: give --store postgresql://… (or set the "
            "profile's store)",
            code=EXIT_USAGE,
        )
    target = Path(ctx.args.to) if ctx.args.to else ctx.engines.mirror_path(ctx.name, create=True)
    reader = ctx.reader()
    missing = [sid for sid in ctx.args.sessions if reader is None or reader.session(sid) is None]
    if missing:
        raise CliError(f"not in the shared mirror: {', '.join(missing)} — nothing was pulled")
    assert reader is not None
    results = []
    with Mirror.open(target) as local, tempfile.TemporaryDirectory(prefix="drover-pull-") as tmp:
        for sid in ctx.args.sessions:
            path = Path(tmp) / f"{sid}.jsonl"
            with path.open("w", encoding="utf-8", newline="\n") as out:
                write_export(reader, sid, "jsonl", out, redact=False)
            try:
                summary = import_file(local.writer, path)
            except ImportConflictError as exc:
                raise CliError(f"{sid}: {exc} — the sessions before it were pulled") from None
            results.append(summary)
    if ctx.args.json:
        emit_json([{**s.as_json(), "to": str(target)} for s in results])
        return 0
    for s in results:
        change = f"{s.events:,} events" if s.created else (
            f"{s.new_events:,} new events" if s.changed else "nothing new"
        )  # fmt: skip
        print(f"pulled {s.session_id}: {change} into {target}")
    return 0
