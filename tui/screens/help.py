"""`HelpScreen`: the `?` overlay, generated from the bindings active where it was opened."""

from __future__ import annotations

from typing import Any

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from drover.tui.commands import COMMANDS

FILTER_HELP = ("/regex  /!regex", "filter the list (inverse with !)")


def command_help() -> list[tuple[str, str]]:
    """One row per `:` command, from the same table the command line runs."""
    rows = [(" · ".join(f":{name}" for name in c.names[:2]), c.help) for c in COMMANDS]
    return [*rows, FILTER_HELP]


class HelpScreen(ModalScreen[None]):
    """Lists every active binding (key, description) plus the `:` commands.

    Args:
        bindings: `(key display, description)` pairs of the screen it was opened on.
    """

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 80; height: 80%; background: $surface; border: thick $primary; padding: 0 1;
    }
    HelpScreen .title { text-style: bold; color: $accent; margin-top: 1; }
    HelpScreen DataTable { height: auto; }
    """

    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]  # noqa: RUF012

    def __init__(self, bindings: list[tuple[str, str]]) -> None:
        super().__init__()
        self.bindings = bindings

    @classmethod
    def for_screen(cls, app: App[Any]) -> HelpScreen:
        """The help for the bindings active on `app`'s current screen."""
        rows = [
            (
                active.binding.key_display or app.get_key_display(active.binding),
                active.binding.description,
            )
            for active in app.screen.active_bindings.values()
            if active.binding.description and active.enabled
        ]
        return cls(rows)

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static("Keys", classes="title")
            keys: DataTable[str] = DataTable(id="keys", cursor_type="none", show_cursor=False)
            keys.add_columns("Key", "Action")
            keys.add_rows(self.bindings)
            yield keys
            yield Static("Commands", classes="title")
            commands: DataTable[str] = DataTable(id="commands", cursor_type="none")
            commands.add_columns("Command", "Does")
            commands.add_rows(command_help())
            yield commands
