"""`drover tui` (the TUI on a profile; what a bare `drover` runs) and `drover demo`.

Only argparse and drover's CLI plumbing are imported at module level: Textual, sync and the
sim's stack load inside the run functions, so building drover's parser stays cheap. The TUI
takes the same profile and path options as every command (`add_common`) and builds its engines
through the same factory (`Context.engines`), so `:profile` switching resolves each profile's
own endpoint and key.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from drover.cli.common import CliError, Context, command

DEMO_FLEET = 24
DEMO_PACE = "2x"


def register(subparsers: Any) -> None:
    """Add the `tui` and `demo` subcommands to drover's parser."""
    from drover.cli.common import add_common

    tui = subparsers.add_parser(
        "tui", help="the fleet TUI on a profile (default command)",
        description="Supervise the sessions of a profile from the terminal.",
    )  # fmt: skip
    add_common(tui, json_output=False)
    _screen_options(tui)
    tui.set_defaults(run=run_tui)

    demo = subparsers.add_parser(
        "demo", help="the TUI on a built-in simulated fleet (no account needed)",
        description="Start a local simulator with a realistic fleet, mirror it into a "
        "temporary data dir and open the TUI on it.",
    )  # fmt: skip
    _screen_options(demo)
    demo.add_argument(
        "--data-dir", default=None, help="where the demo's mirror lives (default: a temp dir)"
    )
    demo.add_argument("--fleet", type=int, default=DEMO_FLEET, help="sessions in the fleet")
    demo.add_argument("--pace", default=DEMO_PACE, help="sim pace: realtime, Nx, fast")
    demo.set_defaults(run=run_demo)


def _screen_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--readonly", action="store_true", help="watch only: refuse every action")
    parser.add_argument("--theme", default=None, help="theme for this run (not saved)")


@command(scrub_output=False)  # the TUI owns the terminal; it shows no keys
def run_tui(ctx: Context) -> int:
    """Run the TUI on the profile; with neither a key nor a mirror, say what to do and exit 1,
    as every command does without a key (2 is for usage errors only)."""
    from drover.tui.heap import pause_for_start, resume_after_start

    pause_for_start()  # the start allocates what the app keeps: no collection until it paints
    try:
        location = ctx.locate_mirror()  # a shared mirror: always there to read
        if isinstance(location, Path) and not location.exists():  # else the key is looked up later
            account = ctx.account
            if account.key is None:
                raise CliError(
                    str(account.key_problem), hint="to try drover without an account: `drover demo`"
                )
        from drover.tui.app import DroverApp

        app = DroverApp(
            profile=ctx.name,
            data_dir=ctx.data_dir,
            config_path=ctx.config_path,
            engines=ctx.engine_source(),
            readonly=ctx.args.readonly,
            theme=ctx.args.theme,
            store=ctx.args.store,
        )
        app.run()
    finally:
        resume_after_start()  # a start that never painted (the app's `release` does too)
    return app.return_code or 0


def run_demo(args: argparse.Namespace) -> int:
    """Run the TUI on an embedded simulated fleet (see `drover.cli.demo`)."""
    from drover.cli.demo import run_demo as run

    return run(args)
