"""The text of each fleet column for one session (pure: no Textual, no I/O).

Every string from the mirror goes through `drover.text.inert`, so agent-made titles and
reasons can never carry escape sequences or markup into the list.
"""

from __future__ import annotations

from datetime import datetime

from drover.store.models import SessionRow
from drover.sync.connection import ConnectionState
from drover.text import format as fmt
from drover.text.inert import inert_line
from drover.text.steer import outcome_cell
from drover.tui.viewmodel.connection_text import connection_label


def fleet_cells(
    row: SessionRow,
    now: datetime,
    connection: ConnectionState | None,
    *,
    flags: str = "",
    can_act: bool = True,
) -> dict[str, str]:
    """Column key → cell text (see `drover.tui.widgets.fleet_layout.COLUMNS`).

    Args:
        row: the session.
        now: the injected clock's time (ages, waiting since).
        connection: sync's latest connection state for the session.
        flags: mark/mute glyphs shown before the title.
        can_act: False read-only: the needs-you reason describes instead of asking.
    """
    return {
        "status": "archived" if row.archived_at else fmt.status_label(row),
        "title": flags + inert_line(row.title or row.id),
        "agent": inert_line(row.agent_name or "-"),
        # Every model id starts with "claude-"; the column shows what tells them apart.
        "model": inert_line(row.model_id or "-").removeprefix("claude-"),
        "age": fmt.age(row.created_at, now),
        "active": fmt.duration(row.active_seconds),
        "tokens": fmt.tokens(fmt.total_tokens(row)),
        "cost": fmt.money(row.list_cost_cents),
        "conn": connection_label(connection),
        "outcome": outcome_cell(row.outcome),
        "waiting": fmt.age(row.needs_since, now) if row.needs_you and row.needs_since else "",
        "reason": fmt.needs_reason(row, can_act=can_act),
    }
