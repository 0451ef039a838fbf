"""``drover search``: full-text search over every mirrored event, offline, newest first.

The query is the same language as the TUI's search box (`drover.store.search_query`): words,
``"quoted phrases"``, ``prefix*``, ``-excluded`` and ``key:value`` facets; the flags add facets.
Each hit is one line: time (UTC, as the server wrote it), session, title, event type (and the
tool), and a snippet with the matches highlighted on a terminal, in ``[brackets]`` otherwise.
Agent text is printed inertly (:mod:`drover.text.inert`). ``--json`` prints a list of hits with
the snippet as plain text plus the offsets of the matches.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from drover.cli.common import EXIT_USAGE, CliError, Context, add_common, command, emit_json

_STATUSES = ("running", "idle", "rescheduling", "terminated")
_TITLE_WIDTH = 30
_HIGHLIGHT = ("\x1b[1;33m", "\x1b[0m")  # bold yellow on a terminal
_BRACKETS = ("[", "]")
_EPILOG = (
    'query language: words (all required), "quoted phrases", prefix* (2+ letters), -excluded, '
    "and filters agent:NAME|ID session:ID status:idle type:tool_use tool:bash "
    "after:2026-05-01 before:2026-05-31 (or how long ago: after:7d, after:-30m). "
    "Quote a phrase for the shell "
    "(drover search '\"connection refused\"') and put -- before a query with -excluded words "
    "(drover search -- deploy -flaky)."
)


def register(subparsers: Any) -> None:
    """Add the ``search`` subcommand."""
    p = subparsers.add_parser(
        "search", help="search every mirrored event (offline)",
        description="Full-text search over every event in the local mirror, newest first. "
        "Works offline; nothing is fetched from the API.", epilog=_EPILOG,
    )  # fmt: skip
    add_common(p)
    p.add_argument("query", nargs="*", metavar="QUERY", help="words, phrases and filters")
    p.add_argument("--agent", action="append", metavar="NAME|ID", help="only this agent's runs")
    p.add_argument("--session", action="append", metavar="ID", help="only this session")
    p.add_argument(
        "--status", action="append", choices=_STATUSES, help="only sessions now in this status"
    )
    p.add_argument(
        "--type", action="append", metavar="TYPE", help="event type (agent.tool_use, or tool_use)"
    )
    p.add_argument("--tool", action="append", metavar="NAME", help="tool uses and their results")
    p.add_argument(
        "--after", metavar="DATE", help="processed on or after (YYYY-MM-DD, a time, or 7d, 24h ago)"
    )
    p.add_argument("--before", metavar="DATE", help="processed before (same forms)")
    p.add_argument("--limit", type=int, default=50, metavar="N", help="at most N hits (50)")
    p.add_argument("--raw", action="store_true", help="QUERY is an FTS5 expression")
    p.set_defaults(run=run)


@command
def run(ctx: Context) -> int:
    """Search the mirror and print the hits."""
    from drover.store.search import SearchSyntaxError

    args = ctx.args
    query = " ".join(args.query)
    facets = {
        "agent": args.agent, "session_id": args.session, "status": args.status,
        "types": args.type, "tool": args.tool, "after": args.after, "before": args.before,
    }  # fmt: skip
    if not query.strip() and not any(facets.values()):
        raise CliError("nothing to search for: give words or a filter", code=EXIT_USAGE)
    if args.limit < 1:
        raise CliError("--limit must be at least 1", code=EXIT_USAGE)
    reader = ctx.reader()
    if reader is None:
        print(f"drover: nothing mirrored yet for profile {ctx.name!r}", file=sys.stderr)
        hits = []
    else:
        try:
            hits = reader.search(query, limit=args.limit, raw=args.raw, **facets)
        except SearchSyntaxError as exc:
            raise CliError(str(exc), code=EXIT_USAGE) from None
        finally:
            reader.close()
    if args.json:
        emit_json([as_json(hit) for hit in hits])
        return 0
    marks = _HIGHLIGHT if sys.stdout.isatty() and not os.environ.get("NO_COLOR") else _BRACKETS
    for hit in hits:
        print(hit_line(hit, marks))
    if len(hits) == args.limit:
        print(f"drover: showing the newest {len(hits)} hits; --limit N for more", file=sys.stderr)
    return 0


def hit_line(hit: Any, marks: tuple[str, str]) -> str:
    """One hit on one line; `marks` wrap each match (ANSI codes or brackets)."""
    from drover.store.search import snippet_parts
    from drover.text.inert import inert, inert_line

    when = (hit.processed_at or "(queued)").replace("T", " ")[:19]
    title = inert_line(hit.title or "(untitled)")
    if len(title) > _TITLE_WIDTH:
        title = title[: _TITLE_WIDTH - 1] + "…"
    kind = hit.type + (f"({inert_line(hit.tool)})" if hit.tool else "")
    snippet = "".join(
        f"{marks[0]}{inert(text)}{marks[1]}" if is_match else inert(text)
        for text, is_match in snippet_parts(hit.snippet)
    ).strip()
    return f"{when:<19}  {hit.session_id}  {title:<{_TITLE_WIDTH}}  {kind}  {snippet}".rstrip()


def as_json(hit: Any) -> dict[str, Any]:
    """The machine-readable hit: plain snippet text plus `[start, end)` offsets of matches."""
    from drover.store.search import snippet_parts

    text, spans = "", []
    for part, is_match in snippet_parts(hit.snippet):
        if is_match:
            spans.append([len(text), len(text) + len(part)])
        text += part
    return {
        "seq": hit.seq, "event_id": hit.event_id, "session_id": hit.session_id,
        "thread_id": hit.thread_id, "type": hit.type, "tool": hit.tool,
        "processed_at": hit.processed_at, "title": hit.title, "agent_name": hit.agent_name,
        "snippet": text, "matches": spans,
    }  # fmt: skip
