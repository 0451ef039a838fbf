"""``drover hub``: one headless process per organisation that follows the fleet into a shared
mirror, and ``drover hub status`` / ``drover hub grants`` beside it.

``drover hub`` runs the poller, the followers and the outbox for a profile (its key is the
team's only one) and writes into the profile's store (``--store postgresql://…``, or the
profile's ``store``). It logs one JSON object per line on stderr, serves ``POST /webhooks`` and
``GET /healthz`` on ``--listen`` (loopback by default), and stops cleanly on SIGTERM or SIGINT
(exit 0). Webhooks are checked against the secret in ``DROVER_WEBHOOK_SECRET`` (or the
variable the profile's ``[hub] webhook_secret_env`` names); without one none are accepted and
the hub polls.

``drover hub status`` reads the hub's heartbeat from the mirror (any viewer can): followers
live, lag, API reads per minute, outbox depth, webhooks. Exit 0 while a hub is following,
1 otherwise.

``drover hub grants [--role R] [--schema S]`` prints the SQL giving a viewers' role read
access and the right to queue actions (see ``drover.store.pg.roles``).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from drover.cli.common import (
    EXIT_FAIL,
    EXIT_USAGE,
    CliError,
    Context,
    add_common,
    command,
    emit_json,
)

__all__ = ["register"]


def register(subparsers: Any) -> None:
    """Add ``hub``."""
    p = subparsers.add_parser(
        "hub",
        help="run a team's hub: follow the fleet into a shared mirror (or: status, grants)",
        description="Follow every active session of the profile into its shared mirror, "
        "deliver the team's actions, and take webhooks (`drover hub`); report a hub's health "
        "from the mirror (`drover hub status`); print a viewers' role's grants "
        "(`drover hub grants`).",
    )
    p.add_argument("action", nargs="?", default="run", choices=("run", "status", "grants"))
    add_common(p)
    p.add_argument(
        "--listen", metavar="HOST:PORT",
        help="where webhooks and /healthz are served (default: the profile's [hub] listen, "
        "127.0.0.1:8790)",
    )  # fmt: skip
    p.add_argument("--name", metavar="NAME", help="the hub's name (default: the profile's)")
    p.add_argument(
        "--max-followers", type=int, default=None, metavar="N",
        help="sessions followed at once (default 500)",
    )  # fmt: skip
    p.add_argument("--role", default="drover_viewer", help="grants: the viewers' role")
    p.add_argument("--schema", default="drover", help="grants: the mirror's schema")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Dispatch ``drover hub [run|status|grants]``."""
    if args.action == "grants":
        from drover.store.pg.roles import viewer_grants

        try:
            print(viewer_grants(args.role, args.schema), end="")
        except ValueError as exc:
            print(f"drover: {exc}", file=sys.stderr)
            return EXIT_USAGE
        return 0
    if args.action == "status":
        return int(_status(args))
    return int(_serve(args))


@command
def _status(ctx: Context) -> int:
    from drover.sync.viewer import hub_holder

    reader = ctx.reader()
    rows = reader.hub_status() if reader is not None else []
    if ctx.args.json:
        emit_json([{**row.__dict__, "age_seconds": round(row.age(), 1)} for row in rows])
    elif not rows:
        print(f"no hub has run on the mirror of profile {ctx.name!r}")
    for row in rows if not ctx.args.json else ():
        print(describe_hub(row))
    alive = hub_holder(rows) is not None
    return 0 if alive else EXIT_FAIL


def describe_hub(row: Any) -> str:
    """A hub's heartbeat for people, one line per topic."""
    from drover.sync.process_owner import ProcessOwner
    from drover.sync.viewer import HUB_STALE_SECONDS

    figures = row.figures
    owner = ProcessOwner.parse(row.holder)
    where = f"{owner.host} (pid {owner.pid})" if owner is not None else row.holder
    age = row.age()
    if figures.get("state") == "stopped":
        state = "stopped"
    elif age > HUB_STALE_SECONDS:
        state = "not heard from"
    else:
        state = "following" if row.following else "standby"
    lag = figures.get("lag_seconds") or {}
    hooks = figures.get("webhooks") or {}
    refused = sum((hooks.get("refused") or {}).values())
    last = hooks.get("last_seconds_ago")
    lines = [
        f"hub {row.name} on {where}: {state}, heartbeat {age:.0f}s ago, up "
        f"{_uptime(figures.get('uptime_seconds'))}",
        f"  followers  {figures.get('followers_live', 0)} live of {figures.get('followers', 0)}",
        f"  lag        p50 {_secs(lag.get('p50'))} · p95 {_secs(lag.get('p95'))} · max "
        f"{_secs(lag.get('max'))} ({lag.get('timed', 0)} commits timed, last minute)",
        f"  reads      {figures.get('reads_per_minute', 0)}/min of "
        f"{figures.get('read_limit_per_minute', 0):.0f} · {figures.get('polls', 0)} polls, "
        f"every {figures.get('poll_interval_seconds', 0):.0f}s",
        f"  outbox     {figures.get('outbox_depth', 0)} waiting "
        f"({figures.get('outbox_sending', 0)} sending)",
        f"  webhooks   {hooks.get('accepted', 0)} accepted · {refused} refused"
        + (f" · last {last:.0f}s ago" if isinstance(last, int | float) else ""),
    ]
    if figures.get("stopped"):
        lines.append(f"  sync stopped: {figures['stopped']}")
    return "\n".join(lines)


def _uptime(value: Any) -> str:
    from drover.text.format import duration

    return duration(value) if isinstance(value, int | float) else "-"


def _secs(value: Any) -> str:
    return f"{value:.2f}s" if isinstance(value, int | float) else "-"


@command
def _serve(ctx: Context) -> int:
    from drover.hub.logs import setup_json_logging

    options = _options(ctx)
    handler = setup_json_logging()
    try:
        return ctx.run(_hub(ctx, options))
    finally:
        import logging

        logging.getLogger().removeHandler(handler)


def _options(ctx: Context) -> Any:
    from drover.api.webhooks import decode_secret
    from drover.config.settings import HubSettings
    from drover.hub.service import HubOptions

    profile = ctx.config.profiles.get(ctx.name)
    settings = (profile.hub if profile is not None else None) or HubSettings()
    listen = ctx.args.listen or settings.listen
    host, _, port = listen.rpartition(":")
    if not host or not port.isdigit():
        raise CliError(f"--listen must be HOST:PORT, not {listen!r}", code=EXIT_USAGE)
    secret = os.environ.get(settings.webhook_secret_env, "").strip()
    key = None
    if secret:
        try:
            key = decode_secret(secret)
        except ValueError as exc:
            raise CliError(f"{settings.webhook_secret_env}: {exc}", code=EXIT_USAGE) from None
    return HubOptions(
        name=ctx.args.name or settings.name or ctx.name,
        host=host.strip("[]"),
        port=int(port),
        key=key,
        poll_seconds=settings.poll_seconds,
        max_followers=ctx.args.max_followers or 500,
    )


async def _hub(ctx: Context, options: Any) -> int:
    import asyncio
    import signal

    from drover.hub.service import Hub

    ctx.account.require_key()  # the hub is the one process with a key: fail now without one
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        await Hub(ctx.engines, ctx.name, options).run(stop)
    except OSError as exc:
        raise CliError(f"the hub cannot listen on {options.host}:{options.port}: {exc}") from None
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
    return 0
