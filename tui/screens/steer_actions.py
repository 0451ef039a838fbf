"""`SteerActions`: the steering keys shared by the fleet, the inbox and a session.

`b` raises the highlighted (or open) session's budget (`BudgetScreen`): the only way to let a
session stopped at `budget_reached` go on, and the server resumes it. `O` defines an outcome
(`OutcomeScreen`; `o` already sends a custom tool's result). `Y` makes a rule from the
session's oldest call waiting for approval (`RuleScreen`: "allow calls like this"), saved under
the profile in `config.toml` and applied at once. Each reads the session fresh from the mirror
first; read-only refuses all three (`DroverScreen`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.binding import Binding

from drover.store.models import SessionRow

if TYPE_CHECKING:
    from drover.tui.app import DroverApp


class SteerActions:
    """Mixin for a `DroverScreen` with a target session (see the module docstring)."""

    STEER_BINDINGS: ClassVar[list[Binding]] = [
        Binding("b", "budget", "Raise budget", show=False, id="act.budget"),
        # `o` answers a custom tool call; an outcome is the capital.
        Binding(
            "O", "outcome", "Define outcome (o: custom tool result)", show=False, id="act.outcome"
        ),
        Binding("Y", "rule", "Rule: answer calls like this", show=False, id="act.rule"),
    ]
    STEER_ACTIONS: ClassVar[frozenset[str]] = frozenset({"budget", "outcome", "rule"})

    if TYPE_CHECKING:
        drover: DroverApp

        def notify(self, message: str, **kwargs: Any) -> None: ...

        def target_row(self) -> SessionRow | None: ...

    async def _fresh(self) -> SessionRow | None:
        row = self.target_row()
        reader = self.drover.reader
        if row is None or reader is None:
            return None
        return await self.drover.reads.run(reader.session, row.id)

    def action_budget(self) -> None:
        """Raise the target session's budget."""
        self._budget()

    @work(group="steer-actions", exclusive=True, exit_on_error=False)
    async def _budget(self) -> None:
        row = await self._fresh()
        if row is None:
            return
        if row.budget_cents is None:
            self.notify(
                "This session was created without a budget; the API cannot add one later.",
                severity="warning",
            )
            return
        if row.status == "terminated":
            self.notify("This session has ended; its budget cannot change.", severity="warning")
            return

        from drover.tui.screens.steer_dialogs import BudgetScreen  # the dialogs load when used

        def raise_to(cents: object) -> None:
            if isinstance(cents, int):
                self.drover.raise_budget(row.id, cents)

        self.drover.push_screen(BudgetScreen(row), raise_to)

    def action_outcome(self) -> None:
        """Define an outcome for the target session."""
        self._outcome()

    @work(group="steer-actions", exclusive=True, exit_on_error=False)
    async def _outcome(self) -> None:
        row = await self._fresh()
        if row is None:
            return
        if row.status == "terminated":
            self.notify("This session has ended; it takes no outcome.", severity="warning")
            return

        from drover.tui.screens.steer_dialogs import OutcomeRequest, OutcomeScreen

        def define(request: object) -> None:
            if isinstance(request, OutcomeRequest):
                payload = {"description": request.description, "rubric": request.rubric}
                if request.max_iterations is not None:
                    payload["max_iterations"] = request.max_iterations
                self.drover.submit_action(row.id, "define_outcome", payload, quiet=True)
                self.notify(f"outcome queued for {row.title or row.id}")

        self.drover.push_screen(OutcomeScreen(row), define)

    def action_rule(self) -> None:
        """Make a rule from the target session's oldest call waiting for approval."""
        self._rule()

    @work(group="steer-actions", exclusive=True, exit_on_error=False)
    async def _rule(self) -> None:
        row = await self._fresh()
        if row is None:
            return
        # The rules and their dialog need the config models: not loaded at the fleet's start.
        from drover.sync.rules import pending_calls
        from drover.tui.screens.steer_dialogs import RuleDraft, RuleScreen

        calls = pending_calls(row)
        if not calls:
            self.notify("No call here waits for approval.", severity="warning")
            return

        def save(draft: object) -> None:
            if isinstance(draft, RuleDraft):
                self.drover.save_rule(draft.name, draft.rule)

        self.drover.push_screen(RuleScreen(row, calls[0], self.drover.now()), save)
