"""``drover launch``: start a fleet from a template, paced and resumable.

``drover launch`` renders a template (saved in the config with ``--template NAME``, or given
by flags) over items (``--items FILE``: one per line, JSON Lines or CSV; ``--count N``),
records the launch in the mirror, then creates one session per item under the profile's
create limit, showing a bar with the rate and ETA. Ctrl-C (or SIGTERM) pauses it; ``drover
launch --resume LAUNCH_ID`` carries on without creating any session twice (see
`drover.sync.launch`). ``drover launches`` (`drover.cli.cmd_launches`) reads them back.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from drover.cli.common import (
    EXIT_FAIL,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    CliError,
    Context,
    add_common,
    command,
    emit_json,
)

__all__ = ["register"]


def register(subparsers: Any) -> None:
    """Add ``launch``."""
    p = subparsers.add_parser(
        "launch",
        help="start one session per item from a template (paced, resumable)",
        description="Start one session per item from a template, queued under the profile's "
        "create limit. Placeholders: {item} (one item per line), a JSON Lines or CSV item's "
        "fields by name ({url}, {repo}), {n} (the item's number from 1). Ctrl-C pauses; "
        "--resume LAUNCH_ID carries on without duplicates.",
    )
    add_common(p)
    what = p.add_argument_group("the template (flags override a saved --template)")
    what.add_argument("--template", metavar="NAME", help="a template saved in the config")
    what.add_argument("--agent", metavar="AGENT", help="the agent's id or name")
    what.add_argument("--agent-version", type=int, metavar="V", help="pin this agent version")
    what.add_argument("--environment", metavar="ENV", help="the environment's id or name")
    what.add_argument("--title", metavar="PATTERN", help="title pattern, e.g. 'PR {item}'")
    what.add_argument("--message", "-m", metavar="PATTERN", help="first message pattern")
    what.add_argument("--message-file", metavar="F", help="read the message pattern from F")
    what.add_argument(
        "--metadata", action="append", default=[], metavar="K=V", help="metadata (repeatable)"
    )
    what.add_argument("--vault", action="append", default=[], metavar="ID", help="a vault id")
    what.add_argument(
        "--resource", action="append", default=[], metavar="JSON", help="a resource to mount, "
        "as JSON (tokens: \"authorization_token_env\": \"VAR\")",
    )  # fmt: skip
    what.add_argument("--budget-usd", type=float, metavar="X", help="each session's spend cap")
    what.add_argument("--save-template", metavar="NAME", help="save this template in the config")
    items = p.add_argument_group("the items")
    source = items.add_mutually_exclusive_group()
    source.add_argument("--items", metavar="FILE", help="items file (- reads stdin)")
    source.add_argument("--count", type=int, metavar="N", help="N items, {n} = 1…N")
    source.add_argument("--resume", metavar="LAUNCH_ID", help="carry on with a recorded launch")
    items.add_argument("--format", choices=("lines", "jsonl", "csv", "tsv"), help="items format")
    p.add_argument("--retry-failed", action="store_true", help="create refused items again")
    p.add_argument("--dry-run", action="store_true", help="show the first item; create nothing")
    p.set_defaults(run=run_launch)


# -- drover launch --------------------------------------------------------------------------------


@command
def run_launch(ctx: Context) -> int:
    """Plan, record and run a launch; or resume one."""
    args = ctx.args
    if args.resume:
        return ctx.run(_go(ctx, None))
    if args.items is None and args.count is None:
        raise CliError("say what to launch over: --items FILE or --count N", code=EXIT_USAGE)
    template = _template(ctx)
    items = _items(args)
    return ctx.run(_go(ctx, (template, items)))


def _template(ctx: Context) -> Any:
    """The template: the saved one named, with the flags given laid over it."""
    from drover.config.schema import SchemaError
    from drover.config.templates import LaunchTemplate

    args = ctx.args
    fields: dict[str, Any] = {}
    if args.template:
        saved = ctx.config.templates.get(args.template)
        if saved is None:
            names = ", ".join(sorted(ctx.config.templates)) or "none"
            raise CliError(f"no template {args.template!r} (saved: {names})", code=EXIT_USAGE)
        fields = saved.to_data(exclude_none=True)
    message = args.message
    if args.message_file:
        try:
            with open(args.message_file, encoding="utf-8") as handle:
                message = handle.read()
        except OSError as exc:
            raise CliError(f"cannot read {args.message_file}: {exc}", code=EXIT_USAGE) from None
    flags = {
        "agent": args.agent,
        "agent_version": args.agent_version,
        "environment": args.environment,
        "title": args.title,
        "message": message,
        "budget_usd": args.budget_usd,
    }
    fields.update({k: v for k, v in flags.items() if v is not None})
    if args.metadata:
        fields["metadata"] = {**fields.get("metadata", {}), **_pairs(args.metadata)}
    if args.vault:
        fields["vault_ids"] = list(args.vault)
    if args.resource:
        fields["resources"] = [*fields.get("resources", []), *map(_resource, args.resource)]
    missing = [f"--{k}" for k in ("agent", "environment") if not fields.get(k)]
    if missing:
        raise CliError(f"{' and '.join(missing)} required (or --template NAME)", code=EXIT_USAGE)
    try:
        return LaunchTemplate.from_data(fields)
    except SchemaError as exc:
        raise CliError(f"template {exc}", code=EXIT_USAGE) from None


def _pairs(values: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for value in values:
        key, sep, text = value.partition("=")
        if not sep or not key:
            raise CliError(f"--metadata takes KEY=VALUE, not {value!r}", code=EXIT_USAGE)
        out[key] = text
    return out


def _resource(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CliError(f"--resource is not JSON: {exc.msg}", code=EXIT_USAGE) from None
    if not isinstance(value, dict):
        raise CliError("--resource takes a JSON object", code=EXIT_USAGE)
    return value


def _items(args: argparse.Namespace) -> tuple[list[dict[str, str]], str]:
    from drover.sync.launch_plan import PlanError, counted_items, read_items

    try:
        if args.count is not None:
            return counted_items(args.count), f"--count {args.count}"
        return read_items(args.items, args.format), args.items
    except PlanError as exc:
        raise CliError(str(exc), code=EXIT_USAGE) from None


async def _go(ctx: Context, new: tuple[Any, tuple[list[dict[str, str]], str]] | None) -> int:
    """Record (unless resuming) and run, reporting progress until done, paused or stopped."""
    from drover.cli.launch_progress import LaunchReporter, progress_json
    from drover.cli.signals import StopSignals
    from drover.sync.launch import LaunchBusyError, LaunchNotFound
    from drover.sync.launch_plan import PlanError
    from drover.text.launches import progress_line

    args = ctx.args
    await ctx.probe()
    engine = await ctx.engine(auto_follow=False)
    reporter = LaunchReporter("json" if args.json else "tty" if sys.stdout.isatty() else "plain")
    launch_id = ""
    try:
        launcher = await engine.launcher()
        if new is not None:
            plan = await _plan(ctx, engine.client, *new)
            if args.dry_run:
                return _dry_run(ctx, plan)
            try:
                launch_id = await launcher.record(plan)
            except PlanError as exc:
                raise CliError(str(exc), code=EXIT_USAGE) from None
            if args.save_template:
                _save_template(ctx, args.save_template, new[0])
            _say(ctx, f"launch {launch_id}: {plan.launch.source}, {len(plan.requests)} sessions "
                      f"(resume with `drover launch --resume {launch_id}`)")  # fmt: skip
        else:
            from drover.cli.cmd_launches import resolve_launch

            launch_id = resolve_launch(ctx, engine.reader, args.resume)
        try:
            async with StopSignals():
                final = await launcher.run(
                    launch_id,
                    on_progress=reporter,
                    retry_failed=args.retry_failed,
                    read_back=new is None,
                )
        except StopSignals.Stopped:
            reporter.close()
            last = reporter.last
            where = f" at {last.created}/{last.total}" if last is not None else ""
            print(f"drover: launch {launch_id} paused{where}; resume with "
                  f"`drover launch --resume {launch_id}`", file=sys.stderr)  # fmt: skip
            return EXIT_INTERRUPTED
        except LaunchNotFound:
            raise CliError(f"no launch {launch_id} in profile {ctx.name!r}",
                           hint="`drover launches` lists them") from None  # fmt: skip
        except LaunchBusyError as exc:
            raise CliError(str(exc)) from None
    finally:
        reporter.close()
        await engine.stop()
    if args.json:
        emit_json(progress_json(final, "result"))
    else:
        print(f"launch {launch_id}: {progress_line(final)}")
        if final.error:
            print(f"drover: launch {launch_id} stopped: {final.error}", file=sys.stderr)
        if final.state != "done":
            print(f"  resume with `drover launch --resume {launch_id}`", file=sys.stderr)
    return 0 if final.state == "done" and final.failed == 0 else EXIT_FAIL


async def _plan(ctx: Context, client: Any, template: Any, items: Any) -> Any:
    from drover.sync.launch_plan import PlanError, plan_launch
    from drover.sync.launch_refs import RefError, resolve_refs

    rows, source = items
    try:
        agent_id, environment_id = await resolve_refs(client, template.agent, template.environment)
    except RefError as exc:
        raise CliError(str(exc), code=EXIT_USAGE) from None
    try:
        return plan_launch(
            template,
            rows,
            agent_id=agent_id,
            environment_id=environment_id,
            name=ctx.args.template or ctx.args.save_template,
            source=source,
        )
    except PlanError as exc:
        raise CliError(str(exc), code=EXIT_USAGE) from None


def _dry_run(ctx: Context, plan: Any) -> int:
    first = plan.requests[0]
    shown = {
        "items": len(plan.requests),
        "agent": first.agent(),
        "environment_id": first.environment_id,
        **first.body(),
    }
    if ctx.args.json:
        emit_json(shown)
    else:
        from drover.cli.output import clean_block

        print(f"{len(plan.requests)} sessions; the first would be created with:")
        print(clean_block(json.dumps(shown, indent=2, ensure_ascii=False)))
    return 0


def _save_template(ctx: Context, name: str, template: Any) -> None:
    from drover.config.editor import update_config
    from drover.config.templates import TEMPLATE_NAME

    if not TEMPLATE_NAME.fullmatch(name):
        raise CliError(
            f"template {name!r}: letters, digits, '.', '_' and '-' only", code=EXIT_USAGE
        )
    saved = template.to_data(exclude_none=True, exclude_defaults=True)
    update_config({("templates", name): saved}, ctx.config_path)
    _say(ctx, f"template {name!r} saved in {ctx.config_path}")


def _say(ctx: Context, line: str) -> None:
    if not ctx.args.json:
        print(line, file=sys.stderr, flush=True)
