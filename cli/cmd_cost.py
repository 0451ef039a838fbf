"""``drover cost``: the cost ledger of the profile's mirror, offline.

Spend, tokens (input, cache read, cache write, output, kept apart), runtime and requests by
session (most expensive first), agent, environment, model or UTC day, with a totals line, the
budgets in force (the config's ``[budgets]``, and sessions at 80%+ of their server budget) and a
legend defining each figure. ``--json`` gives cents and tokens as integers. Figures are as fresh
as the last ``drover sync``/``tail``/TUI run; nothing is fetched.
"""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime
from typing import Any

from drover.cli.common import EXIT_USAGE, CliError, Context, add_common, command, emit_json

# `drover.store.ledger.DIMENSIONS`, spelled out: the store must not load to build the parser.
_DIMENSIONS = ("session", "agent", "environment", "model", "day", "deployment")
_DEFAULT_SESSION_LIMIT = 20


def register(subparsers: Any) -> None:
    """Add the ``cost`` subcommand."""
    p = subparsers.add_parser(
        "cost", help="spend, tokens and runtime from the mirror (the cost ledger)",
        description="The cost ledger of the local mirror: list cost, tokens by kind, runtime "
        "and requests by session, agent, environment, model or UTC day, with budgets. "
        "Offline: run `drover sync` first for fresh figures.",
    )  # fmt: skip
    add_common(p)
    p.add_argument(
        "--by",
        choices=_DIMENSIONS,
        default="session",
        help="group rows by this (default: session, most expensive first)",
    )
    p.add_argument(
        "--since", metavar="DAY", help="first UTC day to count: YYYY-MM-DD, or 7d, 24h… ago"
    )
    p.add_argument("--until", metavar="DAY", help="last UTC day to count (same forms)")
    p.add_argument(
        "--limit",
        type=int,
        metavar="N",
        help=f"at most N rows (default: {_DEFAULT_SESSION_LIMIT} sessions; all other groups)",
    )
    p.set_defaults(run=run)


def _day(value: str | None, flag: str) -> str | None:
    """A UTC day from `YYYY-MM-DD`, or from how long ago (`7d`, `24h`, `-30m`: that day)."""
    from drover.store.search_filters import relative_moment

    if value is None:
        return None
    moment = relative_moment(value)
    if moment is not None:
        return moment.date().isoformat()
    try:
        return date.fromisoformat(value).isoformat() if len(value) == 10 else _bad(value, flag)
    except ValueError:
        return _bad(value, flag)


def _bad(value: str, flag: str) -> str:
    raise CliError(
        f"{flag} wants a day as YYYY-MM-DD or how long ago (7d, 24h), not {value!r}",
        code=EXIT_USAGE,
    )


@command
def run(ctx: Context) -> int:
    """Read the ledger and print it (a table, or JSON)."""
    args = ctx.args
    since, until = _day(args.since, "--since"), _day(args.until, "--until")
    if since and until and since > until:
        raise CliError(f"--since {since} is after --until {until}", code=EXIT_USAGE)
    if args.limit is not None and args.limit < 1:
        raise CliError("--limit must be at least 1", code=EXIT_USAGE)
    limit = args.limit or (_DEFAULT_SESSION_LIMIT if args.by == "session" else None)
    caps = ctx.config.budgets_for(ctx.name).caps()
    today = datetime.now(UTC).date().isoformat()
    reader = ctx.reader()
    if reader is None:
        print(
            f"drover: nothing mirrored yet for profile {ctx.name!r} — run `drover sync`",
            file=sys.stderr,
        )
        from drover.store.models import LedgerRow

        totals, rows, budgets = LedgerRow(None, None, 0, 0, 0, 0, 0, 0, 0, 0.0), [], []
    else:
        try:
            window = {"since": since, "until": until}
            totals = reader.cost_totals(**window)
            rows = reader.cost_rows(args.by, limit=limit, **window)
            budgets = reader.cost_budgets(caps, today=today)
        finally:
            reader.close()
    report = {"by": args.by, "since": since, "until": until, "today": today}
    if args.json:
        emit_json(as_json(report, totals, rows, budgets))
    else:
        print_report(report, totals, rows, budgets)
    return 0


def as_json(
    report: dict[str, Any], totals: Any, rows: list[Any], budgets: list[Any]
) -> dict[str, Any]:
    """The machine-readable ledger: cents and tokens as integers, the legend included."""
    from drover.text.cost import LEGEND

    return {
        **report,
        "currency": "USD",
        "totals": totals.as_json(),
        "rows": [row.as_json() for row in rows],
        "budgets": [state.as_json() for state in budgets],
        "legend": dict(LEGEND),
    }


def print_report(report: dict[str, Any], totals: Any, rows: list[Any], budgets: list[Any]) -> None:
    """The table, the totals line, budgets and the legend."""
    from drover.text import cost as text
    from drover.text.format import money
    from drover.text.inert import inert_line

    by = report["by"]
    named = by in ("session", "agent", "environment", "deployment")
    if report["since"] or report["until"]:
        span = f"{report['since'] or 'start'} → {report['until'] or 'now'} (UTC days)"
    else:
        span = "all time"
    print(f"cost by {by} · {span}")
    head = [text.DIMENSION_TITLES[by], *(["NAME"] if named else [])]
    head += ["AGENT" if by == "session" else "SESSIONS", *_FIGURE_TITLES]

    def cells(row: Any, total: bool = False) -> list[str]:
        out = ["TOTAL" if total else text.key(row)]
        if named:
            out.append("" if total else text.name(row))
        if by == "session":
            out.append(f"{row.sessions} sessions" if total else inert_line(row.agent_name or ""))
        else:
            out.append(str(row.sessions))
        figures = [money(row.list_cost_cents), *text.token_cells(row), text.runtime(row)]
        return [*out, *figures, str(row.requests)]

    _print_table([head, *(cells(row) for row in rows), cells(totals, total=True)])
    if by == "session" and len(rows) < totals.sessions:
        print(f"(the {len(rows)} most expensive of {totals.sessions} sessions; --limit N for more)")
    if budgets:
        print("\nbudgets:")
        for state in budgets:
            mark = {"reached": "!!", "warning": "! "}.get(state.level, "  ")
            print(f"  {mark} {text.budget_text(state)}")
    print("\nlegend:")
    width = max(len(term) for term, _ in text.LEGEND)
    for term, meaning in text.LEGEND:
        print(f"  {term.ljust(width)}  {meaning}")


_FIGURE_TITLES = ("COST", "INPUT", "CACHE READ", "CACHE WRITE", "OUTPUT", "RUNTIME", "REQUESTS")
_TEXT_COLUMNS = {"NAME": 36, "AGENT": 20}  # left-aligned, clipped to this width


def _print_table(lines: list[list[str]]) -> None:
    """Aligned columns: the key and text columns left-aligned, figures right-aligned."""
    head = lines[0]
    clipped = [
        [_clip(cell, _TEXT_COLUMNS.get(title)) for title, cell in zip(head, line, strict=True)]
        for line in lines
    ]
    widths = [max(len(row[i]) for row in clipped) for i in range(len(head))]
    left = [i == 0 or title in _TEXT_COLUMNS for i, title in enumerate(head)]
    for row in clipped:
        parts = [
            cell.ljust(width) if is_left else cell.rjust(width)
            for cell, width, is_left in zip(row, widths, left, strict=True)
        ]
        print("  ".join(parts).rstrip())


def _clip(text: str, width: int | None) -> str:
    return text if width is None or len(text) <= width else text[: width - 1] + "…"
