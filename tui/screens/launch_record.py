"""`LaunchRecordScreen`: one launch, item by item — its session, what became of it, its spend.

Outcomes: queued, creating, failed (refused, or its session failed for good), running,
needs you, done. The record re-reads itself as the mirror changes and as the launch moves on
(a running launch shows its bar here too). `enter` opens an item's session, `f` shows the
launch's sessions in the fleet, `r` resumes it (refused items too, once it is done), `c`
cancels it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import DataTable, ProgressBar, Static

from drover.store.api import MirrorReads
from drover.store.launches import LaunchItemRow, LaunchRow
from drover.sync.launch_state import launch_holder
from drover.text.launches import progress_line
from drover.tui.screens.base import DroverScreen
from drover.tui.viewmodel.launch_rows import (
    ITEM_COLUMNS,
    OUTCOME_STYLE,
    item_cells,
    record_summary,
)
from drover.tui.widgets.drover_table import DroverTable
from drover.tui.widgets.key_bar import KeyBar


@dataclass(frozen=True, slots=True)
class _Record:
    launch: LaunchRow | None
    items: list[LaunchItemRow]
    live: bool


def _read(reader: MirrorReads, folder: Path, launch_id: str, here: bool) -> _Record:
    launch = reader.launch(launch_id)
    if launch is None:
        return _Record(None, [], False)
    live = here or launch_holder(folder, launch_id) is not None
    return _Record(launch, reader.launch_items(launch_id), live)


class LaunchRecordScreen(DroverScreen):
    """The record of launch `launch_id`.

    Args:
        launch_id: the launch.
    """

    CSS_PATH = "launches.tcss"

    BINDINGS = [  # noqa: RUF012
        Binding("enter", "open", "Open session", id="launch_record.open"),
        Binding("f", "fleet", "In the fleet", id="launch_record.fleet"),
        Binding("r", "resume", "Resume", id="launch_record.resume"),
        Binding("c", "cancel_launch", "Cancel", id="launch_record.cancel"),
        Binding("escape", "back", "Back", id="launch_record.back"),
    ]
    MUTATING_ACTIONS = frozenset({"resume", "cancel_launch"})

    def __init__(self, launch_id: str) -> None:
        super().__init__()
        self.launch_id = launch_id
        self.items: list[LaunchItemRow] = []
        """The items listed, in row order."""
        self.launch: LaunchRow | None = None

    def compose(self) -> ComposeResult:
        yield Static(Content(f"launch {self.launch_id}"), id="title")
        yield ProgressBar(total=None, show_eta=False, id="record-bar")
        yield Static("", id="record-line", markup=False)
        table: DroverTable[Text] = DroverTable(cursor_type="row")
        table.add_columns(*ITEM_COLUMNS)
        yield table
        yield KeyBar()

    def on_mount(self) -> None:
        self.drover.mirror_changed.subscribe(self, lambda _ids: self._visible_reload())
        self.drover.launches_changed.subscribe(self, self._launch_changed)
        self.query_one(DataTable).focus()
        self._show_progress()
        self.reload()

    def on_screen_resume(self) -> None:
        self.reload()

    def _launch_changed(self, launch_id: str) -> None:
        if launch_id == self.launch_id:
            self._show_progress()
            self._visible_reload()

    def _visible_reload(self) -> None:
        if self.is_current:
            self.reload()

    def _show_progress(self) -> None:
        progress = self.drover.launch_progress.get(self.launch_id)
        running = progress is not None and progress.state == "running"
        bar = self.query_one("#record-bar", ProgressBar)
        line = self.query_one("#record-line", Static)
        bar.set_class(not running, "-hidden")
        line.set_class(not running, "-hidden")
        if progress is not None and running:
            bar.update(total=max(1, progress.total), progress=progress.settled)
            line.update(Content(progress_line(progress)))

    def reload(self) -> None:
        """Re-read the launch and its items."""
        self._load()

    @work(exclusive=True, group="launch-record", exit_on_error=False)
    async def _load(self) -> None:
        app = self.drover
        reader = app.reader
        if reader is None:
            return
        here = app.launch_running(self.launch_id)
        record = await app.reads.run(_read, reader, app.launch_folder(), self.launch_id, here)
        title = self.query_one("#title", Static)
        if record.launch is None:
            title.update(Content(f"no launch {self.launch_id} in this mirror"))
            return
        self.launch, self.items = record.launch, record.items
        title.update(Content(record_summary(record.launch, record.live)))
        table = self.query_one(DataTable)
        cursor = table.cursor_row
        table.clear()
        for item in record.items:
            cells = [Text(c) for c in item_cells(item)]
            style = OUTCOME_STYLE.get(item.outcome)
            if style is not None:
                cells[3].stylize(self.app.theme_variables.get(style, ""))
            table.add_row(*cells)
        if self.items:
            table.move_cursor(row=min(cursor, len(self.items) - 1))

    def _current(self) -> LaunchItemRow | None:
        row = self.query_one(DataTable).cursor_row
        return self.items[row] if 0 <= row < len(self.items) else None

    @on(DataTable.RowSelected)
    def action_open(self) -> None:
        """Open the highlighted item's session."""
        item = self._current()
        if item is None or item.session_id is None:
            self.notify("This item has no session yet.", severity="warning")
            return
        self.drover.open_session(item.session_id)

    def action_fleet(self) -> None:
        """Show this launch's sessions in the fleet."""
        from drover.tui.screens.launches import show_in_fleet

        show_in_fleet(self.drover, self.launch_id)

    def action_resume(self) -> None:
        """Resume the launch (its refused items too, once it is done) and show its progress."""
        from drover.tui.screens.launches import show_progress

        done = self.launch is not None and self.launch.state == "done"
        if done and self.launch is not None and not self.launch.counts.get("failed"):
            self.notify(f"Launch {self.launch_id} is done: nothing to resume.")
            return
        self.drover.resume_launch(self.launch_id, retry_failed=done)
        show_progress(self.drover, self.launch_id)

    def action_cancel_launch(self) -> None:
        """Cancel the launch after the creates in flight."""
        self.drover.cancel_launch(self.launch_id)

    def action_back(self) -> None:
        """Back to where you came from."""
        self.dismiss()
