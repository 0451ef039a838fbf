r"""Generate a realistic mirror for the offline-review benchmarks (10k sessions / 1M events).

Run as a script::

    .venv/bin/python benchmarks/mirror_gen.py /tmp/bench.db --sessions 10000 \
        --events 1000000 --big-session 100000 --seed 7

or from a benchmark: `build_mirror(path, ...)` builds one file; `cached_mirror(...)` keeps it
under `.bench-cache/`, keyed by the sizes, the seed, `GENERATOR_VERSION` and the mirror's schema
version, so repeated runs reuse it (delete the folder to force a rebuild).

What is in it: agents of several kinds (`mirror_content.PROFILES`: reviewer, doc writer, test
writer, migrator, triage, DB ops, a coordinator with child threads) on four environments;
sessions spread over 30 days, each a series of turns (`mirror_turns`) with tool calls and
results, confirmations (allow/deny), retried and exhausted model errors, interrupts, thread
hand-offs, `session.usage` before every idle, some budgets reached. Session 0 is one long
coordinator session of `big_session` events (the replay and export case). Events and objects
are wire-valid (a unit test checks them against the SDK), ids and text are a pure function of
the seed, and the counts are exact. Everything goes through the store's real writer, so the
derived columns, cost tables and the FTS index are what the app would have written.

Bulk load (the default; `--trigger-fts` turns it off): the events go in with the FTS triggers
dropped, and the index is built once at the end by the store's own repair at open
(`drover.store.schema.ensure_fts_triggers`: re-create the triggers, then FTS5 `rebuild` from
the events). The index then holds exactly what the triggers would have put in it, row by row
(`tests/test_mirror_gen.py` compares every indexed term instance of a small mirror built both
ways); only its internal segment layout differs. It saves indexing each event as it lands:
1.4-1.5x the events/s up to 1M events, 1.0-1.1x at 3M (the rest of the writer's work, the
same either way, dominates there).
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from mirror_sessions import Fleet, iter_sessions, session_sizes

from drover.store.migrations import SCHEMA_VERSION, connect
from drover.store.schema import FTS_TRIGGERS, ensure_fts_triggers

GENERATOR_VERSION = 2
"""Bump when the generated content, or what the store derives from it, changes: cached mirrors
are keyed by it and by the schema version (a schema change rebuilds them by itself)."""
REPO_ROOT = Path(__file__).resolve().parent.parent
CACHE_DIR = REPO_ROOT / ".bench-cache"
_INGEST_CHUNK = 5000  # most events per ingest call
_IN_FLIGHT = 60_000  # events submitted but not committed before generation waits


@dataclass(frozen=True)
class Manifest:
    """What a build produced (also written beside the database, as `<file>.json`)."""

    sessions: int
    events: int
    big_session: int
    seed: int
    big_session_id: str
    generator_version: int
    build_seconds: float


def lane_runs(timeline: list[tuple[str | None, dict]]) -> Iterator[tuple[str | None, list[dict]]]:
    """Consecutive events of one lane (at most `_INGEST_CHUNK`), in time order."""
    run: list[dict] = []
    lane: str | None = None
    for event_lane, event in timeline:
        if run and (event_lane != lane or len(run) >= _INGEST_CHUNK):
            yield lane, run
            run = []
        lane = event_lane
        run.append(event)
    if run:
        yield lane, run


class _Progress:
    """Events committed and the rate, on stderr every couple of seconds."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.total, self.enabled = total, enabled
        self.started = self.shown = time.perf_counter()

    def show(self, done: int, *, final: bool = False) -> None:
        now = time.perf_counter()
        if not self.enabled or (not final and now - self.shown < 2.0):
            return
        self.shown = now
        rate = done / max(now - self.started, 1e-9)
        tail = "" if final or not done else f" · eta {(self.total - done) / rate:.0f} s"
        print(
            f"[mirror] {done:,}/{self.total:,} events · {rate:,.0f} events/s · "
            f"{now - self.started:.0f} s{tail}",
            file=sys.stderr,
            flush=True,
        )


def build_mirror(
    path: str | Path,
    *,
    sessions: int = 10_000,
    events: int = 1_000_000,
    big_session: int = 100_000,
    seed: int = 7,
    progress: bool = True,
    bulk_fts: bool = True,
) -> Manifest:
    """Generate a mirror at `path` (a new file, or an empty PostgreSQL schema's URL) through
    the store's real writer.

    `bulk_fts`: build the search index once at the end instead of event by event (see the
    module docstring; the index's contents are the same).

    Returns:
        The manifest (also written to `<path>.json`).

    Raises:
        FileExistsError: `path` already exists (a mirror is never generated into twice).
        ValueError: the sizes cannot be met.
    """
    from drover.store.location import is_postgres
    from drover.store.mirror import Mirror

    # A PostgreSQL URL (the plan tests seed a schema): its search index is written per event.
    postgres = isinstance(path, str) and is_postgres(path)
    bulk_fts = bulk_fts and not postgres
    if not postgres:
        path = Path(path)
        if path.exists():
            raise FileExistsError(f"{path} already exists; generate into a new file")
    total = sum(session_sizes(sessions, events, big_session, seed))  # validates first
    started, shown = time.perf_counter(), _Progress(total, progress)
    pending: deque[tuple[Future[Any], int]] = deque()
    in_flight = done = 0
    big_id = ""
    mirror = Mirror.open(path)
    try:
        if bulk_fts:
            _unhook_fts(path)
        submit = mirror.writer.submit
        fleet = Fleet(seed)
        submit("upsert_environments", fleet.environments).result()
        submit("upsert_agents", list(fleet.agents.values())).result()
        # Generation overlaps the writer (SQLite releases the GIL); committing is awaited only
        # to keep memory bounded.
        for generated in iter_sessions(sessions, events, big_session, seed):
            sid = generated.session["id"]
            big_id = big_id or (sid if big_session else "")
            pending.append((submit("upsert_sessions", [generated.session]), 0))
            if generated.threads:
                pending.append((submit("upsert_threads", generated.threads), 0))
            for lane, run in lane_runs(generated.timeline):
                pending.append((submit("ingest", sid, run, thread_id=lane), len(run)))
                in_flight += len(run)
            while pending and (in_flight > _IN_FLIGHT or pending[0][0].done()):
                future, count = pending.popleft()
                future.result()
                in_flight -= count
                done += count
                shown.show(done)
        for future, count in pending:
            future.result()
            done += count
    finally:
        mirror.close()
    shown.show(done, final=True)
    if bulk_fts:
        _index_once(path, progress)
    elapsed = round(time.perf_counter() - started, 1)
    manifest = Manifest(sessions, events, big_session, seed, big_id, GENERATOR_VERSION, elapsed)
    if not postgres:
        Path(f"{path}.json").write_text(json.dumps(asdict(manifest), indent=2) + "\n")
    return manifest


def _unhook_fts(path: Path) -> None:
    """Drop the triggers that index each event as it is stored (the writer is idle: nothing
    was submitted yet; its connection re-reads the schema on its next statement)."""
    conn = sqlite3.connect(path, isolation_level=None, timeout=30.0)
    try:
        for name in FTS_TRIGGERS:
            conn.execute(f"DROP TRIGGER IF EXISTS {name}")
    finally:
        conn.close()


def _index_once(path: Path, progress: bool) -> None:
    """Re-create the FTS triggers and build the index from every stored event, as the store
    repairs a mirror whose triggers went missing."""
    started = time.perf_counter()
    db = connect(path)
    try:
        restored = ensure_fts_triggers(db.conn)
    finally:
        db.conn.close()
    if sorted(restored) != sorted(FTS_TRIGGERS):
        raise RuntimeError(f"expected to restore every FTS trigger, restored {restored}")
    if progress:
        took = time.perf_counter() - started
        print(f"[mirror] search index built in {took:.0f} s", file=sys.stderr, flush=True)


def cached_mirror(
    *,
    sessions: int = 10_000,
    events: int = 1_000_000,
    big_session: int = 100_000,
    seed: int = 7,
    cache_dir: Path | None = None,
) -> tuple[Path, Manifest]:
    """A generated mirror kept between runs: built on first use, rebuilt when stale.

    Callers must not write into it (copy it first).

    Returns:
        (database path, manifest).
    """
    cache_dir = cache_dir or CACHE_DIR
    cache_dir.mkdir(parents=True, exist_ok=True)
    stem = f"mirror-s{sessions}-e{events}-b{big_session}-seed{seed}"
    path = cache_dir / f"{stem}-v{GENERATOR_VERSION}-schema{SCHEMA_VERSION}.db"
    meta = Path(f"{path}.json")
    if path.exists() and meta.exists():
        return path, Manifest(**json.loads(meta.read_text()))
    for stale in cache_dir.glob(f"{stem}-*"):  # older builds of this size, partial files
        stale.unlink()
    print(f"[mirror] building {path.name} (kept for later runs)", file=sys.stderr)
    partial = path.with_name(path.name + ".partial")
    manifest = build_mirror(
        partial, sessions=sessions, events=events, big_session=big_session, seed=seed
    )
    # Fold the WAL into the file, so that renaming the file moves everything.
    conn = sqlite3.connect(partial)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    if Path(f"{partial}-wal").exists():
        raise RuntimeError(f"{partial}-wal is still there after a checkpoint; not renaming")
    partial.rename(path)
    Path(f"{partial}.json").rename(meta)
    return path, manifest


def main(argv: list[str] | None = None) -> int:
    """Command line entry point (see the module docstring). Exit 2 on bad arguments."""
    parser = argparse.ArgumentParser(
        description="Generate a benchmark mirror (see benchmarks/mirror_gen.py)."
    )
    parser.add_argument("path", type=Path, help="the new mirror database file")
    parser.add_argument("--sessions", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument(
        "--big-session", type=int, default=100_000, help="events of the long session (0: none)"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--trigger-fts",
        action="store_true",
        help="index each event as it is stored, not once at the end (slower; same index)",
    )
    args = parser.parse_args(argv)
    try:
        manifest = build_mirror(
            args.path,
            sessions=args.sessions,
            events=args.events,
            big_session=args.big_session,
            seed=args.seed,
            bulk_fts=not args.trigger_fts,
        )
    except (FileExistsError, ValueError) as exc:
        print(f"mirror_gen: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(asdict(manifest)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
