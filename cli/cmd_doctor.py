"""``drover doctor``: check the profile's mirror; ``--repair`` rebuilds a damaged one.

The check reads every page once (SQLite's integrity check) and reports the file, its schema,
what it holds and its permissions. The server is the source of truth, so ``--repair`` moves a
damaged mirror aside (``mirror.db.damaged-STAMP``, never deleted) and rebuilds it from the
server: the sessions the old file listed (every session on the server when even that list is
unreadable), with their events, threads, agents and environments. What the server cannot give
back is carried over from the old file where it can still be read: sessions imported from
export files, and actions queued but not yet delivered.

The check also counts rows stored as plain JSON text (written before drover deflated them,
schema v14); ``--compact`` rewrites them deflated in short batches, a running sync or TUI
writing between them, and ``--vacuum`` then gives the freed pages back to the file system
(`drover.store.compact`).
"""

from __future__ import annotations

import sys
from typing import Any

from drover.cli.common import CliError, Context, add_common, command, emit_json

_CHUNK = 100  # sessions back-filled at once while rebuilding
COMPACT_WORTH_BYTES = 10 * 10**6  # below this, plain rows are not worth a hint
COMPACT_HINT = "hint: `drover doctor --compact` deflates them (add --vacuum to shrink the file)"


def register(subparsers: Any) -> None:
    """Add the ``doctor`` subcommand."""
    p = subparsers.add_parser(
        "doctor", help="check the mirror; --repair rebuilds a damaged one from the server",
        description="Check the profile's local mirror (header, schema, integrity, contents, "
        "permissions). With --repair, move a damaged mirror aside and rebuild it from the "
        "server, keeping the imported sessions and queued actions the old file still holds.",
    )  # fmt: skip
    add_common(p)
    p.add_argument("--repair", action="store_true", help="rebuild a damaged mirror from the server")
    p.add_argument(
        "--compact", action="store_true",
        help="rewrite rows stored as plain JSON deflated, in short batches (resumable)",
    )  # fmt: skip
    p.add_argument(
        "--vacuum", action="store_true",
        help="with --compact: then VACUUM to shrink the file (rewrites it, needing as much "
        "free disk again: ~3 s for 650 MB here; other drover processes wait)",
    )  # fmt: skip
    p.set_defaults(run=run)


@command
def run(ctx: Context) -> int:
    """Check, then repair if asked and needed."""
    from drover.cli.disk import REPAIR_HINT
    from drover.store.errors import MirrorCorruptError
    from drover.store.health import check_mirror

    path = ctx.engines.mirror_path(ctx.name)
    if not path.exists():
        _say(ctx, {"mirror": str(path), "ok": True, "note": "nothing mirrored yet"})
        return 0
    if ctx.args.vacuum and not ctx.args.compact:
        raise CliError(
            "--vacuum goes with --compact", hint="  hint: `drover doctor --compact --vacuum`"
        )
    check = check_mirror(path)
    if check.problem is None and ctx.args.compact:
        from drover.cli.doctor_compact import run_compact

        return run_compact(ctx, check, findings(check))
    _report(ctx, check)
    if check.problem is None:
        if ctx.args.repair and not ctx.args.json:
            print("nothing to repair")
        return 0
    if not isinstance(check.problem, MirrorCorruptError):
        raise CliError(str(check.problem))  # a newer schema, a read-only disk: not damage
    if not ctx.args.repair:
        raise CliError(check.problem.sentence(), hint=REPAIR_HINT)
    return ctx.run(_repair(ctx, path))


def _say(ctx: Context, fields: dict[str, Any]) -> None:
    if ctx.args.json:
        emit_json(fields)
    elif "note" in fields:
        print(f"mirror   {fields['mirror']}: {fields['note']}")


def findings(check: Any) -> dict[str, Any]:
    """The check as a JSON object."""
    return {
        "mirror": str(check.path), "ok": check.problem is None, "bytes": check.size,
        "schema": check.version, "problem": str(check.problem) if check.problem else None,
        "sessions": check.sessions, "imported": check.imported, "events": check.events,
        "plain_events": check.plain_events, "plain_sessions": check.plain_sessions,
        "mode": oct(check.mode),
    }  # fmt: skip


def _report(ctx: Context, check: Any) -> None:
    """The findings: a JSON document, or aligned lines for people."""
    if ctx.args.json:
        if check.problem is None or not ctx.args.repair:
            emit_json(findings(check))
        return
    print(f"mirror   {check.path} ({check.size / 1e6:.1f} MB, schema {check.version or '?'})")
    if check.problem is not None:
        return  # said once, as the command's error (or by the repair)
    print("ok       integrity check passed")
    imported = f", {check.imported:,} of them imported" if check.imported else ""
    plural = "" if check.sessions == 1 else "s"
    print(f"ok       {check.events:,} events in {check.sessions:,} session{plural}{imported}")
    _report_plain(check)
    if check.mode & 0o077 == 0:
        print(f"ok       file mode {oct(check.mode)[2:]}")
    else:
        print(f"warn     file mode {oct(check.mode)[2:]}: others can read it (sync makes it 600)")


def _report_plain(check: Any) -> None:
    """Rows stored before drover deflated them, and the hint when compacting is worth it."""
    from drover.store.compact import GAIN_PER_EVENT, GAIN_PER_SESSION

    if not (check.plain_events or check.plain_sessions):
        print("ok       every row stored compressed")
        return
    gain = check.plain_events * GAIN_PER_EVENT + check.plain_sessions * GAIN_PER_SESSION
    events = f"{check.plain_events:,} event{'' if check.plain_events == 1 else 's'}"
    sessions = f"{check.plain_sessions:,} session{'' if check.plain_sessions == 1 else 's'}"
    line = f"{events} and {sessions} stored uncompressed (about {gain / 1e6:.0f} MB to gain)"
    if gain < COMPACT_WORTH_BYTES:
        print(f"ok       {line}")
    else:
        print(f"warn     {line}")
        print(f"  {COMPACT_HINT}")


async def _repair(ctx: Context, path: Any) -> int:
    from datetime import UTC, datetime

    from drover.store.health import move_aside, salvage

    say = _Progress(ctx.args.json)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    aside = move_aside(path, stamp)
    saved = salvage(aside)
    say(f"moved the damaged mirror aside: {aside}")
    for what in saved.unreadable:
        say(f"could not read {what} from it")
    engine = await ctx.engine(auto_follow=False)  # a new, empty mirror bound to the account
    try:
        kept = await _reimport(engine, aside, saved.imported)
        if saved.imported:
            say(f"kept {len(kept)} of {len(saved.imported)} imported sessions")
        for session_id, kind, payload, state in saved.actions:
            action_id = await engine.writer.enqueue_action(session_id, kind, payload)
            if state == "sending":  # maybe delivered: the outbox checks history first
                await engine.writer.mark_sending(action_id)
        if saved.actions:
            say(f"kept {len(saved.actions)} undelivered actions (the next sync sends them)")
        rebuilt, gone = await _rebuild(engine, saved.synced, set(saved.imported), say)
        rows = engine.reader.sessions(include_archived=True, include_deleted=True, limit=10**9)
        events = sum(row.event_count or 0 for row in rows)
    finally:
        await engine.stop()
    if gone:
        say(f"{gone} sessions of the old mirror are no longer on the server")
    say(f"rebuilt {rebuilt} sessions from {ctx.profile.base_url}: {events:,} events mirrored")
    if ctx.args.json:
        emit_json({"mirror": str(path), "moved_to": str(aside), "rebuilt": rebuilt,
                   "events": events, "imported_kept": kept, "actions_kept": len(saved.actions),
                   "not_on_server": gone, "unreadable": saved.unreadable})  # fmt: skip
    return 0


class _Progress:
    """Prints each step of a repair as it happens (nothing with --json: one document ends it)."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet

    def __call__(self, line: str) -> None:
        if not self.quiet:
            print(line, flush=True)


async def _reimport(engine: Any, aside: Any, session_ids: list[str]) -> list[str]:
    """Copy imported sessions from the old file through a JSONL export (the import's own
    checks apply); the ones it can no longer read are reported, not fatal."""
    import asyncio
    import tempfile
    from pathlib import Path

    from drover.export import write_export
    from drover.export.importer import import_file
    from drover.store.reader import MirrorReader

    kept: list[str] = []
    if not session_ids:
        return kept
    old = MirrorReader(aside)
    try:
        with tempfile.TemporaryDirectory(prefix="drover-doctor-") as tmp:
            for sid in session_ids:
                file = Path(tmp) / f"{sid}.jsonl"
                try:
                    with file.open("w", encoding="utf-8") as out:
                        write_export(old, sid, "jsonl", out, redact=False)
                    await asyncio.to_thread(import_file, engine.writer, file)
                except Exception as exc:  # a damaged page: this one stays in the old file
                    print(f"drover: could not keep imported session {sid}: {exc}",
                          file=sys.stderr)  # fmt: skip
                    continue
                kept.append(sid)
    finally:
        old.close()
    return kept


async def _rebuild(
    engine: Any, wanted: list[str] | None, skip: set[str], say: _Progress
) -> tuple[int, int]:
    """Mirror the sessions anew from the server; returns (rebuilt, no longer on the server)."""
    import asyncio

    from drover.sync.control import synced_or_done

    listed = [
        s async for s in engine.client.iter_sessions(include_archived=True, order="desc", limit=100)
    ]
    listed = [s for s in listed if isinstance(s, dict) and s.get("id") and s["id"] not in skip]
    if wanted is not None:
        known = set(wanted)
        gone = len(known - {s["id"] for s in listed})
        listed = [s for s in listed if s["id"] in known]
    else:
        gone = 0
    which = "every session on the server" if wanted is None else "the old mirror's sessions"
    say(f"rebuilding {len(listed)} sessions ({which}) from the server…")
    if listed:
        await engine.writer.upsert_sessions(listed)
    await engine.poller.poll_once()  # agents and environments too
    for start in range(0, len(listed), _CHUNK):
        followers = [engine.follow(s["id"]) for s in listed[start : start + _CHUNK]]
        await asyncio.gather(*(synced_or_done(f) for f in followers))
        await asyncio.gather(*(engine.unfollow(f.session_id) for f in followers))
        if len(listed) > _CHUNK:
            say(f"  {min(start + _CHUNK, len(listed))}/{len(listed)} sessions")
    return len(listed), gone
