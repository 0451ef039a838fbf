"""``drover sim``: serve the Managed Agents wire protocol locally until Ctrl-C.

Point any client at it with ``ANTHROPIC_BASE_URL=http://127.0.0.1:8765`` and
``ANTHROPIC_API_KEY=sk-ant-sim-drover-demo`` (the default key; ``--api-key`` changes it). The
flags become a :class:`~drover.sim.settings.SimConfig`; building the parser loads only the
sim's settings, and the server stack loads inside :func:`run`.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from drover.cli.common import EXIT_FAIL, EXIT_OK, EXIT_USAGE
from drover.sim.settings import (
    BETA,
    DEFAULT_API_KEY,
    DEFAULT_PORT,
    DEFAULT_RATE_LIMIT_CREATE,
    DEFAULT_RATE_LIMIT_READ,
    MEMORY_BETA,
    FaultPlan,
    SimConfig,
)

_EPILOG = f"""\
clients authenticate with x-api-key: KEY or Authorization: Bearer KEY (default {DEFAULT_API_KEY})
and must send anthropic-beta: {BETA} (memory stores also take {MEMORY_BETA}; files and
skills need none). Control endpoints (same key, no beta header):
GET /_sim/health, GET /_sim/stats, GET|POST|DELETE /_sim/faults, GET|POST /_sim/rate_limits,
POST /_sim/streams/drop ({{"mode": "clean"|"abort"|"mid_frame"}}).
"""


def register(subparsers: Any) -> None:
    """Add the ``sim`` subcommand to drover's parser."""
    p = subparsers.add_parser(
        "sim",
        help="run the local Managed Agents simulator",
        description="Serve Anthropic's Managed Agents wire protocol locally (beta "
        f"{BETA}), with scripted agents, fleets and fault injection.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help="port; 0 picks a free one")
    p.add_argument("--api-key", default=DEFAULT_API_KEY, help="key clients must send")
    p.add_argument("--seed", type=int, default=0, help="seed for ids, scenarios and faults")
    p.add_argument("--pace", default="realtime", help="realtime, fast, Nx (e.g. 10x) or Neps")
    p.add_argument(
        "--heartbeat",
        type=float,
        default=15.0,
        metavar="S",
        help="seconds between ': ping' stream heartbeats (default 15)",
    )
    p.add_argument(
        "--fleet", type=int, default=0, metavar="N", help="populate and keep N sessions active"
    )
    p.add_argument(
        "--fleet-active",
        type=int,
        default=None,
        metavar="N",
        help="fleet sessions kept working (default: a fifth of --fleet)",
    )
    p.add_argument(
        "--scenarios-dir",
        default=None,
        help="folder of scenario files to use instead of the shipped ones",
    )
    p.add_argument("--list-scenarios", action="store_true", help="list scenarios and exit")
    p.add_argument(
        "--max-body",
        type=int,
        default=32 * 1024 * 1024,
        metavar="BYTES",
        help="larger request bodies get 413 (default 32 MiB)",
    )
    p.add_argument(
        "--rate-limit-create",
        type=float,
        default=DEFAULT_RATE_LIMIT_CREATE,
        metavar="N",
        help=f"create requests per minute (default {DEFAULT_RATE_LIMIT_CREATE:g}, the documented "
        "org limit; 0 = unlimited)",
    )
    p.add_argument(
        "--rate-limit-read",
        type=float,
        default=DEFAULT_RATE_LIMIT_READ,
        metavar="N",
        help=f"read requests (stream opens included) per minute (default "
        f"{DEFAULT_RATE_LIMIT_READ:g}, the documented org limit; 0 = unlimited)",
    )
    p.add_argument(
        "--no-queued-copies",
        dest="queued_copies",
        action="store_false",
        help="deliver sent user events once, processed (default: first queued with "
        "processed_at null, then processed, as the real API does)",
    )
    p.add_argument(
        "--event-time-filter",
        default="processed_at",
        choices=("processed_at", "created_at"),
        help="the event field created_at[...] filters compare against when listing events "
        "(processed_at: the API reference; created_at: one guide page's reading)",
    )
    faults = p.add_argument_group("fault injection (also settable at run time: /_sim/faults)")
    faults.add_argument(
        "--latency", type=float, default=0.0, metavar="S", help="delay every API request"
    )
    faults.add_argument(
        "--fail-next",
        type=int,
        default=0,
        metavar="N",
        help="fail the next N requests with --fail-status",
    )
    faults.add_argument(
        "--fail-rate",
        type=float,
        default=0.0,
        metavar="P",
        help="fail each request with probability P",
    )
    faults.add_argument("--fail-status", type=int, default=500, choices=(500, 502, 503, 504, 529))
    faults.add_argument(
        "--throttle-every",
        type=int,
        default=0,
        metavar="N",
        help="answer every Nth request with 429",
    )
    faults.add_argument(
        "--throttle-rate",
        type=float,
        default=0.0,
        metavar="P",
        help="answer each request with 429 with probability P",
    )
    faults.add_argument(
        "--retry-after",
        type=int,
        default=1,
        metavar="S",
        help="retry-after seconds on injected 429s",
    )
    faults.add_argument(
        "--stream-close-after",
        type=int,
        default=0,
        metavar="N",
        help="close every stream after N frames",
    )
    faults.add_argument(
        "--stream-close-mode", default="clean", choices=("clean", "abort", "mid_frame")
    )
    faults.add_argument(
        "--stream-stall-after",
        type=int,
        default=0,
        metavar="N",
        help="stall every stream after N frames (open but silent)",
    )
    faults.add_argument(
        "--stream-error-after",
        type=int,
        default=0,
        metavar="N",
        help="send an 'event: error' frame and close after N frames",
    )
    faults.add_argument(
        "--duplicate-user-events",
        action="store_true",
        help="queued copies of user events; the default now, kept for old scripts",
    )
    hooks = p.add_argument_group("webhooks (also settable at run time: /_sim/webhooks)")
    hooks.add_argument(
        "--webhook-url", metavar="URL", help="POST signed webhooks here (a hub's /webhooks)"
    )
    hooks.add_argument(
        "--webhook-secret",
        metavar="SECRET",
        help="their signing secret, whsec_… (default with --webhook-url: "
        "DROVER_WEBHOOK_SECRET, else a new one, printed)",
    )
    p.set_defaults(run=run)


def build_config(args: argparse.Namespace) -> SimConfig:
    """Turn parsed arguments into a ``SimConfig`` (raises ``ValueError`` on bad values)."""
    from drover.sim.engine.pace import Pace

    plan = FaultPlan(
        seed=args.seed,
        latency_seconds=args.latency,
        fail_next=args.fail_next,
        fail_probability=args.fail_rate,
        fail_status=args.fail_status,
        throttle_every=args.throttle_every,
        throttle_probability=args.throttle_rate,
        retry_after_seconds=args.retry_after,
        stream_close_after=args.stream_close_after,
        stream_close_mode=args.stream_close_mode,
        stream_stall_after=args.stream_stall_after,
        stream_error_after=args.stream_error_after,
        duplicate_user_events=args.queued_copies or args.duplicate_user_events,
    )
    return SimConfig(
        host=args.host,
        port=args.port,
        api_key=args.api_key,
        seed=args.seed,
        pace=str(Pace.parse(args.pace)),
        heartbeat_seconds=args.heartbeat,
        fleet=args.fleet,
        fleet_active=args.fleet_active,
        max_body_bytes=args.max_body,
        faults=plan,
        rate_limit_create=args.rate_limit_create or None,  # 0 = unlimited
        rate_limit_read=args.rate_limit_read or None,
        event_time_filter=args.event_time_filter,
        scenarios_dir=Path(args.scenarios_dir) if args.scenarios_dir else None,
        log_level="warning",
        webhook_url=args.webhook_url,
        webhook_secret=_webhook_secret(args),
    )


def _webhook_secret(args: argparse.Namespace) -> str | None:
    """The signing secret: given, from DROVER_WEBHOOK_SECRET, or new (and printed) for a URL."""
    import os

    from drover.sim.http.webhooks import new_secret

    secret = args.webhook_secret or os.environ.get("DROVER_WEBHOOK_SECRET")
    if args.webhook_url is None:
        return secret
    if secret is None:
        secret = new_secret()
        print(f"drover sim: webhooks signed with {secret} (give the hub the same)", flush=True)
    if not secret.startswith("whsec_"):
        raise ValueError("--webhook-secret must start with whsec_")
    return secret


def run(args: argparse.Namespace) -> int:
    """Serve until SIGINT/SIGTERM (or list scenarios and exit)."""
    try:
        config = build_config(args)
    except ValueError as exc:
        print(f"drover sim: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.list_scenarios:
        return _list_scenarios(config)

    from drover.sim.server import SimServer

    server = SimServer(config)
    try:
        server.start()
    except RuntimeError as exc:
        print(f"drover sim: {exc}", file=sys.stderr)
        return EXIT_FAIL
    print(banner(server.base_url, config.api_key), flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        print("drover sim: stopping", flush=True)
        server.stop()
    return EXIT_OK


def banner(base_url: str, api_key: str) -> str:
    """What to tell the user once the server is up."""
    return f"""drover sim: serving Managed Agents ({BETA}) at {base_url}

  export ANTHROPIC_BASE_URL={base_url}
  export ANTHROPIC_API_KEY={api_key}

  curl -s {base_url}/v1/sessions -H 'x-api-key: {api_key}' -H 'anthropic-beta: {BETA}'

  control: {base_url}/_sim/health  /_sim/stats  /_sim/faults  /_sim/rate_limits
           /_sim/streams/drop
Press Ctrl-C to stop."""


def _list_scenarios(config: SimConfig) -> int:
    """Print the name and summary of every scenario the server would load."""
    from drover.sim.scenarios.loader import load_scenarios

    rows = sorted((s.name, s.summary) for s in load_scenarios(config.scenarios_dir).values())
    width = max((len(name) for name, _ in rows), default=0)
    for name, summary in rows:
        print(f"{name:<{width}}  {summary}")
    return EXIT_OK
