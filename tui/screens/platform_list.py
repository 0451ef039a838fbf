"""`PlatformList`: the base of the `:deployments`, `:vaults` and `:rules` lists — a title line,
one table, the footer.

What they list is mirrored by sync's platform refresh (`drover.sync.platform`), which sends no
change notice of its own: a list re-reads the mirror whenever it is shown, on a mirror change
(at most every `REFRESH_SECONDS`), and on `r`, which also asks sync to read the platform again
now. Cells are `rich.text.Text` (never markup) made inert by the subclass.
"""

from __future__ import annotations

from collections.abc import Set
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.timer import Timer
from textual.widgets import DataTable, Static

from drover.tui.screens.base import DroverScreen
from drover.tui.widgets.drover_table import DroverTable
from drover.tui.widgets.key_bar import KeyBar

REFRESH_SECONDS = 2.0
"""Most one re-read per this many seconds while the mirror keeps changing."""


class PlatformList(DroverScreen):
    """A titled table of mirrored objects (subclasses fill it in `rows`)."""

    DEFAULT_CSS = """
    PlatformList #title { height: 1; background: $panel; padding: 0 1; text-style: bold; }
    PlatformList #note { height: auto; padding: 0 1; color: $text-muted; }
    PlatformList DataTable { height: 1fr; }
    """
    BINDINGS = [  # noqa: RUF012
        Binding("r", "reload", "Reload", id="platform.reload"),
    ]
    TITLE_TEXT = ""
    COLUMNS: tuple[str, ...] = ()

    def __init__(self) -> None:
        super().__init__()
        self.items: list[Any] = []
        """What the rows show, in row order."""
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Static(Content(self.TITLE_TEXT), id="title")
        table: DroverTable[Text] = DroverTable(cursor_type="row")
        table.add_columns(*self.COLUMNS)
        yield table
        yield Static(id="note")
        yield KeyBar()

    @property
    def table(self) -> DataTable[Text]:
        """The list."""
        return self.query_one(DataTable)

    def on_mount(self) -> None:
        self.drover.mirror_changed.subscribe(self, self._on_mirror_changed)

    def on_screen_resume(self) -> None:
        self.reload()

    def _on_mirror_changed(self, changed: Set[str]) -> None:
        if self.is_current and self._timer is None:
            self._timer = self.set_timer(REFRESH_SECONDS, self._due)

    def _due(self) -> None:
        self._timer = None
        self.reload()

    def action_reload(self) -> None:
        """Re-read the list, and ask sync to read the platform again now."""
        engine = self.drover.engine
        if engine is not None:
            engine.refresh_platform()
        self.reload()

    def reload(self) -> None:
        """Re-read the mirror."""
        self._load()

    def read(self) -> list[Any]:
        """The items (runs on the read pool)."""
        raise NotImplementedError

    def cells(self, item: Any) -> list[Text]:
        """One row's cells, inert."""
        raise NotImplementedError

    def count(self, items: list[Any]) -> str:
        """How many there are, for the title line."""
        return str(len(items))

    def note(self, items: list[Any]) -> str:
        """A line under the table (what the keys do, what is missing)."""
        return ""

    @work(exclusive=True, group="platform-list", exit_on_error=False)
    async def _load(self) -> None:
        if self.drover.reader is None:
            return
        items = await self.drover.reads.run(self.read)
        table = self.table
        cursor = table.cursor_row
        table.clear()
        self.items = items
        for item in items:
            table.add_row(*self.cells(item))
        if items:
            table.move_cursor(row=min(cursor, len(items) - 1))
        header = f"{self.TITLE_TEXT} · {self.count(items)}  │ {self.app.sub_title}"
        self.query_one("#title", Static).update(Content(header))
        self.query_one("#note", Static).update(Content(self.note(items)))

    def current(self) -> Any | None:
        """The highlighted item."""
        row = self.table.cursor_row
        return self.items[row] if 0 <= row < len(self.items) else None

    @on(DataTable.RowSelected)
    def _selected(self) -> None:
        self.action_open()

    def action_open(self) -> None:
        """Open the highlighted item (subclasses that can)."""
