"""``drover launches``: list the profile's launches, or read one launch's record back.

A launch's record is each item, its session, what became of it (running, needs you, done,
failed) and its spend, read from the mirror (after a refresh of the sessions' states, unless
``--offline``). ``drover launch`` (`drover.cli.cmd_launch`) starts and resumes them.
"""

from __future__ import annotations

import sys
from pathlib import Path
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

__all__ = ["register", "resolve_launch"]


def register(subparsers: Any) -> None:
    """Add ``launches``."""
    ls = subparsers.add_parser(
        "launches",
        help="list launches, or show one launch's record",
        description="List the profile's launches (newest first), or with LAUNCH_ID its record: "
        "item → session → state (running, needs you, done, failed) and spend.",
    )
    add_common(ls)
    ls.add_argument("launch", nargs="?", metavar="LAUNCH_ID", help="a launch id (or its start)")
    ls.add_argument("--offline", action="store_true", help="do not refresh from the API first")
    ls.set_defaults(run=run_launches)


def resolve_launch(ctx: Context, reader: Any, wanted: str) -> str:
    matches = reader.launch_ids_with_prefix(wanted)
    if wanted in matches or len(matches) == 1:
        return wanted if wanted in matches else str(matches[0])
    if not matches:
        raise CliError(f"no launch {wanted} in profile {ctx.name!r}",
                       hint="`drover launches` lists them")  # fmt: skip
    raise CliError(f"{wanted} is the start of {len(matches)} launch ids: {', '.join(matches)}",
                   code=EXIT_USAGE)  # fmt: skip


@command
def run_launches(ctx: Context) -> int:
    """List launches, or show one launch's record (from the mirror alone)."""
    from drover.cli.cmd_ls import refresh
    from drover.sync.launch_state import launch_holder

    if not ctx.args.offline:
        ctx.run(refresh(ctx))  # the sessions' states, as `drover ls` refreshes them
    reader = ctx.reader()
    if reader is None:
        print(f"drover: nothing mirrored yet for profile {ctx.name!r}", file=sys.stderr)
        return 0 if not ctx.args.launch else EXIT_FAIL
    try:
        if ctx.args.launch:
            launch = reader.launch(resolve_launch(ctx, reader, ctx.args.launch))
            items = reader.launch_items(launch.id)
            live = launch_holder(_launch_folder(ctx), launch.id) is not None
            _show_record(ctx, launch, items, live)
        else:
            launches = reader.launches()
            folder = _launch_folder(ctx)
            lives = {x.id: launch_holder(folder, x.id) is not None for x in launches}
            _show_launches(ctx, launches, lives)
    finally:
        reader.close()
    return 0


def _launch_folder(ctx: Context) -> Path:
    """Where the profile's launch locks are (as its engine puts them: beside the mirror's file,
    or in the profile's folder for a shared mirror)."""
    location = ctx.mirror_location
    if isinstance(location, Path):
        return location.parent
    folder: Path = ctx.engines.mirror_path(ctx.name, create=True).parent
    return folder


def _launch_json(launch: Any, live: bool) -> dict[str, Any]:
    from drover.text.launches import launch_state

    return {
        "id": launch.id, "name": launch.name, "source": launch.source,
        "state": launch_state(launch.state, live=live), "total": launch.total,
        "items": dict(launch.counts), "outcomes": dict(launch.outcomes),
        "list_cost_cents": launch.cost_cents, "created_at": launch.created_at,
        "agent_id": launch.spec.get("agent_id"),
        "environment_id": launch.spec.get("environment_id"), "error": launch.error,
    }  # fmt: skip


def _show_launches(ctx: Context, launches: list[Any], lives: dict[str, bool]) -> None:
    from datetime import UTC, datetime

    from drover.cli.cmd_ls import print_columns
    from drover.text.format import age, money
    from drover.text.inert import inert_line
    from drover.text.launches import launch_state, outcome_summary

    if ctx.args.json:
        emit_json([_launch_json(launch, lives[launch.id]) for launch in launches])
        return
    now = datetime.now(UTC)
    rows = [
        {
            "ID": launch.id,
            "STATE": launch_state(launch.state, live=lives[launch.id]),
            "SESSIONS": f"{launch.counts.get('created', 0)}/{launch.total}",
            "COST": money(launch.cost_cents),
            "AGE": age(launch.created_at, now),
            "FROM": inert_line(launch.name or launch.source or ""),
            "OUTCOMES": outcome_summary(launch.counts, launch.outcomes),
        }
        for launch in launches
    ]
    columns = ("ID", "STATE", "SESSIONS", "COST", "AGE", "FROM", "OUTCOMES")
    print_columns(rows, columns, {"FROM": 30})


def _show_record(ctx: Context, launch: Any, items: list[Any], live: bool) -> None:
    from drover.cli.cmd_ls import print_columns
    from drover.text.format import money
    from drover.text.inert import inert_line
    from drover.text.launches import item_label, launch_state, outcome_summary

    if ctx.args.json:
        out = _launch_json(launch, live)
        out["items_detail"] = [
            {"index": i.idx, "item": i.item, "state": i.state, "outcome": i.outcome,
             "session_id": i.session_id, "title": i.title, "status": i.status,
             "needs_you": i.needs_you, "list_cost_cents": i.list_cost_cents,
             "error": i.error, "attempts": i.attempts}
            for i in items
        ]  # fmt: skip
        emit_json(out)
        return
    state = launch_state(launch.state, live=live)
    summary = outcome_summary(launch.counts, launch.outcomes)
    created = launch.counts.get("created", 0)
    cost = money(launch.cost_cents)
    print(f"launch {launch.id} · {state} · {created}/{launch.total} sessions · {cost} · {summary}")
    if launch.error:
        print(f"  stopped: {inert_line(launch.error)}")
    rows = [
        {
            "#": str(i.idx + 1),
            "ITEM": item_label(i.item, 50),
            "SESSION": i.session_id or "-",
            "STATE": i.outcome,
            "COST": money(i.list_cost_cents),
            "NOTE": inert_line(i.error or i.title or ""),
        }
        for i in items
    ]
    print_columns(rows, ("#", "ITEM", "SESSION", "STATE", "COST", "NOTE"), {"NOTE": 50})
