"""The cells of `:launches` and of a launch's record (pure: no Textual, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from drover.store.api import MirrorReads
from drover.store.launches import LaunchItemRow, LaunchRow
from drover.sync.launch_state import launch_holder
from drover.text.format import age, money
from drover.text.inert import inert_line
from drover.text.launches import item_label, launch_state, outcome_summary

LAUNCH_COLUMNS = ("LAUNCH", "STATE", "SESSIONS", "COST", "AGE", "FROM", "OUTCOMES")
ITEM_COLUMNS = ("#", "ITEM", "SESSION", "STATE", "COST", "NOTE")

OUTCOME_STYLE = {
    "running": "session-running",
    "needs you": "session-needs-you",
    "failed": "session-error",
    "done": "session-idle",
}
"""The theme variable colouring each item outcome (others stay plain)."""


@dataclass(frozen=True, slots=True)
class LaunchListing:
    """What `:launches` shows: the launches, and which a live process runs."""

    launches: list[LaunchRow]
    live: dict[str, bool]


def read_launches(reader: MirrorReads, folder: Path, running_here: set[str]) -> LaunchListing:
    """The launches and their liveness (blocking: run it in the read pool)."""
    launches = reader.launches()
    live = {
        row.id: row.id in running_here or launch_holder(folder, row.id) is not None
        for row in launches
    }
    return LaunchListing(launches, live)


def launch_cells(row: LaunchRow, live: bool, now: datetime) -> tuple[str, ...]:
    """One row of `:launches`, in `LAUNCH_COLUMNS` order."""
    return (
        row.id,
        launch_state(row.state, live=live),
        f"{row.counts.get('created', 0)}/{row.total}",
        money(row.cost_cents),
        age(row.created_at, now),
        inert_line(row.name or row.source or ""),
        outcome_summary(row.counts, row.outcomes),
    )


def item_cells(item: LaunchItemRow) -> tuple[str, ...]:
    """One row of a launch's record, in `ITEM_COLUMNS` order."""
    return (
        str(item.idx + 1),
        item_label(item.item, 48),
        item.session_id or "-",
        item.outcome,
        money(item.list_cost_cents) if item.session_id else "-",
        inert_line(item.error or item.title or ""),
    )


def record_summary(row: LaunchRow, live: bool) -> str:
    """The record's headline: id, state, sessions made, outcomes and spend."""
    state = launch_state(row.state, live=live)
    made = f"{row.counts.get('created', 0)}/{row.total} sessions"
    summary = outcome_summary(row.counts, row.outcomes)
    source = inert_line(row.name or row.source or "")
    head = f"launch {row.id} · {state} · {made} · {money(row.cost_cents)} · {summary}"
    return head + (f" · from {source}" if source else "")
