"""Entry point of the `drover` console script.

Each subcommand lives in its own module exposing ``register(subparsers)``; the module is imported
only to build the parser and must keep heavy imports (Textual, the sim's server stack) inside
the function that runs the command, so `drover sim` never loads Textual and `drover ls` starts
fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

#: Modules that contribute subcommands, in the order `drover --help` lists them.
COMMAND_MODULES: tuple[str, ...] = (
    "drover.cli.cmd_login",
    "drover.cli.cmd_sync",
    "drover.cli.cmd_ls",
    "drover.cli.cmd_tail",
    "drover.cli.cmd_search",
    "drover.cli.cmd_act",
    "drover.cli.cmd_export",
    "drover.cli.cmd_import",
    "drover.cli.cmd_cost",
    "drover.cli.cmd_sim",
    "drover.cli.cmd_tui",
    "drover.cli.cmd_serve",
)

#: What a bare `drover` runs: the TUI on the configured profile.
DEFAULT_COMMAND = "tui"


def build_parser() -> argparse.ArgumentParser:
    """Build the top-level parser with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="drover",
        description="Supervise fleets of Claude Managed Agents sessions from a terminal.",
        epilog="Exit codes: 0 ok, 1 operational failure, 2 usage error. API keys come from "
        "ANTHROPIC_API_KEY or the OS keyring (`drover login`).",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run drover with ``argv`` (default: the process arguments) and return the exit code."""
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv:
        argv = [DEFAULT_COMMAND]
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # usage errors exit 2, --help 0; callers get a code either way
        return exc.code if isinstance(exc.code, int) else 2
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    try:
        return int(args.run(args) or 0)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover - exercised through the console script
    sys.exit(main())
