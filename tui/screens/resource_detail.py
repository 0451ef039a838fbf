"""`ResourceDetailScreen`: one agent or environment, from its mirrored JSON.

The sections (`drover.tui.viewmodel.resource_details`) arrive already inert; this screen lays
them out as label/value lines and never parses markup (everything is built as `Content`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from drover.tui.screens.base import DroverScreen
from drover.tui.viewmodel.resource_details import Section, agent_sections, environment_sections
from drover.tui.widgets.key_bar import KeyBar


def section_body(section: Section) -> Content:
    """A section's rows as aligned `label  value` lines (labels dimmed)."""
    width = max((len(label) for label, _ in section.rows), default=0)
    lines = [
        Content.assemble((label.ljust(width), "$text-muted"), "  ", value)
        for label, value in section.rows
    ]
    return Content("\n").join(lines)


class ResourceDetailScreen(DroverScreen):
    """Details of an agent (`kind="agents"`) or an environment (`kind="environments"`).

    Args:
        kind: `agents` or `environments`.
        obj: the object's raw JSON from the mirror.
    """

    CSS_PATH = "resource_detail.tcss"
    BINDINGS = [Binding("escape,backspace", "back", "Back", id="details.back")]  # noqa: RUF012

    def __init__(self, kind: str, obj: Mapping[str, Any]) -> None:
        super().__init__()
        self.kind = kind
        self.obj = obj
        self.sections = agent_sections(obj) if kind == "agents" else environment_sections(obj)
        """What is shown (inert), in order."""

    def compose(self) -> ComposeResult:
        noun = "agent" if self.kind == "agents" else "environment"
        name = self.sections[0].rows[0][1] if self.sections[0].rows else "-"
        yield Static(Content(f"{noun} · {name}"), id="title")
        with VerticalScroll():
            for section in self.sections:
                yield Static(Content(section.title), classes="heading")
                if section.rows:
                    yield Static(section_body(section), classes="rows")
                if section.text:
                    yield Static(Content(section.text), classes="prompt")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).focus()

    def action_back(self) -> None:
        """Return to the list."""
        self.dismiss()
