"""``drover create | archive | delete``: a session's lifecycle from scripts.

All three go through the sync engine's control plane, the TUI's own path (`N`, `A`, `D`):
``create`` through the one create path every launch uses, ``archive`` and ``delete`` riding
through the post-idle race. Archiving and deleting ask first on a terminal; ``--yes`` answers
for scripts (without a terminal and without ``--yes`` they refuse). ``--json`` prints one
object per session. Exit 1 when any session failed (each is tried; the others still go).
"""

from __future__ import annotations

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
    """Add ``create``, ``archive`` and ``delete``."""
    p = subparsers.add_parser(
        "create",
        help="create a session",
        description="Create one session (`drover launch` creates many from a template).",
    )
    add_common(p)
    p.add_argument("--agent", required=True, metavar="AGENT", help="the agent's id or name")
    p.add_argument("--agent-version", type=int, metavar="V", help="pin this agent version")
    p.add_argument("--environment", required=True, metavar="ENV", help="environment id or name")
    p.add_argument("--title", metavar="TITLE")
    p.add_argument("--message", "-m", metavar="TEXT", help="first message (- reads stdin)")
    p.add_argument("--metadata", action="append", default=[], metavar="K=V")
    p.add_argument("--vault", action="append", default=[], metavar="ID", help="a vault id")
    p.add_argument("--resource", action="append", default=[], metavar="JSON",
                   help="a resource to mount, as JSON")  # fmt: skip
    p.add_argument("--budget-usd", type=float, metavar="X", help="the session's spend cap")
    p.set_defaults(run=run_create)

    for verb, summary in (
        ("archive", "archive sessions (they end for good; the mirror keeps them)"),
        ("delete", "delete sessions on the server (the mirror keeps their history)"),
    ):
        q = subparsers.add_parser(verb, help=summary, description=summary[0].upper() + summary[1:])
        add_common(q)
        q.add_argument("session", nargs="+", metavar="SESSION", help="session ids (or starts)")
        q.add_argument("--yes", "-y", action="store_true", help="do not ask (for scripts)")
        q.set_defaults(run=run_archive if verb == "archive" else run_delete)


@command
def run_create(ctx: Context) -> int:
    """Create one session and print its id."""
    from drover.cli.cmd_launch import _pairs, _resource

    args = ctx.args
    message = sys.stdin.read() if args.message == "-" else args.message
    budget = args.budget_usd
    if budget is not None and budget <= 0:
        raise CliError("--budget-usd must be more than 0", code=EXIT_USAGE)
    extra = {
        "metadata": _pairs(args.metadata),
        "vault_ids": tuple(args.vault),
        "resources": tuple(_resource(r) for r in args.resource),
        "budget_cents": None if budget is None else round(budget * 100),
    }
    return ctx.run(_create(ctx, message, extra))


async def _create(ctx: Context, message: str | None, extra: dict[str, Any]) -> int:
    from drover.sync.engines import NewSession
    from drover.sync.launch_refs import RefError, resolve_refs

    args = ctx.args
    await ctx.probe()
    engine = await ctx.engine(auto_follow=False)
    try:
        try:
            agent_id, env_id = await resolve_refs(engine.client, args.agent, args.environment)
        except RefError as exc:
            raise CliError(str(exc), code=EXIT_USAGE) from None
        request = NewSession(
            agent_id,
            env_id,
            title=args.title or None,
            first_message=(message or "").strip() or None,
            agent_version=args.agent_version,
            **extra,
        )
        session_id = await engine.create_session(request, follow=False)
        row = engine.reader.session(session_id)
    finally:
        await engine.stop()
    if args.json:
        emit_json({"id": session_id, "title": row.title if row else None,
               "status": row.status if row else None, "agent_id": agent_id,
               "environment_id": env_id})  # fmt: skip
    else:
        print(session_id)
    return 0


@command
def run_archive(ctx: Context) -> int:
    """Archive sessions (asks first unless --yes)."""
    return _lifecycle(ctx, "archive")


@command
def run_delete(ctx: Context) -> int:
    """Delete sessions upstream (asks first unless --yes)."""
    return _lifecycle(ctx, "delete")


def _lifecycle(ctx: Context, verb: str) -> int:
    ids: list[str] = list(dict.fromkeys(ctx.args.session))
    if not ctx.args.yes:
        _confirm(verb, ids)
    results = ctx.run(_act(ctx, verb, ids))
    failed = [r for r in results if r.get("error")]
    if ctx.args.json:
        emit_json(results)
    else:
        from drover.cli.output import clean_line

        done = "archived" if verb == "archive" else "deleted"
        for result in results:
            if result.get("error"):
                print(f"drover: {verb} {result['id']} refused: {clean_line(result['error'])}",
                      file=sys.stderr)  # fmt: skip
            else:
                print(f"{done} {result['id']}")
    return EXIT_FAIL if failed else 0


def _confirm(verb: str, ids: list[str]) -> None:
    what = ids[0] if len(ids) == 1 else f"{len(ids)} sessions"
    if not sys.stdin.isatty():
        raise CliError(
            f"not {verb[:-1]}ing {what} without confirmation: no terminal to ask on",
            hint="add --yes to confirm from a script",
            code=EXIT_USAGE,
        )
    consequence = (
        "Archived sessions end for good (no more messages)"
        if verb == "archive"
        else "Deleting removes them on the server"
    )
    answer = input(f"{verb.capitalize()} {what}? {consequence}; drover keeps the history. [y/N] ")
    if answer.strip().lower() not in ("y", "yes"):
        raise CliError(f"nothing {verb}d", code=EXIT_USAGE)


async def _act(ctx: Context, verb: str, ids: list[str]) -> list[dict[str, Any]]:
    from drover.api.errors import ApiError, DroverApiError, NotFoundError

    def describe(error: DroverApiError) -> str:
        if isinstance(error, ApiError) and error.message:
            return f"{error.message} ({error.status})" if error.status else error.message
        return str(error) or type(error).__name__

    await ctx.probe()
    engine = await ctx.engine(auto_follow=False)
    results: list[dict[str, Any]] = []
    try:
        call = engine.archive_session if verb == "archive" else engine.delete_session
        for session_id in ids:
            try:
                # The mirror's status decides whether a "running" refusal is the post-idle
                # race; a script's mirror may not have synced since, so refresh it first.
                await engine.writer.upsert_sessions(
                    [await engine.client.retrieve_session(session_id)]
                )
                await call(session_id)
            except NotFoundError:
                results.append({"id": session_id, "error": "no such session on the server"})
            except DroverApiError as exc:
                results.append({"id": session_id, "error": describe(exc)})
            else:
                results.append({"id": session_id, verb + "d": True})
    finally:
        await engine.stop()
    return results
