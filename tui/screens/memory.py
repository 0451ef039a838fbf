"""`:memory` (`MemoryScreen`): browse memory stores, read-only — what agents remembered, and when
it changed.

Three levels, one table and a preview beside it: the stores (mirrored by sync), a store's
folders and memories (read live, one folder at a time), and one memory's versions (read live,
newest first, each with who wrote it: a session's agent through the mounted filesystem, an API
key, a person). Highlighting a version shows its content as of then; the current one is
marked. `enter` goes down, `backspace`/`escape` back up. Nothing here writes to a store.

Memories can hold thousands of entries of up to 100 kB, so they are never mirrored: offline,
the stores list but their contents cannot be read (the screen says why).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widgets import DataTable, Static

from drover.api.errors import DroverApiError
from drover.sync.engines import NotConnectedError
from drover.text.inert import inert, inert_line
from drover.tui.screens.base import DroverScreen
from drover.tui.session_control import describe
from drover.tui.widgets.drover_table import DroverTable
from drover.tui.widgets.key_bar import KeyBar

PREVIEW_CHARS = 20_000
"""Characters of a memory shown (the whole memory is at most 100 kB)."""
_COLUMNS = {
    "stores": ("STORE", "DESCRIPTION", "ID"),
    "folder": ("PATH", "SIZE", "UPDATED"),
    "versions": ("WHEN", "CHANGE", "BY", "SIZE", "VERSION"),
}


@dataclass(frozen=True)
class Place:
    """Where the browser is: a level, and the store, folder and memory it is in."""

    level: str = "stores"
    store_id: str | None = None
    store_name: str = ""
    prefix: str | None = None
    memory: dict[str, Any] | None = None


def actor(value: object) -> str:
    """Who made a memory version (`session sesn_…`, `api key …`, `user …`), inert."""
    if not isinstance(value, dict):
        return "-"
    kind = value.get("type")
    if kind == "session_actor":
        return f"session {inert_line(str(value.get('session_id', '?')))}"
    if kind == "api_actor":
        return f"api key {inert_line(str(value.get('api_key_id', '?')))}"
    if kind == "user_actor":
        return f"user {inert_line(str(value.get('user_id', '?')))}"
    return inert_line(str(kind or "-"))


def _size(value: object) -> str:
    return f"{value:,} B" if isinstance(value, int) else "-"


def _when(value: object) -> str:
    return str(value)[:19].replace("T", " ") if value else "-"


class MemoryScreen(DroverScreen):
    """Memory stores, a store's memories and a memory's versions (see the module docstring)."""

    DEFAULT_CSS = """
    MemoryScreen #title { height: 1; background: $panel; padding: 0 1; text-style: bold; }
    MemoryScreen #panes { height: 1fr; }
    MemoryScreen DataTable { width: 1fr; height: 1fr; }
    MemoryScreen #preview-box { width: 1fr; height: 1fr; border-left: solid $panel-lighten-2; }
    MemoryScreen #preview { padding: 0 1; }
    MemoryScreen #note { height: auto; padding: 0 1; color: $text-muted; }
    """
    BINDINGS = [  # noqa: RUF012
        Binding("enter", "open", "Open", id="memory.open"),
        Binding("escape,backspace", "up", "Up", id="memory.up"),
        Binding("r", "reload", "Reload", id="memory.reload"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.place = Place()
        self.items: list[dict[str, Any]] = []
        """What the rows show, in row order."""

    def compose(self) -> ComposeResult:
        yield Static(id="title")
        with Horizontal(id="panes"):
            table: DroverTable[Text] = DroverTable(cursor_type="row")
            yield table
            with VerticalScroll(id="preview-box"):
                yield Static(id="preview")
        yield Static(id="note")
        yield KeyBar()

    @property
    def table(self) -> DataTable[Text]:
        """The list."""
        return self.query_one(DataTable)

    def on_screen_resume(self) -> None:
        self.reload()

    def action_reload(self) -> None:
        """Read the level shown again."""
        self.reload()

    def reload(self) -> None:
        """Read the current level (stores from the mirror, the rest live)."""
        self._load(self.place)

    @work(exclusive=True, group="memory", exit_on_error=False)
    async def _load(self, place: Place) -> None:
        reader, engine = self.drover.reader, self.drover.engine
        if reader is None:
            return
        note = ""
        try:
            if place.level == "stores":
                items = await self.drover.reads.run(reader.memory_stores)
                note = "enter: a store's memories · backspace: up · read-only"
                if not items:
                    note = "No memory stores mirrored (sync reads them every few polls)."
            elif engine is None:
                return
            elif place.level == "folder":
                assert place.store_id is not None
                items = await engine.memories(place.store_id, place.prefix)
                note = "enter: a folder, or a memory's versions · backspace: up · read-only"
            else:
                assert place.store_id is not None and place.memory is not None
                items = await engine.memory_versions(place.store_id, str(place.memory["id"]))
                note = "↑/↓: each version's content · ● the current one · backspace: up"
        except (DroverApiError, NotConnectedError) as exc:
            self.notify(f"Memories not read: {describe(exc)}", severity="warning", timeout=10)
            return
        self.place, self.items = place, items
        self._show(note)

    def _show(self, note: str) -> None:
        place, table = self.place, self.table
        table.clear(columns=True)
        table.add_columns(*_COLUMNS[place.level])
        for item in self.items:
            table.add_row(*self._cells(item))
        title = "memory stores"
        if place.level != "stores":
            title += f" › {inert_line(place.store_name)} › {inert_line(place.prefix or '/')}"
        if place.level == "versions" and place.memory is not None:
            title += f" › {inert_line(str(place.memory.get('path', '')))} (versions)"
        self.query_one("#title", Static).update(Content(f"{title}  │ {self.app.sub_title}"))
        self.query_one("#note", Static).update(Content(note))
        self._preview(0 if self.items else None)

    def _cells(self, item: dict[str, Any]) -> list[Text]:
        level = self.place.level
        if level == "stores":
            return [Text(inert_line(str(item.get("name") or item.get("id")))),
                    Text(inert_line(str(item.get("description") or ""))[:60]),
                    Text(inert_line(str(item.get("id"))))]  # fmt: skip
        if level == "folder":
            if item.get("type") == "memory_prefix":
                return [Text(f"▸ {inert_line(str(item.get('path')))}", style="bold"),
                        Text(""), Text("")]  # fmt: skip
            return [Text(inert_line(str(item.get("path")))),
                    Text(_size(item.get("content_size_bytes")), justify="right"),
                    Text(_when(item.get("updated_at")))]  # fmt: skip
        current = (self.place.memory or {}).get("memory_version_id")
        mark = "● " if item.get("id") == current else "  "
        change = str(item.get("operation") or "-") + (
            " (redacted)" if item.get("redacted_at") else ""
        )
        return [Text(mark + _when(item.get("created_at"))), Text(inert_line(change)),
                Text(actor(item.get("created_by"))),
                Text(_size(item.get("content_size_bytes")), justify="right"),
                Text(inert_line(str(item.get("id"))))]  # fmt: skip

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._preview(event.cursor_row)

    def _preview(self, row: int | None) -> None:
        preview = self.query_one("#preview", Static)
        if row is None or not 0 <= row < len(self.items):
            preview.update("")
            return
        item = self.items[row]
        level = self.place.level
        if level == "stores":
            text = f"{item.get('name')}\n\n{item.get('description') or ''}\n\n{item.get('id')}"
        elif level == "folder" and item.get("type") == "memory_prefix":
            text = f"folder {item.get('path')}\n\nenter lists what is in it."
        elif level == "folder":
            text = (
                f"{item.get('path')}\n{_size(item.get('content_size_bytes'))} · updated "
                f"{_when(item.get('updated_at'))}\n\nenter shows its versions and their content."
            )
        elif item.get("redacted_at"):
            text = f"redacted {_when(item.get('redacted_at'))}: its content is gone."
        elif item.get("operation") == "deleted":
            text = f"deleted {_when(item.get('created_at'))} by {actor(item.get('created_by'))}"
        else:
            content = str(item.get("content") or "")
            cut = "\n… (cut)" if len(content) > PREVIEW_CHARS else ""
            text = (
                f"{item.get('path')} as of {_when(item.get('created_at'))}, "
                f"by {actor(item.get('created_by'))}\n\n{content[:PREVIEW_CHARS]}{cut}"
            )
        preview.update(Text(inert(text)))

    @on(DataTable.RowSelected)
    def action_open(self) -> None:
        """Go into the highlighted store, folder or memory."""
        row = self.table.cursor_row
        if not 0 <= row < len(self.items):
            return
        item, place = self.items[row], self.place
        if place.level == "stores":
            name = str(item.get("name") or item.get("id"))
            self._load(Place("folder", str(item.get("id")), name))
        elif place.level == "folder" and item.get("type") == "memory_prefix":
            self._load(Place("folder", place.store_id, place.store_name, str(item.get("path"))))
        elif place.level == "folder":
            self._load(Place("versions", place.store_id, place.store_name, place.prefix, item))

    def action_up(self) -> None:
        """Back up a level (from the stores: the screen before)."""
        place = self.place
        if place.level == "versions":
            self._load(Place("folder", place.store_id, place.store_name, place.prefix))
        elif place.level == "folder" and place.prefix:
            parent = place.prefix.rstrip("/").rsplit("/", 1)[0] + "/"
            prefix = None if parent == "/" else parent
            self._load(Place("folder", place.store_id, place.store_name, prefix))
        elif place.level == "folder":
            self._load(Place())
        else:
            self.app.action_command_line()
