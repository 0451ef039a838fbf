"""`:launches` (`LaunchesScreen`), and the ways into a launch: the dialog (`L`, `:launch`), its
progress, its record, and the fleet filtered by it.

`LaunchesScreen` lists the profile's launches, newest first: state (`interrupted` when the
mirror says running and no process runs it), sessions made, what became of them and their
spend. `enter` opens a launch's record (`LaunchRecordScreen`), `r` resumes it, `c` cancels it,
`f` shows its sessions in the fleet, `L` starts a new one.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import DataTable, Static

from drover.store.launches import LaunchRow
from drover.tui.screens.base import DroverScreen
from drover.tui.viewmodel.launch_rows import LAUNCH_COLUMNS, launch_cells, read_launches
from drover.tui.widgets.drover_table import DroverTable
from drover.tui.widgets.key_bar import KeyBar

if TYPE_CHECKING:
    from drover.tui.app import DroverApp


def open_launch_dialog(app: DroverApp) -> None:
    """`L`, `:launch`: ask for a launch; run it and show its progress (refused read-only)."""
    if app.readonly:
        app.refuse_readonly("launch")
        return
    _launch_dialog(app)


def _launch_dialog(app: DroverApp) -> None:
    async def ask() -> None:
        from drover.tui.screens.launch_dialog import LaunchDialog, LaunchRequest
        from drover.tui.screens.new_session import choices

        reader = app.reader
        if reader is None:
            return
        agents = choices(await app.reads.run(reader.agents))
        environments = choices(await app.reads.run(reader.environments))
        if not agents or not environments:
            missing = "agents" if not agents else "environments"
            app.notify(f"No {missing} mirrored yet; wait for sync.", severity="warning")
            return

        def launch(request: LaunchRequest | None) -> None:
            if request is None:
                return
            if request.save_as:
                app.save_template(request.save_as, request.template)
            app.start_launch(request.plan)
            show_progress(app, request.plan.id)

        app.push_screen(LaunchDialog(agents, environments, app.settings.templates), launch)

    app.run_worker(ask(), group="launch-dialog", exclusive=True, exit_on_error=False)


def show_progress(app: DroverApp, launch_id: str) -> None:
    """Show a launch's progress bar over the current screen."""
    from drover.tui.screens.launch_progress import LaunchProgressScreen

    app.push_screen(LaunchProgressScreen(launch_id))


def open_record(app: DroverApp, launch_id: str) -> None:
    """Open a launch's record: item → session → state, with its spend."""
    from drover.tui.screens.launch_record import LaunchRecordScreen

    app.push_screen(LaunchRecordScreen(launch_id))


def show_in_fleet(app: DroverApp, launch_id: str) -> None:
    """The fleet list, showing only this launch's sessions (`escape` shows them all again)."""
    from drover.tui.screens.fleet import FleetScreen

    async def show() -> None:
        if app.current_mode != "sessions":
            await app.switch_mode("sessions")
        while len(app.screen_stack) > 1 and not isinstance(app.screen, FleetScreen):
            await app.pop_screen()  # the record (and what it opened) over the list
        fleet = app.screen
        if isinstance(fleet, FleetScreen):
            fleet.query_state = replace(fleet.query_state, launch_id=launch_id)
            fleet.reload()

    app.run_worker(show(), group="show-in-fleet", exclusive=True, exit_on_error=False)


def launches_command(app: DroverApp, argument: str) -> None:
    """`:launches [LAUNCH_ID]`: the list, or one launch's record."""
    app.go("launches")
    if argument.strip():
        open_record(app, argument.strip())


class LaunchesScreen(DroverScreen):
    """The profile's launches (`:launches`)."""

    CSS_PATH = "launches.tcss"

    BINDINGS = [  # noqa: RUF012
        Binding("enter", "open", "Record", id="launches.open"),
        Binding("f", "fleet", "In the fleet", id="launches.fleet"),
        Binding("r", "resume", "Resume", id="launches.resume"),
        Binding("c", "cancel_launch", "Cancel", id="launches.cancel"),
        Binding("L", "launch", "Launch", id="launches.new"),
    ]
    MUTATING_ACTIONS = frozenset({"resume", "cancel_launch", "launch"})

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[LaunchRow] = []
        """The launches listed, in row order."""

    def compose(self) -> ComposeResult:
        yield Static(Content("launches"), id="title")
        table: DroverTable[Text] = DroverTable(cursor_type="row")
        table.add_columns(*LAUNCH_COLUMNS)
        yield table
        yield KeyBar()

    def on_mount(self) -> None:
        self.drover.mirror_changed.subscribe(self, lambda _ids: self._visible_reload())
        self.drover.launches_changed.subscribe(self, lambda _id: self._visible_reload())

    def on_screen_resume(self) -> None:
        self.reload()

    def _visible_reload(self) -> None:
        if self.is_current:
            self.reload()

    def reload(self) -> None:
        """Re-read the launches."""
        self._load()

    @work(exclusive=True, group="launches", exit_on_error=False)
    async def _load(self) -> None:
        app = self.drover
        reader = app.reader
        if reader is None:
            return
        running = app.running_launches()
        listing = await app.reads.run(read_launches, reader, app.launch_folder(), running)
        table = self.query_one(DataTable)
        cursor = table.cursor_row
        table.clear()
        self.rows = listing.launches
        now = app.now()
        for row in listing.launches:
            table.add_row(*(Text(c) for c in launch_cells(row, listing.live[row.id], now)))
        if self.rows:
            table.move_cursor(row=min(cursor, len(self.rows) - 1))
        note = app.sub_title
        title = f"launches · {len(self.rows)}  │ {note}" if self.rows else (
            f"launches · none yet: L launches a fleet from a template  │ {note}"
        )  # fmt: skip
        self.query_one("#title", Static).update(Content(title))

    def _current(self) -> LaunchRow | None:
        row = self.query_one(DataTable).cursor_row
        return self.rows[row] if 0 <= row < len(self.rows) else None

    @on(DataTable.RowSelected)
    def action_open(self) -> None:
        """Open the highlighted launch's record."""
        if (row := self._current()) is not None:
            open_record(self.drover, row.id)

    def action_fleet(self) -> None:
        """Show the highlighted launch's sessions in the fleet."""
        if (row := self._current()) is not None:
            show_in_fleet(self.drover, row.id)

    def action_resume(self) -> None:
        """Resume the highlighted launch, and show its progress."""
        if (row := self._current()) is None:
            return
        if row.state == "done" and not row.counts.get("failed"):
            self.notify(f"Launch {row.id} is done: nothing to resume.")
            return
        self.drover.resume_launch(row.id, retry_failed=row.state == "done")
        show_progress(self.drover, row.id)

    def action_cancel_launch(self) -> None:
        """Cancel the highlighted launch (after the creates in flight)."""
        if (row := self._current()) is not None:
            self.drover.cancel_launch(row.id)

    def action_launch(self) -> None:
        """Start a new launch."""
        open_launch_dialog(self.drover)
