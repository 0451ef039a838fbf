"""`NewSessionScreen`: the dialog behind `N` — pick an agent and environment, say what to do."""

from __future__ import annotations

from collections.abc import Sequence

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static, TextArea

from drover.sync.engines import NewSession


def choices(objects: Sequence[dict[str, object]]) -> list[tuple[str, str]]:
    """`(label, id)` Select options for mirrored agents or environments, archived ones left out.

    Args:
        objects: raw Agent or Environment objects from the mirror.
    """
    return [
        (f"{obj.get('name') or obj['id']} · {obj['id']}", str(obj["id"]))
        for obj in objects
        if obj.get("id") and not obj.get("archived_at")
    ]


class NewSessionScreen(ModalScreen[NewSession | None]):
    """Ask for a new session's fields; dismiss with a `NewSession` or None (cancelled).

    Args:
        agents: `(label, id)` options (see `choices`).
        environments: `(label, id)` options.
    """

    CSS_PATH = "new_session.tcss"

    BINDINGS = [  # noqa: RUF012
        Binding("escape", "cancel", "Cancel", id="new_session.cancel"),
        Binding("ctrl+s", "create", "Create", id="new_session.create"),
    ]

    def __init__(
        self, agents: Sequence[tuple[str, str]], environments: Sequence[tuple[str, str]]
    ) -> None:
        super().__init__()
        self.agents = list(agents)
        self.environments = list(environments)

    def compose(self) -> ComposeResult:
        # Scrolls only when the terminal is too short for the whole form.
        with VerticalScroll(can_focus=False):
            yield Static("New session", id="heading")
            yield Label("Agent")
            yield Select(self.agents, prompt="choose an agent", id="agent")
            yield Static("", id="agent-error", classes="error", markup=False)
            yield Label("Environment")
            yield Select(self.environments, prompt="choose an environment", id="environment")
            yield Static("", id="environment-error", classes="error", markup=False)
            yield Label("Title")
            yield Input(placeholder="optional", id="title")
            yield Label("First message (ctrl+s creates)")
            yield TextArea(id="message", soft_wrap=True, show_line_numbers=False)
            with Horizontal():
                yield Button("Cancel", id="cancel")
                yield Button("Create", id="create", variant="primary")

    def on_mount(self) -> None:
        # One agent or environment: nothing to choose; preselect it.
        for selector, options in (("#agent", self.agents), ("#environment", self.environments)):
            if len(options) == 1:
                self.query_one(selector, Select).value = options[0][1]
        self.query_one("#agent", Select).focus()

    def _required(self, name: str, what: str) -> str | None:
        """The chosen value of Select `#name`, showing `what` is required when blank."""
        value = self.query_one(f"#{name}", Select).value
        chosen = None if value is Select.NULL else str(value)
        error = self.query_one(f"#{name}-error", Static)
        error.update("" if chosen else f"Choose {what}.")
        error.set_class(chosen is None, "-shown")
        return chosen

    @on(Button.Pressed, "#create")
    def action_create(self) -> None:
        """Validate and close with the request; a missing agent or environment is shown inline."""
        agent = self._required("agent", "an agent")
        environment = self._required("environment", "an environment")
        if agent is None or environment is None:
            return
        title = self.query_one("#title", Input).value.strip()
        message = self.query_one("#message", TextArea).text.strip()
        self.dismiss(NewSession(agent, environment, title or None, message or None))

    @on(Input.Submitted, "#title")
    def _title_submitted(self, event: Input.Submitted) -> None:
        # Enter in the title moves on to the message rather than creating half-filled.
        event.stop()
        self.query_one("#message", TextArea).focus()

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        """Close without creating anything."""
        self.dismiss(None)
