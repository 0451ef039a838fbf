"""`HelpScreen`: the `?` overlay, generated from the bindings active where it was opened."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

COMMAND_HELP: tuple[tuple[str, str], ...] = (
    (":sessions", "the fleet list"),
    (":inbox", "only sessions that need you"),
    (":grid", "tiled live panes"),
    (":agents / :envs", "agents and environments"),
    (":profile NAME", "switch account/profile"),
    (":q", "quit"),
    ("/regex  /!regex", "filter the list (inverse with !)"),
)


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
            commands.add_rows(COMMAND_HELP)
            yield commands
