"""``drover tail``: a session's transcript from the mirror, then live as it is mirrored.

The live part goes through the sync engine (one follower), so everything printed is also in
the mirror afterwards. Agent text is printed inertly (see :mod:`drover.text.events`);
``--json`` prints each stored event as one JSON line (control characters JSON-escaped).
"""

from __future__ import annotations

import sys
from typing import Any

from drover.cli.common import Context, add_common, command, emit_json, unreachable

_PAGE = 500
_WAKE = 0.5  # seconds between checks when nothing was committed


def register(subparsers: Any) -> None:
    """Add the ``tail`` subcommand."""
    p = subparsers.add_parser(
        "tail", help="print a session's transcript and follow it live",
        description="Print the mirrored transcript of a session, catch up with the API and "
        "follow new events until the session ends or Ctrl-C.",
    )  # fmt: skip
    add_common(p)
    p.add_argument(
        "session", metavar="SESSION", help="session id (sesn_…), or a unique prefix of one"
    )
    p.add_argument(
        "--no-follow", action="store_true", help="catch up, print, and exit instead of following"
    )
    p.add_argument(
        "--offline", action="store_true", help="print only what is mirrored; do not contact the API"
    )
    p.set_defaults(run=run)


class Printer:
    """Prints stored events after the last printed seq, in order."""

    def __init__(self, session_id: str, as_json: bool) -> None:
        from drover.text.events import EventContext

        self.session_id = session_id
        self.as_json = as_json
        self.last_seq = 0
        self.count = 0
        self.context = EventContext()
        """Tool uses and workflow runs printed so far: a result's call and duration, a phase's
        name, without another query (events print in order, so they come first)."""

    def drain(self, reader: Any) -> None:
        """Print every event committed since the previous call."""
        from drover.text.events import event_lines

        while rows := reader.transcript(self.session_id, after_seq=self.last_seq, limit=_PAGE):
            for row in rows:
                if self.as_json:
                    emit_json(row.event)
                else:
                    for line in event_lines(row.event, self.context):
                        print(line)
                self.last_seq, self.count = row.seq, self.count + 1
            sys.stdout.flush()


@command
def run(ctx: Context) -> int:
    """Print, then follow (unless --no-follow / --offline)."""
    args = ctx.args
    printer = Printer(args.session, args.json)
    reader = ctx.reader()
    try:
        row = reader.session(args.session) if reader is not None else None
        # An imported session (`drover import`) is never synced: print what the mirror has.
        if args.offline or (row is not None and row.origin is not None):
            if row is None:
                raise ctx.no_session(args.session)
            printer.drain(reader)
            return 0
    finally:
        if reader is not None:
            reader.close()
    from drover.api.errors import ConnectionFailed

    try:
        return ctx.run(_follow(ctx, printer))
    except ConnectionFailed as exc:
        error = unreachable(ctx.profile.base_url, str(exc))
        error.hint = "`drover tail --offline` prints what is already mirrored"
        raise error from None


async def _follow(ctx: Context, printer: Printer) -> int:
    from drover.cli.session_sync import SessionLink

    async with SessionLink(ctx, printer.session_id) as link:
        session = await link.check()
        if not printer.as_json:
            from drover.text.inert import inert_line

            title = inert_line(str(session.get("title") or "(untitled)"))
            state = inert_line(str(session.get("status", "?")))
            print(f"# {printer.session_id} · {title} · {state}")
        printer.drain(link.reader)  # what an earlier run mirrored, at once
        await link.start()
        if ctx.args.no_follow:
            await link.caught_up()
            printer.drain(link.reader)
            return 0
        if not printer.as_json:
            board = link.engine.board
            board.subscribe(ConnectionNotices(printer.session_id, board.get(printer.session_id)))
        while not link.ended:
            await link.wait_change(_WAKE)
            printer.drain(link.reader)
        link.raise_if_failed()
        printer.drain(link.reader)
        if not printer.as_json:
            print(f"# {printer.session_id} ended ({link.follower.stop_reason})", file=sys.stderr)
    return 0


class ConnectionNotices:
    """Board observer: tells stderr when the live stream drops or recovers (the transcript
    may lag meanwhile). Called with every coalesced batch of connection-state changes."""

    def __init__(self, session_id: str, current: Any = None) -> None:
        self.session_id = session_id
        self.shown = "live"
        # The last live state seen (the board's, when subscribing after the stream opened).
        self.live: Any = current if current is not None and current.state == "live" else None

    def __call__(self, changes: dict[str, Any]) -> None:
        from drover.cli.output import clean_line

        state = changes.get(self.session_id)
        if state is None or state.state in ("connecting", "stopped"):
            return
        if state.state == "live":
            last, self.live = self.live, state
            # The board coalesces a batch: a stream lost and back within one batch arrives as
            # a live state whose `since` moved on, never as "reconnecting".
            blip = last is not None and state.since != last.since and state.deltas == last.deltas
            if self.shown != "live" or blip:
                print("# live again", file=sys.stderr, flush=True)
            self.shown = "live"
            return
        if state.state == self.shown:
            return
        detail = clean_line(state.last_error or "no detail")  # the server's words
        print(f"# {state.state} (attempt {state.attempt}: {detail})", file=sys.stderr, flush=True)
        self.shown = state.state
