"""Cost ledger text shared by `drover cost` and the TUI's cost screen (pure, no I/O).

The definitions of each figure live here once, so the CLI legend, the TUI legend and the
JSON output can never disagree.
"""

from __future__ import annotations

from drover.store.models import RUNTIME_CENTS_PER_HOUR, WARN_PERCENT, BudgetState, LedgerRow
from drover.text.format import money, tokens
from drover.text.inert import inert_line

LEGEND: tuple[tuple[str, str], ...] = (
    ("list cost", "the server's list-price cost (usage.list_cost), runtime included"),
    ("input", "uncached input tokens"),
    ("cache read", "input tokens served from the prompt cache (~0.1x the input price)"),
    ("cache write", "input tokens written to the prompt cache (1.25x input; 2x for 1 h)"),
    ("output", "tokens the model generated"),
    (
        "runtime",
        f"time with a thread running, ${RUNTIME_CENTS_PER_HOUR / 100:.2f}/h (in the list cost)",
    ),
    ("requests", "model requests mirrored (span.model_request_end), failed ones included"),
    ("days", "UTC; a day's cost is each session's cost growth that day, its tokens its requests'"),
)
"""(figure, definition) pairs, in the order tables show the figures."""

DIMENSION_TITLES = {
    "session": "SESSION",
    "agent": "AGENT",
    "environment": "ENVIRONMENT",
    "model": "MODEL",
    "day": "DAY",
    "deployment": "DEPLOYMENT",
}
UNKNOWN = "(unknown)"


def hours(seconds: float) -> str:
    """Runtime as hours with two decimals (`0.25 h`)."""
    return f"{seconds / 3600:.2f} h"


def runtime(row: LedgerRow) -> str:
    """Runtime hours and their cost (`1.50 h · $0.12`)."""
    return f"{hours(row.active_seconds)} · {money(row.runtime_cents)}"


def name(row: LedgerRow) -> str:
    """The row's label (a title, an agent or environment name) as one inert line."""
    return inert_line(row.label) if row.label else ""


def key(row: LedgerRow) -> str:
    """The row's key (an id, a model or a day) as one inert line, `(unknown)` when missing."""
    return inert_line(row.key) if row.key else UNKNOWN


def token_cells(row: LedgerRow) -> tuple[str, str, str, str]:
    """(input, cache read, cache write, output), compact (`12.3k`)."""
    return (
        tokens(row.input_tokens),
        tokens(row.cache_read_tokens),
        tokens(row.cache_write_tokens),
        tokens(row.output_tokens),
    )


def budget_text(state: BudgetState) -> str:
    """One inert line: what the budget covers, spent of cap, percentage and level."""
    if state.scope == "session":
        title = f' "{inert_line(state.label)}"' if state.label else ""
        what = f"session {inert_line(state.key or '')}{title} budget"
    else:
        what = f"{state.scope} budget" + (f" for {inert_line(state.key)}" if state.key else "")
    level = {"reached": "REACHED", "warning": f"warning (>= {WARN_PERCENT}%)"}.get(
        state.level, "ok"
    )
    return (
        f"{what}: {money(state.spent_cents)} of {money(state.cap_cents)} "
        f"({state.percent:.0f}%) — {level}"
    )
