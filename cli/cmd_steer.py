"""``drover deployments``, ``drover budget``, ``drover outcome`` and ``drover rules``.

* ``deployments`` lists each deployment with its schedule, status, last and next run, runs,
  failures and the spend of its sessions, after reading the platform once (unless
  ``--offline``); ``--runs NAME`` lists one deployment's runs.
* ``budget SESSION --usd N`` raises a session's budget to N dollars of list cost. It is the
  only way to let a session stopped at ``budget_reached`` go on: the server resumes it.
* ``outcome SESSION --description D --rubric TEXT`` (or ``--rubric-file F``) defines an
  outcome: the agent works toward it and a grader evaluates each attempt (``drover tail``
  shows the evaluation). Delivered exactly once through the outbox, like ``drover send``.
* ``rules`` lists the profile's rules and the calls they answered (the audit trail);
  ``--pause``/``--resume`` stop and restart every rule for every drover on the profile.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from drover.cli.common import EXIT_USAGE, CliError, Context, add_common, command, emit_json


def register(subparsers: Any) -> None:
    """Add ``deployments``, ``budget``, ``outcome`` and ``rules``."""
    p = subparsers.add_parser(
        "deployments", help="deployments: schedules, runs, failures and spend",
        description="List the profile's deployments (scheduled or on-demand session templates) "
        "with their schedule, last and next run, runs, failed runs and what their sessions "
        "spent, after reading them from the API (unless --offline).",
    )  # fmt: skip
    add_common(p)
    p.add_argument("--runs", metavar="NAME", help="list this deployment's runs (name or id)")
    p.add_argument("--offline", action="store_true", help="do not contact the API")
    p.set_defaults(run=run_deployments)

    b = subparsers.add_parser(
        "budget", help="raise a session's budget (resumes one stopped at budget_reached)",
        description="Set a session's budget to N dollars of list cost. A session stopped at "
        "budget_reached resumes once its budget is above what it spent.",
    )  # fmt: skip
    add_common(b)
    b.add_argument("session", metavar="SESSION", help="session id (sesn_…)")
    b.add_argument("--usd", required=True, metavar="N", help="the new budget in US dollars")
    b.set_defaults(run=run_budget)

    o = subparsers.add_parser(
        "outcome", help="define an outcome for a session (graded by a rubric)",
        description="Send a user.define_outcome: what the agent should produce and the rubric a "
        "grader scores each attempt by (delivered exactly once through the outbox). "
        "`drover tail SESSION` shows the evaluation.",
    )  # fmt: skip
    add_common(o)
    o.add_argument("session", metavar="SESSION", help="session id (sesn_…)")
    o.add_argument("--description", "-d", required=True, metavar="TEXT",
                   help="what the agent should produce")  # fmt: skip
    rubric = o.add_mutually_exclusive_group(required=True)
    rubric.add_argument("--rubric", metavar="TEXT", help="how to grade it")
    rubric.add_argument("--rubric-file", metavar="F", help="a text file holding the rubric")
    cycles = "evaluate-and-revise cycles before giving up (1-20; default 3)"
    o.add_argument("--max-iterations", type=int, metavar="N", help=cycles)
    o.add_argument("--wait", type=float, default=30.0, metavar="S",
                   help="seconds to wait for delivery (default 30)")  # fmt: skip
    o.set_defaults(run=run_outcome)

    r = subparsers.add_parser(
        "rules", help="your rules and the calls they answered",
        description="The profile's rules ([profiles.NAME.rules.*] in config.toml) and the "
        "audit trail of every call a rule answered, newest first.",
    )  # fmt: skip
    add_common(r)
    switch = r.add_mutually_exclusive_group()
    switch.add_argument("--pause", action="store_true", help="pause every rule of the profile")
    switch.add_argument("--resume", action="store_true", help="apply them again")
    r.add_argument("--limit", type=int, default=50, metavar="N", help="audit lines (default 50)")
    r.set_defaults(run=run_rules)


# -- deployments --------------------------------------------------------------------------------


async def _refresh_platform(ctx: Context) -> None:
    await ctx.probe()
    engine = await ctx.engine(auto_follow=False)
    try:
        await engine.poller.platform.refresh()
    finally:
        await engine.stop()


@command
def run_deployments(ctx: Context) -> int:
    """Read the platform (unless offline), then print the deployments or one's runs."""
    args = ctx.args
    if not args.offline:
        ctx.run(_refresh_platform(ctx))
    reader = ctx.reader()
    if reader is None:
        print(f"drover: nothing mirrored yet for profile {ctx.name!r}", file=sys.stderr)
        rows, runs = [], None
    else:
        try:
            rows = reader.deployments()
            runs = None
            if args.runs:
                match = [r for r in rows if args.runs in (r.id, r.name)]
                if not match:
                    raise CliError(f"no deployment {args.runs!r} in profile {ctx.name!r}",
                                   hint="`drover deployments` lists them")  # fmt: skip
                runs = reader.deployment_runs(match[0].id)
        finally:
            reader.close()
    if runs is not None:
        if args.json:
            emit_json([run.as_json() for run in runs])
        else:
            _print_runs(runs)
        return 0
    if args.json:
        emit_json([row.as_json() for row in rows])
    else:
        _print_deployments(rows)
    return 0


def _when(value: str | None) -> str:
    return value[:16].replace("T", " ") if value else "-"


def _print_deployments(rows: list[Any]) -> None:
    from drover.text.format import money
    from drover.text.inert import inert_line

    head = ("NAME", "STATUS", "SCHEDULE", "LAST RUN", "NEXT RUN", "RUNS", "FAILED", "SESSIONS",
            "SPEND", "ID")  # fmt: skip
    lines = [head]
    for r in rows:
        status = r.status or "-"
        if r.status == "paused" and r.paused_reason:
            status += f" ({r.paused_reason})"
        lines.append((
            inert_line(r.name), inert_line(status), inert_line(r.schedule or "on demand"),
            _when(r.last_run_at), _when(r.next_run_at), str(r.runs), str(r.failed_runs),
            str(r.sessions), money(r.spend_cents), r.id,
        ))  # fmt: skip
    _table(lines, right=(5, 6, 7, 8))
    if not rows:
        print("(no deployments)")


def _print_runs(runs: list[Any]) -> None:
    from drover.text.format import money
    from drover.text.inert import inert_line

    lines = [("WHEN", "TRIGGER", "SESSION", "STATUS", "SPEND", "ERROR")]
    for run in runs:
        lines.append((
            _when(run.created_at), run.trigger or "-", run.session_id or "-",
            inert_line(run.session_status or "-"), money(run.spend_cents),
            inert_line(run.error_message or run.error_type or ""),
        ))  # fmt: skip
    _table(lines, right=(4,))


def _table(lines: Sequence[Sequence[str]], right: tuple[int, ...] = ()) -> None:
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    for line in lines:
        cells = [c.rjust(w) if i in right else c.ljust(w)
                 for i, (c, w) in enumerate(zip(line, widths, strict=True))]  # fmt: skip
        print("  ".join(cells).rstrip())


# -- budget -------------------------------------------------------------------------------------


@command
def run_budget(ctx: Context) -> int:
    """Raise a session's budget and say what the server answered."""
    from drover.text.steer import parse_usd

    cents = parse_usd(ctx.args.usd)
    if cents is None or cents <= 0:
        raise CliError(f"--usd wants an amount of dollars, like 25 or 12.50, not {ctx.args.usd!r}",
                       code=EXIT_USAGE)  # fmt: skip
    return ctx.run(_budget(ctx, cents))


async def _budget(ctx: Context, cents: int) -> int:
    from drover.text.format import money

    sid = ctx.args.session
    before = await ctx.probe(sid)
    engine = await ctx.engine(auto_follow=False)
    try:
        session = await engine.set_budget(sid, cents)
    finally:
        await engine.stop()
    old = ((before or {}).get("budget") or {}).get("max_list_cost", {}).get("amount")
    spent = ((session.get("usage") or {}).get("list_cost") or {}).get("amount")
    if ctx.args.json:
        emit_json({"session_id": sid, "budget_cents": cents,
                   "previous_budget_cents": int(old) if old else None,
                   "list_cost_cents": int(spent) if spent else None,
                   "status": session.get("status")})  # fmt: skip
    else:
        was = f" (was {money(int(old))})" if old else ""
        print(f"budget of {sid}: {money(cents)}{was}; spent {money(int(spent or 0))}, "
              f"status {session.get('status')}")  # fmt: skip
    return 0


# -- outcome ------------------------------------------------------------------------------------


@command
def run_outcome(ctx: Context) -> int:
    """Queue a user.define_outcome and wait for its delivery."""
    from drover.cli.cmd_act import _act
    from drover.sync.outbox_actions import MAX_ITERATIONS

    args = ctx.args
    if args.rubric_file:
        try:
            with open(args.rubric_file, encoding="utf-8") as handle:
                rubric = handle.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise CliError(f"cannot read the rubric: {exc}", code=EXIT_USAGE) from None
    else:
        rubric = args.rubric
    if not args.description.strip() or not rubric.strip():
        raise CliError("an outcome needs a description and a rubric", code=EXIT_USAGE)
    most = args.max_iterations
    if most is not None and not 1 <= most <= MAX_ITERATIONS:
        raise CliError(f"--max-iterations must be 1-{MAX_ITERATIONS}", code=EXIT_USAGE)
    payload: dict[str, Any] = {"description": args.description, "rubric": rubric}
    if most is not None:
        payload["max_iterations"] = most
    return ctx.run(_act(ctx, "define_outcome", payload))


# -- rules --------------------------------------------------------------------------------------


@command
def run_rules(ctx: Context) -> int:
    """Print the profile's rules and the audit trail (pausing or resuming first if asked)."""
    from drover.store.mirror import Mirror
    from drover.sync.rules import active_rules

    args = ctx.args
    if args.pause or args.resume:
        with Mirror.open(ctx.mirror_location) as mirror:
            mirror.writer.submit("set_rules_paused", bool(args.pause), "drover rules").result()
    rules = ctx.config.rules_for(ctx.name)
    now = datetime.now(UTC)
    live = active_rules(rules, now)
    reader = ctx.reader()
    paused, audit = None, []
    if reader is not None:
        try:
            paused, audit = reader.rules_paused(), reader.rule_audit(limit=max(1, args.limit))
        finally:
            reader.close()
    if args.json:
        emit_json({
            "profile": ctx.name, "paused_at": paused,
            "rules": {name: {**rule.to_data(json=True, exclude_none=True),
                             "in_force": name in live} for name, rule in rules.items()},
            "audit": [{"session_id": a.session_id, "tool_use_id": a.tool_use_id,
                       "rule": a.rule, "decision": a.decision, "tool": a.tool,
                       "call": a.call, "decided_at": a.decided_at, "delivery": a.delivery}
                      for a in audit],
        })  # fmt: skip
        return 0
    from drover.text.inert import inert_line

    state = f"paused since {paused}" if paused else f"{len(live)} in force"
    print(f"rules of profile {ctx.name}: {len(rules)} ({state})")
    for name, rule in rules.items():
        until = f" until {rule.until:%Y-%m-%d %H:%M %Z}" if rule.until else ""
        agent = f" agent {inert_line(rule.agent)}" if rule.agent else " any agent"
        lapsed = "" if name in live else " (lapsed)"
        print(f"  {inert_line(name)}: {rule.action} {inert_line(rule.tool)}{agent} "
              f"input {inert_line(rule.input)!r}{until}{lapsed}")  # fmt: skip
    print(f"answered by rule: {len(audit)} (newest first)")
    for a in audit:
        call = f"{inert_line(a.tool or '')} {inert_line(a.call or '')[:60]}"
        print(f"  {a.decided_at[:19]}  {inert_line(a.rule)}  {a.decision}  {a.session_id}  "
              f"{call}  [{a.delivery}]")  # fmt: skip
    return 0
