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
    "drover.cli.cmd_launches",
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

#: Which module registers each command: running one builds only its parser (`drover ls` and
#: `drover tui` start without importing every other command). Kept beside COMMAND_MODULES;
#: tests/test_imports.py checks that the two agree.
COMMAND_OF: dict[str, str] = {
    "login": "drover.cli.cmd_login",
    "logout": "drover.cli.cmd_auth",
    "auth": "drover.cli.cmd_auth",
    "paths": "drover.cli.cmd_auth",
    "sync": "drover.cli.cmd_sync",
    "ls": "drover.cli.cmd_ls",
    "tail": "drover.cli.cmd_tail",
    "search": "drover.cli.cmd_search",
    "send": "drover.cli.cmd_act",
    "interrupt": "drover.cli.cmd_act",
    "approve": "drover.cli.cmd_act",
    "deny": "drover.cli.cmd_act",
    "respond": "drover.cli.cmd_act",
    "export": "drover.cli.cmd_export",
    "import": "drover.cli.cmd_import",
    "cost": "drover.cli.cmd_cost",
    "doctor": "drover.cli.cmd_doctor",
    "sim": "drover.cli.cmd_sim",
    "tui": "drover.cli.cmd_tui",
    "demo": "drover.cli.cmd_tui",
    "completion": "drover.cli.cmd_completion",
    "serve": "drover.cli.cmd_serve",
    "budget": "drover.cli.cmd_steer",
    "deployments": "drover.cli.cmd_steer",
    "outcome": "drover.cli.cmd_steer",
    "rules": "drover.cli.cmd_steer",
    "hub": "drover.cli.cmd_hub",
    "pull": "drover.cli.cmd_pull",
    "launch": "drover.cli.cmd_launch",
    "launches": "drover.cli.cmd_launches",
    "create": "drover.cli.cmd_sessions",
    "archive": "drover.cli.cmd_sessions",
    "delete": "drover.cli.cmd_sessions",
}

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


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """Build the top-level parser with every subcommand registered, or only `command`'s
    (what running it needs: the rest of the list is for `--help` and mistakes)."""
    parser = argparse.ArgumentParser(
        prog="drover",
        description="Supervise fleets of Claude Managed Agents sessions from a terminal.",
        epilog="Exit codes (the TUI's too): 0 ok, 1 operational failure, 2 usage error, "
        "130 interrupted, 141 the output's reader went away (`| head`). API keys come from "
        "ANTHROPIC_API_KEY or the OS keyring (`drover login`).",
    )
    parser.add_argument("--version", action=_Version, help="print drover's version and exit")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    modules = [COMMAND_OF[command]] if command in COMMAND_OF else COMMAND_MODULES
    for module_name in modules:
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


def _command_named(argv: Sequence[str]) -> str | None:
    """The command `argv` runs, when that is clear before parsing (None: build every one)."""
    if not argv:
        return DEFAULT_COMMAND
    first = argv[0].split("=", 1)[0]
    if first in COMMAND_OF:
        return first
    if first.startswith("-") and first not in ("-h", "--help", "--version"):
        return DEFAULT_COMMAND  # options alone go to the TUI (see `with_default_command`)
    return None


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
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(_command_named(argv))
    argv = with_default_command(parser, argv)
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
