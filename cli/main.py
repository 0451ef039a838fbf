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
COMMAND_MODULES: tuple[str, ...] = ("drover.sim.cli",)


def build_parser() -> argparse.ArgumentParser:
    """Build the top-level parser with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="drover",
        description="Supervise fleets of Claude Managed Agents sessions from a terminal.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run drover with ``argv`` (default: the process arguments) and return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    try:
        return int(args.run(args) or 0)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover - exercised through the console script
    sys.exit(main())
