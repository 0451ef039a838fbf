"""The steering dialogs: `BudgetScreen` (`b`), `OutcomeScreen` (`O`) and `RuleScreen` (`Y`).

Each is a centred box that names its keys (`ctrl+s` or the button sends, `esc` cancels) and
checks what was typed before it closes, so a mistake is fixed in place: a budget not above what
was spent, an outcome without a description or rubric, a rule pattern that is no regex or does
not match the very call it was made from. Agent data shown here (titles, a call's input) is
inert. They dismiss with what to do, or None.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, RadioButton, RadioSet, Static, TextArea

from drover.config.rules import Rule
from drover.store.models import SessionRow
from drover.sync.outbox_actions import MAX_ITERATIONS
from drover.sync.rules import Call, match
from drover.text.format import money
from drover.text.inert import inert, inert_line
from drover.text.steer import parse_usd
from drover.tui.viewmodel.action_plan import title_of

__all__ = [
    "WINDOWS",
    "BudgetScreen",
    "OutcomeRequest",
    "OutcomeScreen",
    "RuleDraft",
    "RuleScreen",
    "rule_name",
]

WINDOWS: tuple[tuple[str, timedelta | None], ...] = (
    ("for 30 min", timedelta(minutes=30)),
    ("for 2 hours", timedelta(hours=2)),
    ("for 8 hours", timedelta(hours=8)),
    ("until removed", None),
)
"""How long a rule made from a row holds."""


class _Dialog(ModalScreen[object]):
    """A steering dialog: `ctrl+s` sends, `esc` cancels, problems shown in place."""

    CSS_PATH = "steer_dialogs.tcss"
    BINDINGS = [  # noqa: RUF012
        Binding("escape", "cancel", "Cancel", id="steer_dialog.cancel"),
        Binding("ctrl+s", "send", "Send", id="steer_dialog.send"),
    ]

    def _problem(self, text: str) -> None:
        problem = self.query_one("#problem", Static)
        problem.update(Content(text))
        problem.set_class(bool(text), "-shown")

    def _buttons(self, label: str) -> ComposeResult:
        yield Static("", id="problem", markup=False)
        with Horizontal(classes="buttons"):
            yield Button("Cancel  esc", id="cancel")
            yield Button(f"{label}  ctrl+s", id="send", variant="primary")
        yield Static(Content(f"ctrl+s {label.lower()} · esc cancel"), id="keys")

    def action_send(self) -> None:
        """Check what was typed and close with it."""
        raise NotImplementedError

    @on(Button.Pressed, "#send")
    def _send_pressed(self) -> None:
        self.action_send()

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        """Close; nothing is sent."""
        self.app.notify("Cancelled: nothing was sent.")
        self.dismiss(None)


# -- budget ------------------------------------------------------------------------------------


class BudgetScreen(_Dialog):
    """Raise a session's budget; dismisses with the new cap in cents, or None.

    Args:
        row: the session (fresh from the mirror).
    """

    def __init__(self, row: SessionRow) -> None:
        super().__init__()
        self.row = row

    def _suggestion(self) -> int:
        spent = self.row.list_cost_cents or 0
        cap = self.row.budget_cents or 0
        return max(cap * 2, spent + 500)

    def compose(self) -> ComposeResult:
        row = self.row
        stopped = " · stopped at budget_reached" if row.needs_you == "budget_reached" else ""
        with VerticalScroll(can_focus=False):
            yield Static(Content(f"Raise the budget of {title_of(row)}"), id="heading")
            yield Static(
                Content(
                    f"spent {money(row.list_cost_cents)} of {money(row.budget_cents)}{stopped}"
                ),
                id="context",
            )
            yield Label("New budget in USD (list cost, more than what was spent)")
            yield Input(f"{self._suggestion() / 100:.2f}", id="usd")
            yield Static(
                Content("A session stopped at its budget resumes when the budget is raised."),
                classes="hint",
            )
            yield from self._buttons("Raise")

    def on_mount(self) -> None:
        self.query_one("#usd", Input).focus()

    @on(Input.Submitted, "#usd")
    def action_send(self) -> None:
        """Check the amount and close with it."""
        cents = parse_usd(self.query_one("#usd", Input).value)
        spent = self.row.list_cost_cents or 0
        if cents is None:
            self._problem("Type an amount in dollars, like 25 or 12.50.")
        elif cents <= spent:
            self._problem(f"The new budget must be more than the {money(spent)} already spent.")
        else:
            self.dismiss(cents)


# -- outcome -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutcomeRequest:
    """A `user.define_outcome` to send."""

    description: str
    rubric: str
    max_iterations: int | None = None


class OutcomeScreen(_Dialog):
    """Define an outcome for a session; dismisses with an `OutcomeRequest`, or None.

    Args:
        row: the session.
    """

    def __init__(self, row: SessionRow) -> None:
        super().__init__()
        self.row = row

    def compose(self) -> ComposeResult:
        with VerticalScroll(can_focus=False):
            yield Static(Content(f"Define an outcome for {title_of(self.row)}"), id="heading")
            yield Static(
                Content("The agent works toward it; a grader scores each attempt by the rubric."),
                id="context",
            )
            yield Label("What the agent should produce")
            yield Input(id="description", placeholder="e.g. a passing test suite for tax.rounding")
            yield Label("Rubric: how to grade it")
            yield TextArea(id="rubric", soft_wrap=True, show_line_numbers=False)
            yield Label(f"Most evaluate-and-revise cycles (1-{MAX_ITERATIONS}; empty: 3)")
            yield Input(id="iterations", placeholder="3")
            yield from self._buttons("Define")

    def on_mount(self) -> None:
        self.query_one("#description", Input).focus()

    def action_send(self) -> None:
        """Check the fields and close with the request."""
        description = self.query_one("#description", Input).value.strip()
        rubric = self.query_one("#rubric", TextArea).text.strip()
        typed = self.query_one("#iterations", Input).value.strip()
        if not description:
            self._problem("Say what the agent should produce.")
            return
        if not rubric:
            self._problem("Give the rubric the grader scores it by.")
            return
        most = None
        if typed:
            if not typed.isdigit() or not 1 <= int(typed) <= MAX_ITERATIONS:
                self._problem(f"Cycles: a number from 1 to {MAX_ITERATIONS}, or empty.")
                return
            most = int(typed)
        self.dismiss(OutcomeRequest(description, rubric, most))


# -- rule ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleDraft:
    """A rule to save under the profile."""

    name: str
    rule: Rule


def rule_name(call: Call) -> str:
    """A name for a rule made from `call`: its tool and the input's first word."""
    word = re.sub(r"[^\w.-]+", "-", call.text.split()[0] if call.text.split() else "")[:24]
    base = re.sub(r"[^\w.-]+", "-", call.tool)[:24]
    return f"{base}-{word}".strip("-") if word else base


class RuleScreen(_Dialog):
    """Make a rule from a waiting call ("allow calls like this"); dismisses with a `RuleDraft`.

    The pattern starts as the call's exact input (escaped), so the rule matches this call and
    nothing else until you widen it; the dialog says, as you type, whether it still matches.

    Args:
        row: the session the call waits in.
        call: the call.
        now: the app's clock (a window counts from it).
    """

    def __init__(self, row: SessionRow, call: Call, now: datetime) -> None:
        super().__init__()
        self.row = row
        self.call = call
        self.now = now

    def compose(self) -> ComposeResult:
        call = self.call
        agent = inert_line(call.agent_name or call.agent_id or "?")
        with VerticalScroll(can_focus=False):
            yield Static(Content("Answer calls like this automatically"), id="heading")
            yield Static(
                Content(f"{title_of(self.row)} · {agent} · {inert_line(call.tool)}"), id="context"
            )
            yield Static(Content(inert(call.text)[:600]), id="call")
            yield Label("Rule name")
            yield Input(rule_name(call), id="name")
            yield Label("Input pattern (a regex the whole input must match)")
            yield Input(re.escape(call.text), id="pattern")
            yield Static("", id="verdict", markup=False)
            yield Checkbox(f"Only for agent {agent}", True, id="agent")
            with Horizontal(classes="choices"):
                with RadioSet(id="window"):
                    for index, (label, _) in enumerate(WINDOWS):
                        yield RadioButton(label, value=index == 0)
                with RadioSet(id="action"):
                    yield RadioButton("allow", value=True)
                    yield RadioButton("deny")
            yield from self._buttons("Save rule")

    def on_mount(self) -> None:
        self.query_one("#pattern", Input).focus()
        self._check_pattern()

    @on(Input.Changed, "#pattern")
    def _check_pattern(self) -> None:
        pattern = self.query_one("#pattern", Input).value
        verdict = self.query_one("#verdict", Static)
        try:
            fits = re.fullmatch(pattern, self.call.text) is not None
        except re.error as exc:
            verdict.update(Content(f"✗ not a regex: {exc}"))
            return
        verdict.update(Content("✓ matches this call" if fits else "✗ does not match this call"))

    def _rule(self) -> Rule | str:
        """The rule typed, or what is wrong with it."""
        pattern = self.query_one("#pattern", Input).value
        window = WINDOWS[self.query_one("#window", RadioSet).pressed_index or 0][1]
        deny = self.query_one("#action", RadioSet).pressed_index == 1
        only = self.query_one("#agent", Checkbox).value
        try:
            rule = Rule(
                tool=self.call.tool,
                input=pattern,
                agent=(self.call.agent_name or self.call.agent_id) if only else None,
                action="deny" if deny else "allow",
                until=self.now + window if window is not None else None,
            )
        except ValueError as exc:
            return str(exc).splitlines()[-1]
        if match({"draft": rule}, self.call, self.now) is None:
            return "The pattern does not match the call it is made from; widen it."
        return rule

    def action_send(self) -> None:
        """Check the rule and close with it."""
        name = self.query_one("#name", Input).value.strip()
        if not re.fullmatch(r"[\w.-]{1,64}", name):
            self._problem("Name: 1-64 letters, digits, '.', '_' or '-'.")
            return
        rule = self._rule()
        if isinstance(rule, str):
            self._problem(rule)
            return
        self.dismiss(RuleDraft(name, rule))
