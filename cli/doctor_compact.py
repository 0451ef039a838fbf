"""``drover doctor --compact [--vacuum]``: rows stored as plain JSON rewritten deflated.

The work is `drover.store.compact`'s, in short batches (a sync or TUI on the same profile keeps
writing between them); this shows its progress on stderr when that is a terminal and ends with
one line, or one JSON document with ``--json``. Interrupted, it keeps what is done: running it
again continues.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from drover.cli.common import Context, emit_json

CONTINUE_HINT = "hint: what was compacted is kept: `drover doctor --compact` continues from there"


class _Meter:
    """One self-overwriting line on stderr: table, rows done of its plain rows, rate."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.drawn = False

    def __call__(self, table: str, done: int, plain: int) -> None:
        rate = done / max(time.monotonic() - self.started, 1e-3)
        share = f" ({100 * done // plain}%)" if plain else ""
        sys.stderr.write(f"\rcompacting {table}: {done:,} of {plain:,}{share}, {rate:,.0f} rows/s ")
        sys.stderr.flush()
        self.drawn = True
        if done >= plain:  # the next table starts its own count
            self.started = time.monotonic()

    def clear(self) -> None:
        if self.drawn:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()


def run_compact(ctx: Context, check: Any, found: dict[str, Any]) -> int:
    """Compact the healthy mirror `check` describes, then VACUUM if asked (`found`: the
    check's JSON fields, which the ``--json`` document starts with)."""
    from drover.store.compact import compact, vacuum
    from drover.store.migrations import connect, migrate

    quiet = ctx.args.json
    meter = _Meter() if not quiet and sys.stderr.isatty() else None
    db = connect(check.path)
    try:
        migrate(db)  # a mirror older than v14: an older drover must refuse it from now on
        try:
            result = compact(
                db.conn, progress=meter, plain=(check.plain_events, check.plain_sessions)
            )
        except KeyboardInterrupt:  # the batch under way rolled back; the ones before are kept
            print(f"  {CONTINUE_HINT}", file=sys.stderr)
            raise
        finally:
            if meter is not None:
                meter.clear()
        rows = result.events + result.sessions
        rate = rows / result.seconds if result.seconds else 0.0
        if not quiet:
            print(
                f"compacted {result.events:,} events and {result.sessions:,} sessions "
                f"in {result.seconds:.1f} s ({rate:,.0f} rows/s)",
                flush=True,
            )
        vacuumed = None
        if ctx.args.vacuum:
            if not quiet:
                print(
                    f"vacuuming {check.size / 1e6:.0f} MB (rewrites the whole file, needing as "
                    "much free disk again; other drover processes wait)…",
                    flush=True,
                )
            vacuumed = vacuum(db.conn)
    finally:
        db.conn.close()
    size = check.path.stat().st_size
    if not quiet and vacuumed is not None:
        print(f"vacuumed in {vacuumed:.1f} s: {check.size / 1e6:.1f} MB → {size / 1e6:.1f} MB")
    if quiet:
        emit_json({
            **found, "compacted_events": result.events,
            "compacted_sessions": result.sessions, "seconds": round(result.seconds, 3),
            "rows_per_second": round(rate), "vacuum_seconds": vacuumed,
            "bytes_after": size,
        })  # fmt: skip
    return 0
