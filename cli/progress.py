"""Progress of a headless sync: events mirrored per session and in total, and the rate.

Counts come from the mirror (``SessionRow.event_count``, one query per sample), so what is
shown is what is committed. Three renderings: a live table on a terminal (rich, loaded only
then), a plain line per interval when stdout is a pipe or file, and JSON lines (``--json``).

Events the mirror could not take because their ids are already stored for another session
(``SessionRow.id_collisions``, see ``drover.store.collisions``) are reported as they appear: a
warning on stderr (after the live table on a terminal), an ``id_collision`` JSON line.
"""

from __future__ import annotations

import logging
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal, TextIO

from drover.cli.common import emit_json

__all__ = ["Snapshot", "SyncProgress"]

log = logging.getLogger("drover.cli.sync")

Mode = Literal["tty", "plain", "json"]
_TOP = 12  # sessions listed in the live table


@dataclass
class Snapshot:
    """One sample of the mirror.

    Attributes:
        at: monotonic time of the sample.
        counts: events stored per session.
        status: server status per session.
        titles: title per session (agent text: rendered inertly).
        connections: connection state name -> how many followed sessions are in it.
        collisions: events kept out of the mirror (ids stored for another session), per
            session that has any.
    """

    at: float
    counts: dict[str, int]
    status: dict[str, str | None] = field(default_factory=dict)
    titles: dict[str, str | None] = field(default_factory=dict)
    connections: Counter[str] = field(default_factory=Counter)
    collisions: dict[str, int] = field(default_factory=dict)


class SyncProgress:
    """Samples the mirror and renders progress.

    Args:
        mode: ``tty``, ``plain`` or ``json``.
        interval: seconds between plain/JSON lines (the live table refreshes on each tick).
        out: where to write (stdout).
    """

    def __init__(self, mode: Mode, *, interval: float = 2.0, out: TextIO | None = None) -> None:
        self.mode = mode
        self.interval = interval
        self.out = out or sys.stdout
        self.started = time.monotonic()
        self.baseline: dict[str, int] | None = None
        self.last: Snapshot | None = None
        self._printed: dict[str, int] = {}
        self._printed_at = self.started
        self._live: Any = None
        self._collisions: dict[str, int] | None = None  # as last reported
        self._baseline_collisions: dict[str, int] = {}  # from earlier runs
        self._pending_warnings: list[str] = []  # held back while the live table runs

    # -- sampling ----------------------------------------------------------------------------

    def sample(self, reader: Any, board: Any = None) -> Snapshot:
        """Read counts from the mirror (and connection states from the engine's board)."""
        rows = reader.sessions(limit=100_000, include_archived=True)
        snap = Snapshot(
            at=time.monotonic(),
            counts={r.id: r.event_count for r in rows},
            status={r.id: r.status for r in rows},
            titles={r.id: r.title for r in rows},
            collisions={r.id: r.id_collisions for r in rows if r.id_collisions},
        )
        if board is not None:
            snap.connections = Counter(s.state for s in board.snapshot().values())
        if self.baseline is None:
            self.baseline = dict(snap.counts)
            self._printed = dict(snap.counts)
            self._baseline_collisions = dict(snap.collisions)
            self._collisions = dict(snap.collisions)
        self.last = snap
        return snap

    def mirrored(self, snap: Snapshot | None = None) -> dict[str, int]:
        """Events mirrored during this run, per session (sessions with none left out)."""
        snap = snap or self.last
        if snap is None or self.baseline is None:
            return {}
        out = {sid: n - self.baseline.get(sid, 0) for sid, n in snap.counts.items()}
        return {sid: n for sid, n in out.items() if n > 0}

    def totals(self) -> tuple[int, float, float]:
        """(events mirrored this run, seconds elapsed, events per second)."""
        total = sum(self.mirrored().values())
        elapsed = max(1e-6, (self.last.at if self.last else time.monotonic()) - self.started)
        return total, elapsed, total / elapsed

    # -- rendering ---------------------------------------------------------------------------

    def tick(self, reader: Any, board: Any = None) -> None:
        """Sample and render (a line only every ``interval`` outside a terminal)."""
        snap = self.sample(reader, board)
        self._report_collisions(reader, snap)
        if self.mode == "tty":
            self._render_live(snap)
            return
        if snap.at - self._printed_at < self.interval or snap.counts == self._printed:
            return
        changed = {
            sid: n - self._printed.get(sid, 0)
            for sid, n in snap.counts.items()
            if n != self._printed.get(sid, 0)
        }
        self._printed, self._printed_at = dict(snap.counts), snap.at
        total, elapsed, rate = self.totals()
        if self.mode == "json":
            emit_json(
                {
                    "event": "progress",
                    "elapsed": round(elapsed, 2),
                    "total": total,
                    "rate": round(rate, 1),
                    "sessions": self.mirrored(snap),
                    "connections": dict(snap.connections),
                }
            )
            return
        for sid, delta in sorted(changed.items()):
            print(f"  {sid}  +{delta} events ({snap.counts[sid]} mirrored)", file=self.out)
        print(
            f"sync: {total} events mirrored in {elapsed:.1f} s ({rate:.0f}/s), {_states(snap)}",
            file=self.out,
            flush=True,
        )

    def collided(self) -> dict[str, int]:
        """Events kept out of the mirror during this run (ids stored for another session)."""
        snap, base = self.last, self._baseline_collisions
        if snap is None:
            return {}
        out = {sid: n - base.get(sid, 0) for sid, n in snap.collisions.items()}
        return {sid: n for sid, n in out.items() if n > 0}

    def _report_collisions(self, reader: Any, snap: Snapshot) -> None:
        """Warn about sessions whose count of colliding ids grew since the last report."""
        reported = self._collisions or {}
        for sid, count in sorted(snap.collisions.items()):
            new = count - reported.get(sid, 0)
            if new <= 0:
                continue
            others = sorted({c.stored_session_id for c in reader.id_collisions(sid)})
            if self.mode == "json":
                emit_json(
                    {"event": "id_collision", "session_id": sid, "new": new, "total": count,
                     "stored_for": others}
                )  # fmt: skip
                continue
            warning = (
                f"drover: warning: {sid}: {new} event(s) not mirrored: their ids are already "
                f"stored for {', '.join(others) or 'another session'} (a server reissuing event "
                "ids?); kept aside in the mirror, not in the transcript"
            )
            if self._live is not None:
                self._pending_warnings.append(warning)
            else:
                print(warning, file=sys.stderr, flush=True)
        self._collisions = dict(snap.collisions)

    def _render_live(self, snap: Snapshot) -> None:
        from rich.console import Console
        from rich.live import Live

        if self._live is None:
            console = Console(file=self.out, highlight=False)
            self._live = Live(console=console, refresh_per_second=4, transient=False)
            self._live.start()
        self._live.update(self._table(snap))

    def _table(self, snap: Snapshot) -> Any:
        from rich.table import Table
        from rich.text import Text

        from drover.text.inert import inert_line

        total, elapsed, rate = self.totals()
        table = Table(
            box=None,
            pad_edge=False,
            title_justify="left",
            title=Text(
                f"sync: {total} events mirrored in {elapsed:.1f} s ({rate:.0f}/s) · {_states(snap)}"
            ),
        )
        # Fixed columns keep their width; only the title gives way on a narrow terminal.
        for name, width in (("session", 29), ("status", 12), ("events", 6), ("this run", 8)):
            table.add_column(
                name, justify="left" if width > 8 else "right", no_wrap=True, min_width=width
            )
        table.add_column("title", no_wrap=True, overflow="ellipsis", ratio=1)
        mirrored = self.mirrored(snap)
        for sid in sorted(mirrored, key=mirrored.__getitem__, reverse=True)[:_TOP]:
            # Text objects, never markup: titles are agent/user data.
            table.add_row(
                Text(sid),
                Text(inert_line(snap.status.get(sid) or "?")),
                Text(str(snap.counts[sid])),
                Text(f"+{mirrored[sid]}"),
                Text(inert_line(snap.titles.get(sid) or "")[:48]),
            )
        return table

    def finish(self, summary: str, **fields: Any) -> None:
        """Stop the live display and print the final summary (a JSON line with --json)."""
        if self._live is not None:
            self._live.stop()
            self._live = None
        for warning in self._pending_warnings:
            print(warning, file=sys.stderr, flush=True)
        self._pending_warnings.clear()
        collided = self.collided()
        if collided:
            fields.setdefault("id_collisions", collided)
        total, elapsed, rate = self.totals()
        log.info(
            "%s: %d events in %.1f s over %d sessions",
            summary,
            total,
            elapsed,
            len(self.mirrored()),
        )
        if self.mode == "json":
            emit_json(
                {
                    "event": "done",
                    "summary": summary,
                    "total": total,
                    "elapsed": round(elapsed, 2),
                    "sessions": self.mirrored(),
                    **fields,
                }
            )
        else:
            print(
                f"{summary}: {total} events mirrored in {elapsed:.1f} s ({rate:.0f}/s)",
                file=self.out,
                flush=True,
            )
            if collided:
                print(
                    f"drover: warning: {sum(collided.values())} event(s) of "
                    f"{len(collided)} session(s) not mirrored: ids already stored for other "
                    "sessions (see the warnings above)",
                    file=sys.stderr,
                    flush=True,
                )


def _states(snap: Snapshot) -> str:
    followed = sum(snap.connections.values())
    if not followed:
        return f"{len(snap.counts)} sessions in the mirror"
    parts = [f"{n} {state}" for state, n in sorted(snap.connections.items())]
    return f"{followed} followed ({', '.join(parts)})"
