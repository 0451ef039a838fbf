"""``drover export``: a mirrored session (or a range of it) to Markdown, HTML or JSONL.

Works from the mirror alone (no key, no network). Secrets are redacted unless ``--no-redact``;
the file says which, and stderr says how many replacements were made. The file is written
under a temporary name and renamed when complete, so an interrupted export leaves no
half-written file; an existing file is only replaced with ``--force``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drover.cli.common import EXIT_USAGE, CliError, Context, add_common, command, emit_json

if TYPE_CHECKING:  # the parser must not load the export package
    from drover.export.core import Format

_EXTENSIONS: dict[str, Format] = {
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
    ".jsonl": "jsonl",
}
_PROGRESS_SECONDS = 0.25  # between two progress redraws on a terminal


def register(subparsers: Any) -> None:
    """Add the ``export`` subcommand."""
    p = subparsers.add_parser(
        "export", help="export a session to Markdown, HTML or JSONL (secrets redacted)",
        description="Write a mirrored session, or a range of its events, to a Markdown "
        "transcript, a self-contained HTML page or JSONL (the raw events, re-importable with "
        "`drover import`). Reads only the local mirror. API keys, tokens, passwords and "
        "authorization headers are redacted unless --no-redact.",
    )  # fmt: skip
    add_common(p)
    p.add_argument(
        "session", metavar="SESSION", help="session id (sesn_…), or a unique prefix of one"
    )
    p.add_argument(
        "--format", "-f", choices=("md", "html", "jsonl"),
        help="output format (default: from the -o file's extension, else md)",
    )  # fmt: skip
    p.add_argument("--from", dest="from_event", metavar="EVENT_ID", help="first event to include")
    p.add_argument("--to", dest="to_event", metavar="EVENT_ID", help="last event to include")
    p.add_argument(
        "-o", "--output", metavar="PATH",
        help="file to write, or - for stdout (default: drover-SESSION.EXT in the current folder)",
    )  # fmt: skip
    p.add_argument("--force", action="store_true", help="replace the output file if it exists")
    p.add_argument(
        "--no-redact", dest="redact", action="store_false",
        help="keep secrets as they are (the output then says it is not redacted)",
    )  # fmt: skip
    p.set_defaults(run=run)


def _format(args: Any) -> Format:
    if args.format:
        return args.format
    if args.output and args.output != "-":
        return _EXTENSIONS.get(Path(args.output).suffix.lower(), "md")
    return "md"


class _Progress:
    """``exporting 12,000/100,000 events`` on a terminal's stderr, redrawn a few times a second."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()
        self._last = 0.0
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if (
            not self.enabled
            or total < 1000
            or (now - self._last < _PROGRESS_SECONDS and done < total)
        ):
            return
        self._last = now
        self.shown = True
        print(f"\rexporting {done:,}/{total:,} events", end="", file=sys.stderr, flush=True)

    def clear(self) -> None:
        if self.shown:
            print("\r\x1b[K", end="", file=sys.stderr, flush=True)


@command
def run(ctx: Context) -> int:
    """Resolve the session and range, write the export, report what was written."""
    from drover.export import ExportError, default_filename, resolve_range, write_export

    args = ctx.args
    fmt = _format(args)
    to_stdout = args.output == "-"
    if to_stdout and args.json:
        raise CliError("--json needs -o PATH: with -o - stdout carries the export", code=EXIT_USAGE)
    reader = ctx.reader()
    if reader is None:
        raise CliError(
            f"nothing mirrored yet for profile {ctx.name!r}",
            hint=f"`drover sync --session {args.session}` mirrors the session first",
        )
    progress = _Progress()
    try:
        if reader.session(args.session) is None:
            raise CliError(
                f"no session {args.session} in the mirror of profile {ctx.name!r}",
                hint="`drover ls --offline` lists the mirrored sessions; "
                f"`drover sync --session {args.session}` mirrors it",
            )
        try:
            first, last = resolve_range(reader, args.session, args.from_event, args.to_event)
        except ExportError as exc:
            raise CliError(str(exc), code=EXIT_USAGE) from None
        options = {"from_seq": first, "to_seq": last, "redact": args.redact, "progress": progress}
        if to_stdout:
            summary = write_export(reader, args.session, fmt, sys.stdout, **options)
            sys.stdout.flush()
            path = "-"
        else:
            target = Path(args.output or default_filename(args.session, fmt))
            summary = _to_file(reader, args.session, fmt, target, args.force, options)
            path = str(target)
    except ExportError as exc:
        raise CliError(str(exc)) from None
    finally:
        progress.clear()
        reader.close()
    _report(summary, path, args.json)
    return 0


def _to_file(
    reader: Any, session_id: str, fmt: Format, target: Path, force: bool, options: dict[str, Any]
) -> Any:
    """Write the export file, turning file-system refusals into clear errors."""
    from drover.export.files import export_to_path

    try:
        return export_to_path(reader, session_id, fmt, target, overwrite=force, **options)
    except FileExistsError:
        raise CliError(
            f"{target} already exists", hint="--force replaces it; -o picks another path"
        ) from None
    except IsADirectoryError:
        raise CliError(f"{target} is a folder", hint="-o takes a file path") from None
    except OSError as exc:
        raise CliError(f"cannot write {target}: {exc.strerror or exc}") from None


def _report(summary: Any, path: str, as_json: bool) -> None:
    """The summary on stderr for people (stdout may carry the export), or JSON on stdout."""
    if as_json:
        emit_json({**summary.as_json(), "path": path})
        return
    if summary.redacted:
        kinds = ", ".join(f"{k} {n}" for k, n in summary.redaction_kinds.items())
        plural = "" if summary.redactions == 1 else "s"
        redaction = (
            f"redacted: {summary.redactions} replacement{plural} ({kinds})"
            if summary.redactions
            else "redacted: no secrets found"
        )
    else:
        redaction = "NOT redacted (--no-redact): the export may contain secrets"
    where = "stdout" if path == "-" else path
    print(f"drover: exported {summary.events:,} events to {where}; {redaction}", file=sys.stderr)
