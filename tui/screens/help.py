"""`HelpScreen`: the `?` overlay, generated from the bindings active where it was opened.

drover's own keys come first, each with its binding id (what `[keys]` in the config remaps),
then the `:` commands, then Textual's generic keys (palette, copy, scrolling) last.
"""

from __future__ import annotations

from typing import Any

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from drover.tui.commands import COMMANDS

FILTER_HELP = ("/regex  /!regex", "filter the list (inverse with !)")


def command_help() -> list[tuple[str, str]]:
    """One row per `:` command, from the same table the command line runs."""
    rows = [(" · ".join(f":{name}" for name in c.names[:2]), c.help) for c in COMMANDS]
    return [*rows, FILTER_HELP]


def is_drovers(node: DOMNode, binding: Binding) -> bool:
    """True when `binding` is declared by one of drover's classes (not inherited from Textual)."""
    for cls in type(node).__mro__:
        if not cls.__module__.startswith("drover."):
            continue
        for declared in cls.__dict__.get("BINDINGS", ()):
            if isinstance(declared, Binding) and declared.action == binding.action:
                return True
    return False


class HelpScreen(ModalScreen[None]):
    """Lists drover's active bindings (key, description, id), the `:` commands, and then
    Textual's generic keys.

    Args:
        bindings: `(key display, description)` pairs of drover's bindings where it was opened.
        ids: the binding id of each description in `bindings` (for `[keys]`).
        generic: `(key display, description)` pairs of Textual's own bindings.
    """

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 80; height: 80%; background: $surface; border: thick $primary; padding: 0 1;
    }
    HelpScreen .title { text-style: bold; color: $accent; margin-top: 1; }
    HelpScreen DataTable { height: auto; }
    """

    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close", id="help.dismiss")]  # noqa: RUF012

    def __init__(
        self,
        bindings: list[tuple[str, str]],
        ids: dict[str, str] | None = None,
        generic: list[tuple[str, str]] | None = None,
    ) -> None:
        super().__init__()
        self.bindings = bindings
        self.ids = ids or {}
        self.generic = generic or []

    @classmethod
    def for_screen(cls, app: App[Any]) -> HelpScreen:
        """The help for the bindings active on `app`'s current screen."""
        own: list[tuple[str, str]] = []
        ids: dict[str, str] = {}
        generic: list[tuple[str, str]] = []
        seen: set[tuple[str, str]] = set()
        for active in app.screen.active_bindings.values():
            binding = active.binding
            if not binding.description or not active.enabled:
                continue
            row = (binding.key_display or app.get_key_display(binding), binding.description)
            if row in seen:
                continue
            seen.add(row)
            if is_drovers(active.node, binding):
                own.append(row)
                if binding.id:
                    ids[binding.description] = binding.id
            else:
                generic.append(row)
        return cls(own, ids, generic)

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static("Keys", classes="title")
            keys: DataTable[str] = DataTable(id="keys", cursor_type="none", show_cursor=False)
            keys.add_columns("Key", "Action", "Id ([keys] in config.toml)")
            keys.add_rows([(key, what, self.ids.get(what, "")) for key, what in self.bindings])
            yield keys
            yield Static("Commands", classes="title")
            commands: DataTable[str] = DataTable(id="commands", cursor_type="none")
            commands.add_columns("Command", "Does")
            commands.add_rows(command_help())
            yield commands
            if self.generic:
                yield Static("Textual's keys", classes="title")
                generic: DataTable[str] = DataTable(id="generic", cursor_type="none")
                generic.add_columns("Key", "Action")
                generic.add_rows(self.generic)
                yield generic
