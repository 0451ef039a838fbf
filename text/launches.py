"""Words and figures for launches, shared by `drover launch`/`launches` and the TUI.

Pure formatting of plain values (a launch's progress, an item's fields); item text is user
data and comes back inert.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from drover.text.format import duration
from drover.text.inert import inert_line

__all__ = [
    "OUTCOMES",
    "bar",
    "item_label",
    "launch_state",
    "outcome_summary",
    "progress_line",
]

OUTCOMES = ("queued", "creating", "created", "running", "needs you", "done", "failed")
"""An item's outcomes in the order a record counts them."""


def item_label(fields: Mapping[str, Any], width: int = 60) -> str:
    """An item as a person reads it: `{item}`, else its fields (`url=… repo=…`), else `#n`."""
    if "item" in fields:
        text = str(fields["item"])
    else:
        named = [(k, v) for k, v in fields.items() if k != "n"]
        text = " ".join(f"{k}={v}" for k, v in named) or f"#{fields.get('n', '?')}"
    line = inert_line(text)
    return line if len(line) <= width else line[: width - 1] + "…"


def bar(done: int, total: int, width: int = 30) -> str:
    """A text progress bar: `━━━━━━╺━━━━` style, `done` of `total`."""
    if total <= 0:
        return "━" * width
    filled = min(width, round(width * done / total))
    return "━" * filled + ("╺" if filled < width else "") + "─" * max(0, width - filled - 1)


def progress_line(progress: Any) -> str:
    """`120/300 created · 2 failed · 58/min of 60 · ETA 3m05s` for a `LaunchProgress`."""
    parts = [f"{progress.created}/{progress.total} created"]
    if progress.failed:
        parts.append(f"{progress.failed} failed")
    if progress.in_doubt:
        parts.append(f"{progress.in_doubt} checking")
    rate = progress.rate_per_minute
    limit = progress.limit_per_minute
    parts.append(f"{rate:.0f}/min of {limit:.0f}" if rate else f"limit {limit:.0f}/min")
    eta = progress.eta_seconds
    if progress.state == "running" and progress.remaining:
        parts.append(f"ETA {_clock(eta)}" if eta is not None else "ETA -")
    elif progress.state != "running":
        parts.append(f"{progress.state} in {_clock(progress.elapsed)}")
    return " · ".join(parts)


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    s = max(0, round(seconds))
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s" if s >= 60 else f"{s}s"
    return duration(s)


def launch_state(state: str, *, live: bool) -> str:
    """A launch's state as shown: a `running` launch no process runs was interrupted."""
    if state == "running" and not live:
        return "interrupted"
    return state


SUMMARY_ORDER = ("needs you", "running", "created", "done", "failed", "creating", "queued")
"""The order a launch's outcomes are told in: what wants you first."""


def outcome_summary(counts: Mapping[str, int], outcomes: Mapping[str, int]) -> str:
    """`3 needs you · 40 running · 250 done · 2 failed · 5 queued` (nothing: `-`)."""
    merged: dict[str, int] = dict(outcomes)
    merged["failed"] = merged.get("failed", 0) + counts.get("failed", 0)
    merged["queued"] = counts.get("queued", 0)
    merged["creating"] = counts.get("creating", 0)
    return " · ".join(f"{merged[o]} {o}" for o in SUMMARY_ORDER if merged.get(o)) or "-"
