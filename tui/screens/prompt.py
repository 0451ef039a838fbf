"""`PromptScreen`: a one-line prompt docked at the bottom (the k9s `:` and `/` lines).

It completes (the rest of the best match shows dimmed; `tab` or `→` takes it) and remembers
(`↑`/`↓` step through earlier lines of the same prompt, newest first). Keys typed in a burst
right after `:` or `/` are never dropped: until the prompt's input has focus the app holds
them (`KeyBuffer`), and the input replays them, in order, the moment it gets focus.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Input, Label

HISTORY_SIZE = 100
"""Lines each prompt remembers (per prompt character, for this run of drover)."""


class KeyBuffer:
    """Keys the app received while a prompt was opening (see `DroverApp.on_event`)."""

    def __init__(self) -> None:
        self.keys: list[events.Key] | None = None

    @property
    def holding(self) -> bool:
        """True between `hold()` and `take()`: keys go here, not to a widget."""
        return self.keys is not None

    def hold(self) -> None:
        """Start holding keys (a prompt is about to open)."""
        self.keys = []

    def take(self) -> list[events.Key]:
        """Stop holding and return what was held."""
        keys, self.keys = self.keys or [], None
        return keys


class PromptInput(Input):
    """The prompt's input: replays the keys typed before it had focus."""

    BINDINGS = [  # noqa: RUF012
        Binding("tab", "complete", "Complete", show=False, id="prompt.complete"),
    ]

    def _on_focus(self, event: events.Focus) -> None:
        super()._on_focus(event)
        screen = self.screen
        if isinstance(screen, PromptScreen):
            screen.replay(screen.key_buffer.take() if screen.key_buffer else [])

    def action_complete(self) -> None:
        """Take the suggested completion."""
        if self._suggestion:
            self.value = self._suggestion
            self.cursor_position = len(self.value)


class PromptScreen(ModalScreen[str | None]):
    """Ask for one line; dismiss with the text (enter) or None (escape).

    Args:
        prefix: the prompt character shown before the input (`:` or `/`).
        value: initial text.
        placeholder: hint shown while empty.
        history: earlier lines of this prompt, oldest first (the screen appends to it).
        completions: what `tab` may complete to, best first.
        key_buffer: keys held by the app while this prompt opened, replayed into it.
    """

    DEFAULT_CSS = """
    PromptScreen { align: left bottom; background: $background 0%; }
    PromptScreen > Horizontal { height: 1; dock: bottom; background: $panel; }
    PromptScreen Label { width: 2; color: $accent; text-style: bold; }
    PromptScreen Input, PromptScreen Input:focus {
        border: none; height: 1; padding: 0; width: 1fr; background: $panel;
    }
    """

    BINDINGS = [  # noqa: RUF012
        Binding("escape", "cancel", "Cancel", show=False, id="prompt.cancel"),
        Binding("up", "history(-1)", "Earlier", show=False, id="prompt.earlier"),
        Binding("down", "history(1)", "Later", show=False, id="prompt.later"),
    ]

    def __init__(
        self,
        prefix: str,
        value: str = "",
        placeholder: str = "",
        *,
        history: list[str] | None = None,
        completions: Iterable[str] = (),
        key_buffer: KeyBuffer | None = None,
    ) -> None:
        super().__init__()
        self.prefix = prefix
        self.value = value
        self.placeholder = placeholder
        self.history = history if history is not None else []
        self.completions = list(dict.fromkeys(completions))
        self.key_buffer = key_buffer
        self._step = len(self.history)  # == len(history): the line being typed
        self._typed = value

    @property
    def input(self) -> PromptInput:
        """The text field."""
        return self.query_one(PromptInput)

    def compose(self) -> ComposeResult:
        suggester = (
            SuggestFromList(self.completions, case_sensitive=False) if self.completions else None
        )
        with Horizontal():
            yield Label(self.prefix)
            yield PromptInput(
                self.value,
                placeholder=self.placeholder,
                select_on_focus=False,
                suggester=suggester,
            )

    def replay(self, keys: list[events.Key]) -> None:
        """Apply keys typed before the input had focus, as the input would have."""
        for key in keys:
            if key.key == "enter":
                self.dismiss(self._finish(self.input.value))
                return
            if key.key == "escape":
                self.dismiss(None)
                return
            if key.key == "backspace":
                self.input.action_delete_left()
            elif key.is_printable and key.character:
                self.input.insert_text_at_cursor(key.character)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(self._finish(event.value))

    def _finish(self, line: str) -> str:
        if line.strip() and (not self.history or self.history[-1] != line):
            self.history.append(line)
            del self.history[:-HISTORY_SIZE]
        return line

    def action_history(self, step: int) -> None:
        """Show an earlier (-1) or later (+1) line; past the newest, what was being typed."""
        if not self.history:
            return
        if self._step == len(self.history):
            self._typed = self.input.value
        self._step = max(0, min(len(self.history), self._step + step))
        line = self.history[self._step] if self._step < len(self.history) else self._typed
        self.input.value = line
        self.input.cursor_position = len(line)

    def action_cancel(self) -> None:
        """Close without a value."""
        self.dismiss(None)
