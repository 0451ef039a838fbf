"""`drover tui` (the TUI on a configured profile) and `drover demo` (the TUI on an embedded sim).

Only argparse and drover.config are imported at module level: Textual, the sim's server stack
and sync load inside the run functions, so building drover's parser stays cheap. API keys are
never taken from argv (they would show in `ps`): the environment or the OS keyring only.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

DEMO_FLEET = 24
DEMO_PACE = "2x"


def register(subparsers: Any) -> None:
    """Add the `tui` and `demo` subcommands to drover's parser."""
    tui = subparsers.add_parser(
        "tui", help="the fleet TUI on a profile (default command)",
        description="Supervise the sessions of a profile from the terminal.",
    )  # fmt: skip
    _common(tui)
    tui.add_argument("--profile", default=None, help="profile name (default: config's default)")
    tui.add_argument(
        "--config", default=None, help="config file (default: DROVER_CONFIG or platform)"
    )
    tui.set_defaults(run=run_tui)

    demo = subparsers.add_parser(
        "demo", help="the TUI on a built-in simulated fleet (no account needed)",
        description="Start a local simulator with a realistic fleet, mirror it into a "
        "temporary data dir and open the TUI on it.",
    )  # fmt: skip
    _common(demo)
    demo.add_argument("--fleet", type=int, default=DEMO_FLEET, help="sessions in the fleet")
    demo.add_argument("--pace", default=DEMO_PACE, help="sim pace: realtime, Nx, fast")
    demo.set_defaults(run=run_demo)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--readonly", action="store_true", help="watch only: refuse every action")
    parser.add_argument(
        "--data-dir", default=None, help="where mirrors live (default: DROVER_DATA_DIR)"
    )
    parser.add_argument("--theme", default=None, help="theme for this run (not saved)")


def engine_factory(base_url: str, api_key: str, **limits: Any) -> Any:
    """Build the `DroverApp.sync_factory` for one API endpoint.

    Args:
        base_url: the API root (a profile's, or the demo sim's).
        api_key: the key (held in memory only).
        **limits: `create_per_minute`, `read_per_minute`, `workspace_id` from the profile.

    Returns:
        `factory(mirror, profile, on_preview) -> SyncEngine` over the mirror's writer and reader.
    """

    def factory(mirror: Any, profile: str, on_preview: Any) -> Any:
        from drover.api.client import ManagedAgentsClient
        from drover.api.rate_budget import RateBudget
        from drover.sync.engine import STREAM_HEADROOM, SyncEngine

        max_followers = 500
        client = ManagedAgentsClient(
            base_url, api_key,
            workspace_id=limits.get("workspace_id"),
            rate_budget=RateBudget(
                limits.get("create_per_minute", 300), limits.get("read_per_minute", 1200)
            ),
            max_streams=max_followers + STREAM_HEADROOM,
        )  # fmt: skip
        return SyncEngine(
            client, mirror.writer, mirror.reader,
            max_followers=max_followers, on_preview=on_preview, owned=(client,),
        )  # fmt: skip

    return factory


def run_tui(args: argparse.Namespace) -> int:
    """Run the TUI on the configured profile; without a key, say what to do and exit 2."""
    from drover.config.credentials import get_api_key
    from drover.config.errors import ConfigError, CredentialError
    from drover.config.settings import load_config

    config_path = Path(args.config) if args.config else None
    try:
        config = load_config(config_path)
        profile = config.resolve(args.profile)
        key = get_api_key(profile.name)
    except (ConfigError, CredentialError) as exc:
        print(f"drover: {exc}", file=sys.stderr)
        print("        (to try drover without an account: `drover demo`)", file=sys.stderr)
        return 2
    from drover.tui.app import DroverApp

    DroverApp(
        profile=profile.name,
        data_dir=Path(args.data_dir) if args.data_dir else None,
        config_path=config_path,
        sync_factory=engine_factory(
            profile.base_url,
            key,
            workspace_id=profile.workspace_id,
            create_per_minute=profile.create_per_minute,
            read_per_minute=profile.read_per_minute,
        ),  # fmt: skip  # noqa: RUF028
        readonly=args.readonly,
        theme=args.theme,
    ).run()
    return 0


def run_demo(args: argparse.Namespace) -> int:
    """Run the TUI on an embedded simulated fleet (see `drover.tui.demo`)."""
    from drover.tui.demo import run_demo as run

    return run(args)
