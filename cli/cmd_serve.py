"""``drover serve``: the TUI in a browser, through textual-serve.

textual-serve answers HTTP with a page (xterm.js) and, for each browser tab that connects, runs
``drover tui`` with the same profile and path options as a child process whose terminal is the
page. It binds to loopback unless told otherwise: whoever reaches the port drives drover with
this profile's API key and no login, so any other address needs ``--public`` and gets a
warning. An ``--api-key`` given here reaches the children through their environment, never
their argv. The page is drover's copy of textual-serve's, without its one remote stylesheet
(``cli/web-page/app_index.html`` says why).

Needs the ``web`` extra (``pip install 'drover[web]'``; ``make demo`` and ``make test``
install it).
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import shlex
import sys
from pathlib import Path
from typing import Any

from drover.cli.common import EXIT_USAGE, Context, add_common, command

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
TEMPLATES = Path(__file__).parent / "web-page"


def register(subparsers: Any) -> None:
    """Add the ``serve`` subcommand."""
    p = subparsers.add_parser(
        "serve", help="serve the TUI to a web browser (loopback only by default)",
        description="Serve the drover TUI over HTTP with textual-serve: each browser tab runs "
        "its own `drover tui` on this profile. Binds to 127.0.0.1 unless --public is given.",
    )  # fmt: skip
    add_common(p, json_output=False)
    p.add_argument("--host", default=DEFAULT_HOST, help=f"address to bind (default {DEFAULT_HOST})")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    p.add_argument(
        "--public", action="store_true",
        help="allow an address other than loopback (anyone who reaches it can act with this "
        "profile's key: there is no login)",
    )  # fmt: skip
    p.add_argument("--readonly", action="store_true", help="watch only: refuse every action")
    p.add_argument("--theme", default=None, help="theme for this run (not saved)")
    p.set_defaults(run=run)


def is_loopback(host: str) -> bool:
    """Whether `host` names this machine only (`localhost`, 127.0.0.0/8, ::1)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def child_command(args: argparse.Namespace) -> str:
    """The shell command textual-serve runs per browser tab: `drover tui` with our options."""
    argv = [sys.executable, "-m", "drover.cli.main", "tui"]
    for option in ("profile", "base_url", "data_dir", "config", "theme"):
        value = getattr(args, option, None)
        if value:
            argv += [f"--{option.replace('_', '-')}", str(value)]
    for flag in ("readonly", "debug"):
        if getattr(args, flag, False):
            argv.append(f"--{flag}")
    return shlex.join(argv)


@command
def run(ctx: Context) -> int:
    """Check the address, then serve until Ctrl-C."""
    args = ctx.args
    host, port = args.host, args.port
    if not is_loopback(host) and not args.public:
        print(
            f"drover serve: {host} is reachable from other machines, and whoever reaches it "
            "controls drover with this profile's key (there is no login). Pass --public to "
            "do it anyway.",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        import textual_serve
        from textual_serve.server import Server
    except ImportError:
        print("drover serve needs the web extra: pip install 'drover[web]'", file=sys.stderr)
        return EXIT_USAGE
    if not is_loopback(host):
        print(
            f"drover serve: WARNING: listening on {host}:{port} for anyone who can reach it; "
            "they can approve, deny and message sessions with this profile's key.",
            file=sys.stderr,
        )
    if args.api_key:  # to the children through the environment, never their argv (`ps`)
        os.environ["ANTHROPIC_API_KEY"] = args.api_key
    statics = Path(textual_serve.__file__).parent / "static"
    server = Server(
        child_command(args),
        host=host,
        port=port,
        title="drover",
        statics_path=statics,
        templates_path=TEMPLATES,
    )
    print(f"drover serve: http://{_url_host(host)}:{port}/ (Ctrl-C stops)", file=sys.stderr)
    server.serve()
    return 0


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host
