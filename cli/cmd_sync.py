"""``drover sync``: mirror a profile's active sessions headlessly.

Without ``--until-idle`` it keeps following (poller + one follower per session) until Ctrl-C
or SIGTERM, which stop cleanly: sends on the wire finish, the writer commits what is queued,
and the next run resumes from the sync cursors (exit 0). ``--until-idle`` exits 0 once the
engine reports the profile caught up (no session running, every followed session's recent
history mirrored event by event, the outbox empty); a signal before that exits 130.

One process follows a mirror at a time (:mod:`drover.sync.follow_lock`). A ``drover sync``
started while the TUI or another sync follows the profile says who does and only reads: it
shows the mirror's progress as the other process fills it. ``--until-idle`` cannot be met
without following, so it fails with that message instead.
"""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING, Any

from drover.cli.common import (
    EXIT_FAIL,
    EXIT_INTERRUPTED,
    CliError,
    Context,
    add_common,
    command,
    rejected_key,
)

if TYPE_CHECKING:
    from drover.cli.progress import Mode, SyncProgress

log = logging.getLogger("drover.cli.sync")

_TICK = 0.25  # seconds between progress samples


def register(subparsers: Any) -> None:
    """Add the ``sync`` subcommand."""
    p = subparsers.add_parser(
        "sync", help="mirror the profile's active sessions (headless)",
        description="Mirror every active session of the profile (or only --session ones) "
        "into the local SQLite mirror, following them live until Ctrl-C.",
    )  # fmt: skip
    add_common(p)
    p.add_argument(
        "--until-idle",
        action="store_true",
        help="exit 0 once everything is mirrored and no session is running",
    )
    p.add_argument(
        "--session",
        action="extend",
        nargs="+",
        default=[],
        metavar="ID",
        help="follow only these sessions",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=None,
        metavar="S",
        help="with --until-idle: give up (exit 1) after S seconds",
    )
    p.set_defaults(run=run)


@command
def run(ctx: Context) -> int:
    """Sync, rendering progress; Ctrl-C keeps what was committed."""
    args = ctx.args
    from drover.cli.progress import SyncProgress

    mode: Mode = "json" if args.json else ("tty" if sys.stdout.isatty() else "plain")
    progress = SyncProgress(mode)
    try:
        return ctx.run(_sync(ctx, progress))
    except KeyboardInterrupt:
        progress.finish("sync stopped (everything mirrored so far is kept)")
        return EXIT_INTERRUPTED if args.until_idle else 0


async def _sync(ctx: Context, progress: SyncProgress) -> int:
    """Sync until done, or until SIGTERM/SIGINT (then stop cleanly: 0, or 130 if --until-idle
    had not been met)."""
    from drover.cli.signals import StopSignals  # asyncio: not at import time (`--help`)

    try:
        async with StopSignals():
            return await _sync_until_done(ctx, progress)
    except StopSignals.Stopped as stopped:
        log.info("sync stopped by %s", stopped.name)
        progress.finish("sync stopped (everything mirrored so far is kept)")
        return EXIT_INTERRUPTED if ctx.args.until_idle else 0


async def _sync_until_done(ctx: Context, progress: SyncProgress) -> int:
    from drover.sync.engine import FollowedElsewhere

    args = ctx.args
    for sid in args.session or [None]:
        await ctx.probe(sid)  # bad key / dead endpoint / unknown id: fail now, clearly
    engine = await ctx.engine(auto_follow=not args.session, role="drover sync")
    try:
        progress.sample(engine.reader)
        for sid in args.session:
            engine.follow(sid)
        if args.until_idle:
            try:
                work = engine.run_until_idle(args.timeout)
                report = await _watch(ctx, engine, progress, work)
            except FollowedElsewhere as exc:
                raise CliError(
                    f"{exc}; --until-idle needs to follow it itself",
                    hint="that process keeps the mirror current; stop it, or run this after it",
                ) from None
            _check_stopped(ctx, engine, report.stopped)
            plural = "" if report.sessions == 1 else "s"
            progress.finish(f"caught up: {report.sessions} session{plural}", rounds=report.rounds)
            return 0
        await engine.start()
        if engine.followed_by is not None:
            print(
                f"drover: the mirror of profile {ctx.name!r} is being followed by "
                f"{engine.followed_by.describe()}; this sync only reads it (Ctrl-C to stop)",
                file=sys.stderr,
                flush=True,
            )
        await _watch(ctx, engine, progress, _until_done(engine, bool(args.session)))
        _check_stopped(ctx, engine, engine.finished)
        progress.finish("sync finished: every followed session ended")
        return 0
    finally:
        await engine.stop()


async def _watch(ctx: Context, engine: Any, progress: SyncProgress, work: Any) -> Any:
    """Run ``work`` while sampling progress; translate the engine's fatal stop."""
    import asyncio  # not at module level: keeps `drover --help` light

    from drover.cli.disk import DiskNotice, mirror_failure

    notice = DiskNotice(engine.writer)
    task = asyncio.ensure_future(work)
    try:
        while True:
            done, _ = await asyncio.wait({task}, timeout=_TICK)
            progress.tick(engine.reader, engine.board)
            notice.check()
            if done:
                break
        result = task.result()
    except TimeoutError:
        if engine.writer.disk_full is not None:
            raise CliError(
                "sync was still paused for disk space when --timeout passed; everything "
                "mirrored so far is kept",
                hint="free some space and run `drover sync` again",
            ) from None
        raise CliError(
            "not idle before --timeout; everything mirrored so far is kept",
            hint="sessions still running: `drover ls --status running`",
        ) from None
    except RuntimeError:
        if engine.fatal is None:
            raise
        result = None
    finally:
        task.cancel()
    if engine.fatal is not None:
        if engine.fatal.reason == "unauthorized":
            raise rejected_key(ctx.name, ctx.key_source)
        if engine.fatal.reason in ("mirror_corrupt", "mirror_read_only"):
            raise mirror_failure(ctx, engine.fatal.reason, engine.fatal.detail)
        raise CliError(f"sync stopped: {engine.fatal.detail}", code=EXIT_FAIL)
    return result


async def _until_done(engine: Any, explicit: bool) -> None:
    """Follow until a fatal failure, or (explicit sessions) until every follower ended."""
    import asyncio  # not at module level: keeps `drover --help` light

    while engine.fatal is None:
        if explicit and not engine.followed:
            return
        await asyncio.sleep(_TICK)


def _check_stopped(ctx: Context, engine: Any, stopped: dict[str, str]) -> None:
    """Turn followers that stopped on an unknown id or a rejected key into errors."""
    unknown = [sid for sid, reason in stopped.items() if reason == "not_found"]
    if unknown and set(unknown) & set(ctx.args.session):
        raise ctx.no_session(unknown[0])
    if any(reason == "unauthorized" for reason in stopped.values()):
        raise rejected_key(ctx.name, ctx.key_source)
