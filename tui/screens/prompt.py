"""`PromptScreen`: a one-line prompt docked at the bottom (the k9s `:` and `/` lines)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import ModalScreen
from textual.widgets import Input, Label


class PromptScreen(ModalScreen[str | None]):
    """Ask for one line; dismiss with the text (enter) or None (escape).

    Args:
        prefix: the prompt character shown before the input (`:` or `/`).
        value: initial text.
        placeholder: hint shown while empty.
    """

    DEFAULT_CSS = """
    PromptScreen { align: left bottom; background: $background 0%; }
    PromptScreen > Horizontal { height: 1; dock: bottom; background: $panel; }
    PromptScreen Label { width: 2; color: $accent; text-style: bold; }
    PromptScreen Input, PromptScreen Input:focus {
        border: none; height: 1; padding: 0; width: 1fr; background: $panel;
    }
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel", show=False)]  # noqa: RUF012

    def __init__(self, prefix: str, value: str = "", placeholder: str = "") -> None:
        super().__init__()
        self.prefix = prefix
        self.value = value
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Label(self.prefix)
            yield Input(self.value, placeholder=self.placeholder, select_on_focus=False)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        """Close without a value."""
        self.dismiss(None)
