"""`ToolResultScreen`: the dialog behind `o` — send the result of a custom tool call.

An `agent.custom_tool_use` waits for the client to run the tool: the dialog shows which tool,
in which session, with which input (inert: agent data), and takes the output as typed text or a
file (read as UTF-8 text, checked before the dialog closes, so a wrong path is fixed in place).
"The tool failed" sends the result with `is_error`. It dismisses with a `ToolResult`, or None.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Static, TextArea

from drover.sync.tool_results import ResultFileError, read_result_file
from drover.text.inert import inert
from drover.tui.viewmodel.action_plan import PendingCall

INPUT_LINES = 6
"""Lines of the tool's input shown before the rest is cut."""


@dataclass(frozen=True)
class ToolResult:
    """What to send as the custom tool's result.

    Attributes:
        text: the result (typed, or the file's text).
        is_error: the tool failed; the model sees the result as an error.
        source: the file it was read from (None: typed).
    """

    text: str
    is_error: bool = False
    source: str | None = None


def input_text(value: object, lines: int = INPUT_LINES) -> str:
    """A tool input as indented JSON, inert, cut after `lines` lines."""
    text = value if isinstance(value, str) else json.dumps(value, indent=2, ensure_ascii=False)
    shown = inert(text).splitlines() or [""]
    if len(shown) > lines:
        shown = [*shown[:lines], f"… {len(shown) - lines} more lines"]
    return "\n".join(shown)


class ToolResultScreen(ModalScreen[ToolResult | None]):
    """Ask for a custom tool call's result; dismiss with a `ToolResult` or None (cancelled).

    Args:
        call: the custom tool call to answer.
        waiting: how many custom tool calls of this session wait for a result (this one too).
    """

    CSS_PATH = "tool_result.tcss"

    BINDINGS = [  # noqa: RUF012
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "send", "Send"),
    ]

    def __init__(self, call: PendingCall, waiting: int = 1) -> None:
        super().__init__()
        self.call = call
        self.waiting = waiting

    def compose(self) -> ComposeResult:
        call = self.call
        more = f" · 1 of {self.waiting} waiting" if self.waiting > 1 else ""
        with VerticalScroll(can_focus=False):
            yield Static(Content(f"Result for custom tool {call.tool}"), id="heading")
            yield Static(Content(f"{call.session_title} · {call.tool_use_id}{more}"), id="context")
            yield Label("Input")
            yield Static(Content(input_text(call.input)), id="input")
            yield Label("Result (ctrl+s sends)")
            yield TextArea(id="result", soft_wrap=True, show_line_numbers=False)
            yield Label("…or send a file's text instead")
            yield Input(placeholder="path to a text file", id="file")
            yield Static("", id="problem", classes="error", markup=False)
            with Horizontal():
                yield Checkbox("The tool failed: send as an error", id="error")
                yield Button("Cancel", id="cancel")
                yield Button("Send", id="send", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#result", TextArea).focus()

    def _problem(self, text: str) -> None:
        problem = self.query_one("#problem", Static)
        problem.update(text)
        problem.set_class(bool(text), "-shown")

    @on(Button.Pressed, "#send")
    @on(Input.Submitted, "#file")
    def action_send(self) -> None:
        """Check the result (text or a file, not both) and close with it."""
        text = self.query_one("#result", TextArea).text
        path = self.query_one("#file", Input).value.strip()
        is_error = self.query_one("#error", Checkbox).value
        if text.strip() and path:
            self._problem("Type a result or name a file, not both.")
        elif path:
            self._send_file(path, is_error)
        elif not text.strip():
            self._problem("Type the tool's result, or name a file holding it.")
        else:
            self.dismiss(ToolResult(text, is_error))

    @work(exclusive=True, group="result-file", exit_on_error=False)
    async def _send_file(self, path: str, is_error: bool) -> None:
        try:
            text = await asyncio.to_thread(read_result_file, path)
        except ResultFileError as exc:
            self._problem(str(exc))
            return
        self.dismiss(ToolResult(text, is_error, path))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        """Close without sending anything."""
        self.dismiss(None)
