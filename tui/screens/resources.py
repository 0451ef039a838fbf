"""`ResourceScreen`: the `:agents` and `:envs` lists (a few rows; a DataTable is fine here).

`enter` opens `ResourceDetailScreen` on the highlighted object. The poller mirrors agents and
environments (raw JSON) on its catalog refreshes, which send no change notice; the list
re-reads them whenever it is shown, and on `r`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import DataTable, Static

from drover.text.inert import inert_line
from drover.tui.screens.base import DroverScreen
from drover.tui.screens.resource_detail import ResourceDetailScreen
from drover.tui.viewmodel.resource_details import (
    model_summary,
    network_summary,
    package_count,
    tool_rows,
)
from drover.tui.widgets.drover_table import DroverTable
from drover.tui.widgets.key_bar import KeyBar

Cell = Callable[[Mapping[str, Any]], str]


def _field(name: str) -> Cell:
    return lambda obj: str(obj.get(name) or "-")


def _asks(agent: Mapping[str, Any]) -> str:
    """How many tools (or toolset defaults) wait for approval."""
    return str(sum(1 for _, value in tool_rows(agent) if "always_ask" in value))


_COLUMNS: dict[str, tuple[tuple[str, Cell], ...]] = {
    "agents": (
        ("NAME", _field("name")),
        ("MODEL", lambda a: model_summary(a)[0]),
        ("VERSION", _field("version")),
        ("TOOLSETS", lambda a: str(len(a.get("tools") or []))),
        ("ASK", _asks),
        ("ID", _field("id")),
    ),
    "environments": (
        ("NAME", _field("name")),
        ("NETWORK", network_summary),
        ("PACKAGES", lambda e: str(package_count(e))),
        ("CREATED", lambda e: str(e.get("created_at") or "-")[:16].replace("T", " ")),
        ("ID", _field("id")),
    ),
}


class ResourceScreen(DroverScreen):
    """Lists mirrored agents or environments.

    Args:
        kind: `agents` or `environments`.
    """

    DEFAULT_CSS = """
    ResourceScreen #title { height: 1; background: $panel; padding: 0 1; text-style: bold; }
    ResourceScreen DataTable { height: 1fr; }
    """
    BINDINGS = [  # noqa: RUF012
        Binding("enter", "open", "Details", id="resources.open"),
        Binding("r", "reload", "Reload", id="resources.reload"),
    ]

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind
        self.objects: list[dict[str, Any]] = []
        """The objects listed, in row order."""

    def compose(self) -> ComposeResult:
        yield Static(Content(self.kind), id="title")
        table: DroverTable[Text] = DroverTable(cursor_type="row")
        table.add_columns(*(label for label, _ in _COLUMNS[self.kind]))
        yield table
        yield KeyBar()

    def on_screen_resume(self) -> None:
        self.reload()

    def action_reload(self) -> None:
        """Re-read the list."""
        self.reload()

    def reload(self) -> None:
        """Re-read the objects from the mirror."""
        self._load()

    @work(exclusive=True, exit_on_error=False)
    async def _load(self) -> None:
        reader = self.drover.reader
        if reader is None:
            return
        fetch = reader.agents if self.kind == "agents" else reader.environments
        objects = await self.drover.reads.run(fetch)
        table = self.query_one(DataTable)
        cursor = table.cursor_row
        table.clear()
        self.objects = objects
        for obj in objects:
            # Text(...) never parses markup; inert_line neutralises control characters. (Content
            # cells were measured at the header's width, cutting every column to 4-5 cells.)
            table.add_row(*(Text(inert_line(cell(obj))) for _, cell in _COLUMNS[self.kind]))
        if objects:
            table.move_cursor(row=min(cursor, len(objects) - 1))
        note = self.app.sub_title  # the profile, offline / read-only and why
        self.query_one("#title", Static).update(Content(f"{self.kind} · {len(objects)}  │ {note}"))

    @on(DataTable.RowSelected)
    def action_open(self) -> None:
        """Show the highlighted object's details."""
        row = self.query_one(DataTable).cursor_row
        if 0 <= row < len(self.objects):
            self.app.push_screen(ResourceDetailScreen(self.kind, self.objects[row]))
