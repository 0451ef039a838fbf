"""`ConfirmScreen`: a yes/no (optionally with a message) dialog for acts that change a run.

Every dialog says which key does what, on its buttons and in a line under them. `y` confirms
(the key that opened an allow dialog), `esc` cancels, and `enter` does what the focused button
says: confirm for acts that are easy to take back or were asked for in so many words (allow,
send), cancel for acts that stop or remove work (interrupt, archive, delete). A cancelled
dialog says that nothing was sent, so no act ever ends silently.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static, TextArea

from drover.tui.external import edit_text


class ConfirmScreen(ModalScreen[str | None]):
    """Ask to confirm; dismiss with the entered text ('' without an input) or None.

    Args:
        question: what is about to happen (plain text, shown inertly).
        confirm_label: the confirming button's label.
        ask_text: also ask for a line of text (a deny reason or a reply) with this hint.
        details: lines listing what the act touches (e.g. each tool call), shown inertly.
        multiline: ask for several lines (a follow-up message): enter starts a new line,
            `ctrl+s` sends and `ctrl+e` opens the text in `$EDITOR` (for a long reply).
        enter_confirms: start with the confirming button focused, so `enter` confirms;
            otherwise `enter` cancels (for acts that stop or remove work).
        cancel_note: told when the dialog is cancelled (None: nothing is said).
    """

    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Vertical {
        width: 72; height: auto; padding: 1 2; background: $surface; border: thick $primary;
    }
    ConfirmScreen #question { margin-bottom: 1; text-style: bold; }
    ConfirmScreen #details { height: auto; max-height: 14; margin-bottom: 1; color: $text-muted; }
    ConfirmScreen Horizontal { height: auto; align-horizontal: right; margin-top: 1; }
    ConfirmScreen Button { margin-left: 2; }
    ConfirmScreen TextArea { height: 8; }
    ConfirmScreen #keys { color: $text-muted; text-align: right; margin-top: 1; }
    """

    BINDINGS = [  # noqa: RUF012
        Binding("escape", "cancel", "Cancel", id="dialog.cancel"),
        # Without a text field, `y` confirms (the key that opened an allow dialog); the focused
        # button starts on Cancel so a stray enter never confirms a destructive act.
        Binding("y", "confirm", "Confirm", show=False, id="dialog.confirm"),
        Binding("ctrl+s", "send", "Send", show=False, id="dialog.send"),
        # Priority: the focused TextArea binds ctrl+e to "line end" (the end key still does).
        Binding(
            "ctrl+e",
            "external_editor",
            "Edit in $EDITOR",
            show=False,
            priority=True,
            id="dialog.editor",
        ),
    ]

    def __init__(
        self,
        question: str,
        confirm_label: str = "Confirm",
        ask_text: str = "",
        details: Sequence[str] = (),
        *,
        multiline: bool = False,
        enter_confirms: bool = False,
        cancel_note: str | None = "Cancelled: nothing was sent.",
    ) -> None:
        super().__init__()
        self.enter_confirms = enter_confirms
        self.cancel_note = cancel_note
        self.question = question
        self.confirm_label = confirm_label
        self.ask_text = ask_text
        self.details = list(details)
        self.multiline = multiline

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.question, id="question", markup=False)
            if self.details:
                with VerticalScroll(id="details", can_focus=False):
                    yield Static("\n".join(self.details), markup=False)
            if self.ask_text and self.multiline:
                yield TextArea(soft_wrap=True, show_line_numbers=False, placeholder=self.ask_text)
            elif self.ask_text:
                yield Input(placeholder=self.ask_text)
            with Horizontal():
                yield Button("Cancel  esc", id="cancel")
                yield Button(
                    f"{self.confirm_label}  {self._confirm_key()}", id="confirm", variant="primary"
                )
            yield Static(self.key_help(), id="keys", markup=False)

    def _confirm_key(self) -> str:
        if self.ask_text:
            return "ctrl+s" if self.multiline else "enter"
        return "y"

    def key_help(self) -> str:
        """What each key does in this dialog, in one line."""
        label = self.confirm_label.lower()
        if self.ask_text and self.multiline:
            return f"ctrl+s {label} · enter new line · esc cancel"
        if self.ask_text:
            return f"enter {label} · esc cancel"
        if self.enter_confirms:
            return f"y or enter {label} · esc cancel"
        return f"y {label} · enter or esc cancel"

    def on_mount(self) -> None:
        # The text field when there is one; else the button `enter` should press.
        if self.ask_text:
            self.query_one(self._field()).focus()
        else:
            self.query_one("#confirm" if self.enter_confirms else "#cancel").focus()

    def _field(self) -> type[Input] | type[TextArea]:
        return TextArea if self.multiline else Input

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """`y` confirms only when there is no text field to type it into (`ctrl+s` always);
        `ctrl+e` only with a multi-line field."""
        if action == "external_editor":
            return bool(self.ask_text and self.multiline)
        return not (action == "confirm" and self.ask_text)

    def action_external_editor(self) -> None:
        """`ctrl+e`: write the reply in `$EDITOR`; what it saves replaces the field's text."""
        self._edit_outside()

    @work(exclusive=True, exit_on_error=False)
    async def _edit_outside(self) -> None:
        field = self.query_one(TextArea)
        text, error = await edit_text(self.app, field.text)
        if error is not None:
            self.notify(f"{error}.", title="Editor", severity="warning")
        elif text is not None:
            field.text = text.rstrip("\n")
            field.move_cursor(field.document.end)
        field.focus()

    @on(Button.Pressed, "#confirm")
    @on(Input.Submitted)
    def action_confirm(self) -> None:
        """Close confirming, with the typed text ('' when none was asked for)."""
        field = self.query_one(self._field()) if self.ask_text else None
        if isinstance(field, TextArea):
            self.dismiss(field.text)
        else:
            self.dismiss(field.value if field is not None else "")

    def action_send(self) -> None:
        """`ctrl+s`: confirm from anywhere, also while typing in the text field."""
        self.action_confirm()

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        """Close without confirming (and say so)."""
        if self.cancel_note:
            self.app.notify(self.cancel_note, timeout=3)
        self.dismiss(None)


class QuitDialog(ConfirmScreen):
    """ "Quit with actions undelivered?": `y`, `enter` or `ctrl+q` again quit; `esc` stays."""

    def __init__(self, question: str, confirm_label: str, details: Sequence[str] = ()) -> None:
        super().__init__(
            question, confirm_label, details=details, enter_confirms=True, cancel_note=None
        )
