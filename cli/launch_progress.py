"""How `drover launch` shows its progress: a live bar on a terminal (rate and ETA), a line
every few seconds into a pipe or file, JSON lines with ``--json``."""

from __future__ import annotations

import sys
import time
from typing import Any, Literal, TextIO

from drover.cli.common import emit_json

__all__ = ["LaunchReporter"]

Mode = Literal["tty", "plain", "json"]


def progress_json(progress: Any, event: str = "progress") -> dict[str, Any]:
    """One progress sample as JSON."""
    eta = progress.eta_seconds
    return {
        "event": event,
        "launch_id": progress.launch_id,
        "state": progress.state,
        "total": progress.total,
        "created": progress.created,
        "failed": progress.failed,
        "in_flight": progress.in_flight,
        "in_doubt": progress.in_doubt,
        "found_already_created": progress.found,
        "elapsed": round(progress.elapsed, 2),
        "rate_per_minute": round(progress.rate_per_minute, 2),
        "limit_per_minute": progress.limit_per_minute,
        "eta_seconds": None if eta is None else round(eta, 1),
        "error": progress.error,
    }


class LaunchReporter:
    """Receives `LaunchProgress` samples (`on_progress`) and renders them.

    Args:
        mode: ``tty``, ``plain`` or ``json``.
        interval: seconds between plain/JSON lines.
        out: where to write (stdout).
    """

    def __init__(self, mode: Mode, *, interval: float = 5.0, out: TextIO | None = None) -> None:
        self.mode = mode
        self.interval = interval
        self.out = out or sys.stdout
        self.last: Any = None
        self._printed_at = 0.0
        self._live: Any = None

    def __call__(self, progress: Any) -> None:
        self.last = progress
        if self.mode == "tty":
            self._render_live(progress)
            return
        now = time.monotonic()
        if now - self._printed_at < self.interval:
            return
        self._printed_at = now
        if self.mode == "json":
            emit_json(progress_json(progress))
        else:
            from drover.text.launches import progress_line

            print(f"launch {progress.launch_id}: {progress_line(progress)}", file=self.out,
                  flush=True)  # fmt: skip

    def _render_live(self, progress: Any) -> None:
        from rich.console import Console
        from rich.live import Live
        from rich.text import Text

        from drover.text.launches import bar, progress_line

        if self._live is None:
            console = Console(file=self.out, highlight=False)
            self._live = Live(console=console, refresh_per_second=4, transient=False)
            self._live.start()
        line = Text(f"{progress.launch_id}  ")
        line.append(bar(progress.settled, progress.total), style="green")
        line.append(f"  {progress_line(progress)}")
        self._live.update(line)

    def close(self) -> None:
        """Stop the live bar (its last frame stays on the terminal)."""
        if self._live is not None:
            self._live.stop()
            self._live = None
