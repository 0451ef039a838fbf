"""``drover send | interrupt | approve | deny | respond``: act on a session through the outbox.

Each action is committed to the mirror's outbox first and delivered exactly once by the sync
engine (no blind re-sends: the API has no idempotency key). The command waits for the outcome
and prints it — ``sent`` with the server's event id, or ``failed`` with the reason (exit 1).
An action still undelivered after ``--wait`` seconds stays queued in the outbox; the next
``drover sync`` or TUI run delivers it.

``approve``/``deny`` answer a tool call waiting for a confirmation; ``respond`` answers a custom
tool call (``agent.custom_tool_use``), which needs the tool's output instead: ``--result TEXT``
or ``--result-file F`` (``-`` reads stdin), ``--error`` when the tool failed. Naming the wrong
kind of call says which command answers it.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from drover.cli.common import EXIT_USAGE, CliError, Context, add_common, command, emit_json

_RECHECK = 1.0  # seconds between outbox checks when no change notice arrives
_ANSWERABLE = (None, "agent.tool_use", "agent.mcp_tool_use")  # None: tool use not mirrored yet
_CUSTOM = "agent.custom_tool_use"


def register(subparsers: Any) -> None:
    """Add ``send``, ``interrupt``, ``approve``, ``deny`` and ``respond``."""
    send = _parser(subparsers, "send", "send a message to a session")
    send.add_argument("text", metavar="TEXT", help="the message; - reads it from stdin")
    send.set_defaults(run=run_send)

    interrupt = _parser(subparsers, "interrupt", "interrupt a running session")
    interrupt.add_argument("--thread", metavar="ID", help="interrupt only this thread")
    interrupt.set_defaults(run=run_interrupt)

    for verb, summary in (("approve", "allow"), ("deny", "deny")):
        p = _parser(subparsers, verb, f"{summary} a tool call waiting for approval")
        p.add_argument(
            "event",
            nargs="?",
            metavar="EVENT",
            help="the tool-use event id (default: the only pending one)",
        )
        if verb == "deny":
            p.add_argument("--message", "-m", metavar="M", help="tell the agent why")
        p.set_defaults(run=run_approve if verb == "approve" else run_deny)

    respond = _parser(subparsers, "respond", "send the result of a custom tool call")
    respond.add_argument(
        "event",
        nargs="?",
        metavar="EVENT",
        help="the custom tool-use event id (default: the only one waiting)",
    )
    result = respond.add_mutually_exclusive_group(required=True)
    result.add_argument("--result", metavar="TEXT", help="the tool's output")
    result.add_argument(
        "--result-file", metavar="F", help="a UTF-8 text file holding the output; - reads stdin"
    )
    respond.add_argument(
        "--error", action="store_true", help="the tool failed: send the output as an error"
    )
    respond.set_defaults(run=run_respond)


def _parser(subparsers: Any, name: str, summary: str) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        name,
        help=summary,
        description=f"{summary[0].upper()}"
        f"{summary[1:]} (delivered exactly once through the outbox).",
    )
    add_common(p)
    p.add_argument("session", metavar="SESSION", help="session id (sesn_…)")
    p.add_argument(
        "--wait",
        type=float,
        default=30.0,
        metavar="S",
        help="seconds to wait for the outcome (default 30)",
    )
    return p


@command
def run_send(ctx: Context) -> int:
    """Send a user message."""
    text = sys.stdin.read() if ctx.args.text == "-" else ctx.args.text
    if not text.strip():
        raise CliError("the message is empty", code=EXIT_USAGE)
    return ctx.run(_act(ctx, "message", {"text": text}))


@command
def run_interrupt(ctx: Context) -> int:
    """Interrupt the session (or one thread)."""
    payload = {"thread_id": ctx.args.thread} if ctx.args.thread else {}
    return ctx.run(_act(ctx, "interrupt", payload))


@command
def run_approve(ctx: Context) -> int:
    """Allow a pending tool call."""
    return ctx.run(_act(ctx, "tool_confirmation", {"allow": True}))


@command
def run_deny(ctx: Context) -> int:
    """Deny a pending tool call, optionally telling the agent why."""
    payload: dict[str, Any] = {"allow": False}
    if ctx.args.message:
        payload["deny_message"] = ctx.args.message
    return ctx.run(_act(ctx, "tool_confirmation", payload))


@command
def run_respond(ctx: Context) -> int:
    """Send a custom tool call's result (typed, from a file, or from stdin)."""
    from drover.sync.tool_results import ResultFileError, read_result_file

    args = ctx.args
    if args.result is not None:
        text = args.result
    elif args.result_file == "-":
        text = sys.stdin.read()
    else:
        try:
            text = read_result_file(args.result_file)
        except ResultFileError as exc:
            raise CliError(str(exc), code=EXIT_USAGE) from None
    payload: dict[str, Any] = {"content": text, "is_error": bool(args.error)}
    return ctx.run(_act(ctx, "custom_tool_result", payload))


_REF_FIELD = {"tool_confirmation": "tool_use_id", "custom_tool_result": "custom_tool_use_id"}


async def _act(ctx: Context, kind: str, payload: dict[str, Any]) -> int:
    from drover.cli.session_sync import SessionLink

    sid = ctx.args.session
    async with SessionLink(ctx, sid) as link:
        await link.check()  # unknown id / bad key / no network: fail before persisting
        if kind in _REF_FIELD:
            await link.start()
            await link.caught_up()  # pending actions are derived from mirrored events
            payload[_REF_FIELD[kind]] = _pick_pending(
                ctx, link.reader, custom=kind != "tool_confirmation"
            )
        else:
            await link.engine.start()  # the outbox only; nothing to follow
        action_id = await link.engine.submit_action(sid, kind, **payload)
        row = await _outcome(link, action_id, ctx.args.wait)
    return _report(ctx, row)


def _pick_pending(ctx: Context, reader: Any, *, custom: bool = False) -> str:
    """The tool-use id to answer: the one named, or the only one of its kind pending.

    Args:
        custom: pick a custom tool call (``respond``) rather than one awaiting approval.
    """
    sid, wanted = ctx.args.session, ctx.args.event
    row = reader.session(sid)
    actions = row.pending_actions if row else []
    waiting = {a["event_id"]: a for a in actions if a.get("event_id")}
    kinds = (_CUSTOM,) if custom else _ANSWERABLE
    pending = [eid for eid, a in waiting.items() if a.get("type") in kinds]
    others = [eid for eid, a in waiting.items() if a.get("type") not in kinds]
    need = "a result" if custom else "approval"
    listing = ", ".join(pending) or "none"
    if wanted and wanted not in pending and wanted in others:
        raise _wrong_kind(ctx, waiting[wanted], custom)
    if wanted:
        if wanted not in pending:
            raise CliError(
                f"{wanted} is not waiting for {need} in {sid}", hint=f"pending: {listing}"
            )
        return wanted
    if not pending:
        if others:
            raise _wrong_kind(ctx, waiting[others[0]], custom, count=len(others))
        raise CliError(f"nothing is waiting for {need} in {sid}")
    if len(pending) > 1:
        raise CliError(
            f"{len(pending)} tool calls are waiting in {sid}: name one",
            hint=f"`drover {ctx.args.command} {sid} EVENT` — pending: {listing}",
            code=EXIT_USAGE,
        )
    return pending[0]


def _wrong_kind(ctx: Context, action: dict[str, Any], custom: bool, count: int = 1) -> CliError:
    """The error for answering a call with the wrong command, naming the right one."""
    from drover.text.inert import inert_line

    sid, eid = ctx.args.session, action["event_id"]
    name = inert_line(str(action.get("name") or "tool"))  # agent data
    more = f" ({count} waiting)" if count > 1 else ""
    if custom:
        return CliError(
            f"{eid} ({name}) waits for approval, not a result{more}",
            hint=f"`drover approve {sid} {eid}` or `drover deny {sid} {eid}`",
        )
    return CliError(
        f"{eid} is a custom tool call ({name}): it needs a result, not an approval{more}",
        hint=f"`drover respond {sid} {eid} --result TEXT` (or --result-file F)",
    )


async def _outcome(link: Any, action_id: int, wait: float) -> Any:
    """Wait until the outbox row is ``sent`` or ``failed`` (or ``wait`` seconds passed).

    Every outbox transition is a committed write for the session, so the link's change
    notice wakes this loop; the timeout only bounds the wait.
    """
    import time

    deadline = time.monotonic() + max(0.0, wait)
    while True:
        row = next(r for r in link.reader.outbox(link.session_id) if r.id == action_id)
        remaining = deadline - time.monotonic()
        if row.state in ("sent", "failed") or remaining <= 0:
            return row
        await link.wait_change(min(remaining, _RECHECK))


def _report(ctx: Context, row: Any) -> int:
    """Print the outbox outcome; non-zero unless it was delivered."""
    delivered = row.state == "sent"
    if ctx.args.json:
        emit_json(
            {
                "outbox_id": row.id,
                "session_id": row.session_id,
                "kind": row.kind,
                "state": row.state,
                "server_event_ids": row.server_event_ids or [],
                "error": row.error,
            }
        )
    elif delivered:
        ids = " ".join(row.server_event_ids or []) or "(no id in the receipt)"
        print(f"sent {row.kind} to {row.session_id}: {ids} (outbox #{row.id})")
    elif row.state == "failed":
        from drover.cli.output import clean_line

        print(
            f"drover: {row.kind} to {row.session_id} failed: {clean_line(row.error or '?')} "
            f"(outbox #{row.id})",
            file=sys.stderr,
        )
    else:
        print(
            f"drover: {row.kind} to {row.session_id} not delivered yet (outbox #{row.id}, "
            f"{row.state}); it stays queued and goes out with the next `drover sync` or "
            "TUI run",
            file=sys.stderr,
        )
    return 0 if delivered else 1
