"""`LaunchProgressScreen`: a running launch's bar, rate and ETA, over whatever you were doing.

It only shows: the launch runs in the App (`LaunchControl`), so `escape` hides the bar and the
launch carries on (`:launches` shows it again). `c` cancels after the creates in flight,
`enter` opens the launch's record.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import ProgressBar, Static

from drover.sync.launch_state import LaunchProgress
from drover.text.launches import progress_line

if TYPE_CHECKING:
    from drover.tui.app import DroverApp


class LaunchProgressScreen(ModalScreen[None]):
    """The progress of launch `launch_id`.

    Args:
        launch_id: the launch to show.
    """

    CSS_PATH = "launches.tcss"

    BINDINGS = [  # noqa: RUF012
        Binding("escape", "hide", "Hide (it keeps running)", id="launch_progress.hide"),
        Binding("c", "cancel_launch", "Cancel launch", id="launch_progress.cancel"),
        Binding("enter", "record", "Record", id="launch_progress.record"),
    ]

    def __init__(self, launch_id: str) -> None:
        super().__init__()
        self.launch_id = launch_id

    @property
    def drover(self) -> DroverApp:
        """The app, typed."""
        return cast("DroverApp", self.app)

    def compose(self) -> ComposeResult:
        with Vertical(id="box"):
            yield Static(Content(f"Launch {self.launch_id}"), id="heading")
            yield ProgressBar(total=None, show_eta=False, id="bar")
            yield Static(Content("starting…"), id="line")
            yield Static(
                Content("esc hides it (the launch keeps running) · c cancels · enter: its record"),
                id="keys",
            )

    def on_mount(self) -> None:
        self.drover.launches_changed.subscribe(self, self._changed)
        self._show(self.drover.launch_progress.get(self.launch_id))

    def _changed(self, launch_id: str) -> None:
        if launch_id == self.launch_id:
            self._show(self.drover.launch_progress.get(launch_id))

    def _show(self, progress: LaunchProgress | None) -> None:
        if progress is None:
            return
        bar = self.query_one(ProgressBar)
        bar.update(total=max(1, progress.total), progress=progress.settled)
        self.query_one("#line", Static).update(Content(progress_line(progress)))
        heading = f"Launch {self.launch_id} · {progress.state}"
        if progress.error:
            heading += f": {progress.error}"
        self.query_one("#heading", Static).update(Content(heading))

    def action_hide(self) -> None:
        """Close the view; the launch goes on."""
        self.dismiss(None)

    def action_cancel_launch(self) -> None:
        """Cancel the launch after the creates in flight."""
        self.drover.cancel_launch(self.launch_id)

    def action_record(self) -> None:
        """Open the launch's record instead."""
        from drover.tui.screens.launches import open_record

        self.dismiss(None)
        open_record(self.drover, self.launch_id)
