"""`ViewerScreen`: one event shown whole — its raw JSON or its full text content.

This is where a 10 MB tool result can be read in full: the text goes into a read-only
`TextArea`, which renders only the visible lines. A tool call shows its full input and its
result's full output (`drover.tui.viewmodel.event_text`). Loading happens in a worker.
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, cast

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static, TextArea

from drover.text.inert import inert
from drover.tui.viewmodel.event_text import whole_text

if TYPE_CHECKING:
    from drover.tui.app import DroverApp


class ViewerScreen(ModalScreen[None]):
    """Show one event.

    Args:
        event_id: the event to load from the mirror.
        raw: True for the raw JSON, False for the text content.
    """

    DEFAULT_CSS = """
    ViewerScreen { align: center middle; }
    ViewerScreen > Vertical {
        width: 95%; height: 90%; background: $surface; border: thick $primary;
    }
    ViewerScreen #what { height: 1; background: $panel; padding: 0 1; }
    ViewerScreen TextArea { height: 1fr; border: none; }
    """

    BINDINGS = [Binding("escape,q", "dismiss", "Close", id="viewer.dismiss")]  # noqa: RUF012

    def __init__(self, event_id: str, *, raw: bool) -> None:
        super().__init__()
        self.event_id = event_id
        self.raw = raw

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content(f"loading {self.event_id}…"), id="what")
            yield TextArea(read_only=True, soft_wrap=False, show_line_numbers=True)

    def on_mount(self) -> None:
        self._load()

    @work(exclusive=True, exit_on_error=False)
    async def _load(self) -> None:
        app = cast("DroverApp", self.app)
        reader = app.reader
        if reader is None:
            return
        row = await app.reads.run(reader.event_by_id, self.event_id)
        if row is None:
            self.query_one("#what", Static).update(Content(f"{self.event_id}: not in the mirror"))
            return
        if self.raw:
            text = json.dumps(row.event, indent=2, ensure_ascii=False)
            text = await asyncio.to_thread(inert, text)
        else:
            text = await app.reads.run(whole_text, reader, row)
        kind = "raw JSON" if self.raw else "full text"
        self.query_one("#what", Static).update(
            Content(f"{row.type} · {row.id} · {kind} · {len(text):,} characters · esc closes")
        )
        area = self.query_one(TextArea)
        area.load_text(text)
        area.focus()
