"""`SessionPicker`: a modal list of mirrored sessions, filtered as you type; returns an id.

It reads through the App's mirror reader (the fleet list's own query: same regex filter, same
needs-you-first order), so the picker and `:sessions` always agree on what matches.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from drover.store.fleet import FleetQuery
from drover.store.models import SessionRow
from drover.text import format as fmt
from drover.text.inert import inert_line

if TYPE_CHECKING:
    from drover.tui.app import DroverApp

SHOWN = 200
"""Most sessions listed (type to narrow the rest down)."""


def option_label(row: SessionRow) -> Content:
    """One inert line for a session: status, title, agent and id."""
    title = inert_line(row.title or "(untitled)")
    agent = inert_line(row.agent_name or "-")
    return Content(f"{fmt.status_label(row):<9} {title} · {agent} · {row.id}")


class SessionPicker(ModalScreen[str | None]):
    """Pick one session; dismisses with its id, or None when cancelled."""

    CSS_PATH = "session_picker.tcss"

    BINDINGS = [  # noqa: RUF012
        Binding("escape", "cancel", "Cancel", id="picker.cancel"),
        Binding("down", "move(1)", "Down", show=False, id="picker.down"),
        Binding("up", "move(-1)", "Up", show=False, id="picker.up"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="picker"):
            yield Static(Content("Follow which session?  (regex filter · enter picks)"), id="hint")
            yield Input(placeholder="filter: title, agent, status, id…", id="filter")
            yield OptionList(id="choices")

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        self._load("")

    @on(Input.Changed)
    def _filter(self, event: Input.Changed) -> None:
        self._load(event.value)

    @work(exclusive=True, group="picker", exit_on_error=False)
    async def _load(self, pattern: str) -> None:
        app = cast("DroverApp", self.app)
        reader = app.reader
        if reader is None:
            return
        try:
            ids = await app.reads.run(reader.fleet_ids, FleetQuery(pattern=pattern))
        except re.error:
            return  # half-typed regex: keep the last good list
        rows = await app.reads.run(reader.fleet_rows, ids[:SHOWN])
        choices = self.query_one(OptionList)
        choices.clear_options()
        choices.add_options([Option(option_label(rows[i]), id=i) for i in ids[:SHOWN] if i in rows])
        if choices.option_count:
            choices.highlighted = 0

    def action_move(self, step: int) -> None:
        """Move the highlight while typing in the filter."""
        choices = self.query_one(OptionList)
        if step > 0:
            choices.action_cursor_down()
        else:
            choices.action_cursor_up()

    @on(Input.Submitted)
    def _submit(self) -> None:
        choices = self.query_one(OptionList)
        if choices.highlighted is not None:
            self.dismiss(choices.get_option_at_index(choices.highlighted).id)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        """Close without choosing."""
        self.dismiss(None)
