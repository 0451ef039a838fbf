"""``drover ls``: the profile's sessions from the mirror, sessions needing you first.

Unless ``--offline``, one session-list poll refreshes the mirror first (statuses, titles, usage
of every active session). Why a session needs you (a pending approval, a budget stop, a dead
turn) is derived from its events, so it is as fresh as the last ``drover sync``/``tail``/TUI run.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import Any

from drover.cli.common import Context, add_common, command, emit_json

_STATUSES = ("running", "idle", "rescheduling", "terminated")
_COLUMNS = ("STATUS", "ID", "TITLE", "AGENT", "AGE", "TOKENS", "COST", "NEEDS YOU")
_WIDTH = {"TITLE": 40, "AGENT": 20, "NEEDS YOU": 60}


def register(subparsers: Any) -> None:
    """Add the ``ls`` subcommand."""
    p = subparsers.add_parser(
        "ls", help="list sessions (needing you first)",
        description="List the profile's sessions from the local mirror, those needing you "
        "first, after refreshing the list from the API (unless --offline).",
    )  # fmt: skip
    add_common(p)
    p.add_argument(
        "--status",
        action="extend",
        nargs="+",
        choices=_STATUSES,
        metavar="STATUS",
        help=f"only sessions with these statuses ({', '.join(_STATUSES)})",
    )
    p.add_argument("--needs-you", action="store_true", help="only sessions needing you")
    p.add_argument("--offline", action="store_true", help="do not contact the API")
    p.add_argument("--archived", action="store_true", help="include archived sessions")
    p.add_argument("--launch", metavar="LAUNCH_ID", help="only the sessions of this launch")
    p.add_argument("--limit", type=int, default=500, metavar="N", help="at most N rows")
    p.set_defaults(run=run)


@command
def run(ctx: Context) -> int:
    """Refresh (unless offline), then print the inbox."""
    args = ctx.args
    if not args.offline:
        ctx.run(refresh(ctx))
    reader = ctx.reader()
    if reader is None:
        rows = []
        print(
            f"drover: nothing mirrored yet for profile {ctx.name!r} — run `drover sync`",
            file=sys.stderr,
        )
    else:
        try:
            if args.launch:
                rows = _launch_rows(reader, args.launch, args.archived, max(1, args.limit))
            else:
                rows = reader.inbox(limit=max(1, args.limit), include_archived=args.archived)
        finally:
            reader.close()
    rows = [
        r
        for r in rows
        if (not args.status or r.status in args.status) and (not args.needs_you or r.needs_you)
    ]
    now = datetime.now(UTC)
    if args.json:
        emit_json([as_json(r, now) for r in rows])
    else:
        print_table([as_cells(r, now) for r in rows])
    return 0


def _launch_rows(reader: Any, launch: str, archived: bool, limit: int) -> list[Any]:
    """A launch's sessions in the fleet's order (needing you first)."""
    from drover.store.fleet import FleetQuery

    matches = reader.launch_ids_with_prefix(launch)
    launch_id = launch if launch in matches or len(matches) != 1 else matches[0]
    ids = reader.fleet_ids(FleetQuery(archived=archived, launch_id=launch_id))[:limit]
    rows = reader.fleet_rows(ids)
    return [rows[sid] for sid in ids if sid in rows]


async def refresh(ctx: Context) -> None:
    """One session-list poll into the mirror (sessions, agents, environments)."""
    await ctx.probe()  # the poller retries; a dead endpoint should fail fast here instead
    engine = await ctx.engine(auto_follow=False)
    try:
        await engine.poller.poll_once()
    finally:
        await engine.stop()


def as_cells(row: Any, now: datetime) -> dict[str, str]:
    """One table row; every free-text cell is made inert (titles are user/agent data)."""
    from drover.text import format as fmt
    from drover.text.inert import inert_line

    return {
        "STATUS": fmt.status_label(row),
        "ID": row.id,
        "TITLE": inert_line(row.title or ""),
        "AGENT": inert_line(row.agent_name or row.agent_id or ""),
        "AGE": fmt.age(row.created_at, now),
        "TOKENS": fmt.tokens(fmt.total_tokens(row)),
        "COST": fmt.money(row.list_cost_cents),
        "NEEDS YOU": fmt.needs_reason(row),
    }


def as_json(row: Any, now: datetime) -> dict[str, Any]:
    """The machine-readable view of one session (raw values, no formatting)."""
    from drover.api.timestamps import parse_timestamp
    from drover.text import format as fmt

    created = parse_timestamp(row.created_at)
    return {
        "id": row.id, "status": row.status, "title": row.title,
        "agent_id": row.agent_id, "agent_name": row.agent_name, "model": row.model_id,
        "created_at": row.created_at, "updated_at": row.updated_at,
        "age_seconds": round((now - created).total_seconds()) if created else None,
        "tokens": {"input": row.input_tokens, "output": row.output_tokens,
                   "cache_read": row.cache_read_tokens,
                   "cache_creation": row.cache_creation_tokens,
                   "total": fmt.total_tokens(row)},
        "list_cost_cents": row.list_cost_cents, "budget_cents": row.budget_cents,
        "stop_reason": row.stop_reason, "error_badge": row.error_badge,
        "needs_you": row.needs_you, "needs_since": row.needs_since,
        "needs_reason": fmt.needs_reason(row) or None,
        "pending_actions": [a.get("event_id") for a in row.pending_actions],
        "event_count": row.event_count, "archived": row.archived_at is not None,
        "id_collisions": row.id_collisions,
    }  # fmt: skip


def print_table(rows: list[dict[str, str]]) -> None:
    """The session table: aligned columns, widths capped so a row stays one line."""
    print_columns(rows, _COLUMNS, _WIDTH)


def print_columns(
    rows: list[dict[str, str]], columns: tuple[str, ...], caps: dict[str, int]
) -> None:
    """Aligned columns (the last one unpadded), a column's width capped by `caps`."""
    if not rows:
        return
    cells = [{c: _clip(r[c], caps.get(c)) for c in columns} for r in rows]
    widths = {c: max(len(c), *(len(r[c]) for r in cells)) for c in columns}
    for line in [dict(zip(columns, columns, strict=True)), *cells]:
        text = "  ".join(line[c].ljust(widths[c]) for c in columns[:-1])
        print(f"{text}  {line[columns[-1]]}".rstrip())


def _clip(text: str, width: int | None) -> str:
    return text if width is None or len(text) <= width else text[: width - 1] + "…"
