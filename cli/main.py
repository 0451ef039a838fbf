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
from typing import Any

#: Modules that contribute subcommands, in the order `drover --help` lists them.
COMMAND_MODULES: tuple[str, ...] = (
    "drover.cli.cmd_login",
    "drover.cli.cmd_auth",
    "drover.cli.cmd_sync",
    "drover.cli.cmd_hub",
    "drover.cli.cmd_ls",
    "drover.cli.cmd_tail",
    "drover.cli.cmd_search",
    "drover.cli.cmd_act",
    "drover.cli.cmd_sessions",
    "drover.cli.cmd_launch",
    "drover.cli.cmd_export",
    "drover.cli.cmd_import",
    "drover.cli.cmd_pull",
    "drover.cli.cmd_cost",
    "drover.cli.cmd_steer",
    "drover.cli.cmd_doctor",
    "drover.cli.cmd_sim",
    "drover.cli.cmd_tui",
    "drover.cli.cmd_completion",
    "drover.cli.cmd_serve",
)

#: What a bare `drover` runs: the TUI on the configured profile.
DEFAULT_COMMAND = "tui"


class _Version(argparse.Action):
    """``--version``: the installed distribution's version (looked up only when asked)."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *_args: Any) -> None:
        from importlib import metadata

        print(f"drover {metadata.version('drover')}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    """Build the top-level parser with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="drover",
        description="Supervise fleets of Claude Managed Agents sessions from a terminal.",
        epilog="Exit codes (the TUI's too): 0 ok, 1 operational failure, 2 usage error, "
        "130 interrupted, 141 the output's reader went away (`| head`). API keys come from "
        "ANTHROPIC_API_KEY or the OS keyring (`drover login`).",
    )
    parser.add_argument("--version", action=_Version, help="print drover's version and exit")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def with_default_command(parser: argparse.ArgumentParser, argv: Sequence[str]) -> list[str]:
    """``argv`` with the default command put first when none is named.

    A bare ``drover`` runs the TUI, and so does ``drover --readonly --profile work --theme
    drover-light``: options that drover itself does not take (``--help`` and the like) belong
    to the TUI.
    """
    argv = list(argv)
    if not argv:
        return [DEFAULT_COMMAND]
    first = argv[0].split("=", 1)[0]
    if first.startswith("-") and first not in parser._option_string_actions:
        return [DEFAULT_COMMAND, *argv]
    return argv


def main(argv: Sequence[str] | None = None) -> int:
    """Run drover with ``argv`` (default: the process arguments) and return the exit code."""
    try:
        code = _main(argv)
        sys.stdout.flush()  # here, not at interpreter exit, so a closed pipe is caught
    except BrokenPipeError:  # `drover ls --json | head`: the reader has what it wanted
        from drover.cli.output import closed_pipe

        return closed_pipe()
    return code


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    argv = with_default_command(parser, sys.argv[1:] if argv is None else argv)
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
