"""`SessionActions`: the act-on-sessions keys shared by the fleet, the inbox and a session.

Keys (one way to do each thing): `y` allow, `n` deny (asks for an optional message to the
model), `m` reply with a message, `i` interrupt, `o` send a custom tool's result (opens
`ToolResultScreen`). `y`, `n` and `i` act on `target_ids()`: the marked rows when any are marked
(fleet `space`), otherwise the highlighted/opened session. `m` and `o` always answer one
session, the highlighted one; `o` answers its oldest custom tool call still waiting (one whose
result is already in the outbox is skipped), so pressing it again answers the next.

Rows are re-read from the mirror right before planning, so a stale cached row never approves
a call that was already answered. What each key does to which calls is decided by
`drover.tui.viewmodel.action_plan` (pure logic): every pending call of each target is
answered, after a dialog listing them unless it is one call of one session. Everything goes through
`DroverApp.submit_action` into sync's outbox; read-only mode refuses it (`DroverScreen`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.binding import Binding

from drover.store.models import OutboxRow, SessionRow
from drover.sync.tool_results import custom_result_payload
from drover.tui.screens.confirm import ConfirmScreen
from drover.tui.screens.tool_result import ToolResult, ToolResultScreen
from drover.tui.viewmodel.action_plan import (
    Planned,
    custom_calls,
    interrupt_question,
    plan_confirmations,
    plan_interrupts,
    title_of,
)

if TYPE_CHECKING:
    from drover.tui.app import DroverApp


class SessionActions:
    """Mixin for a `DroverScreen` that can act on sessions."""

    ACTION_BINDINGS: ClassVar[list[Binding]] = [
        Binding("y", "allow", "Allow", id="act.allow"),
        Binding("n", "deny", "Deny", id="act.deny"),
        Binding("m", "message", "Message", id="act.message"),
        Binding("i", "interrupt", "Interrupt", id="act.interrupt"),
        # Only custom tools need it: off the footer (as `A`/`D`), listed in `?`; the session
        # header and `y` point to it when a custom tool waits.
        Binding("o", "respond", "Custom tool result", show=False, id="act.respond"),
    ]
    MUTATING_ACTIONS: ClassVar[frozenset[str]] = frozenset(
        {"allow", "deny", "message", "interrupt", "respond"}
    )

    if TYPE_CHECKING:
        drover: DroverApp

        def notify(self, message: str, **kwargs: Any) -> None: ...

    def target_row(self) -> SessionRow | None:
        """The highlighted or opened session (what `m` answers)."""
        raise NotImplementedError

    def target_ids(self) -> list[str]:
        """The sessions `y`, `n` and `i` act on (default: the target row's)."""
        row = self.target_row()
        return [] if row is None else [row.id]

    def actions_queued(self, session_ids: Sequence[str]) -> None:
        """Hook: actions for `session_ids` were queued (the fleet clears its marks here)."""

    async def _fresh_rows(self) -> list[SessionRow]:
        ids = self.target_ids()
        reader = self.drover.reader
        if not ids or reader is None:
            return []
        rows = await self.drover.reads.run(reader.fleet_rows, ids)
        return [rows[sid] for sid in ids if sid in rows]

    def _queue(self, planned: Sequence[Planned], what: str) -> None:
        for action in planned:
            self.drover.submit_action(action.session_id, action.kind, action.payload, quiet=True)
        if planned:
            self.drover.notify(what)
            self.actions_queued([a.session_id for a in planned])

    def action_allow(self) -> None:
        """Allow every pending tool call of the target sessions."""
        self._answer(True)

    def action_deny(self) -> None:
        """Deny every pending tool call of the target sessions, with an optional message."""
        self._answer(False)

    @work(group="session-actions", exclusive=True, exit_on_error=False)
    async def _answer(self, allow: bool) -> None:
        plan = plan_confirmations(await self._fresh_rows(), allow)
        if not plan.calls:
            self.drover.notify(plan.nothing_notice(), severity="warning")
            return
        verb = "allow" if allow else "deny"

        def answer(message: str | None) -> None:
            if message is not None:
                self._queue(plan.actions(message), plan.notice())

        if not plan.needs_dialog:
            answer("")
            return
        # A callback, not push_screen_wait: the worker ends while the dialog is open.
        dialog = ConfirmScreen(
            plan.question(),
            verb.capitalize(),
            "" if allow else "optional message to the agent (why, what instead)",
            plan.details(),
            enter_confirms=allow,  # you pressed y: enter agrees; deny asks for its message
        )
        self.drover.push_screen(dialog, answer)

    def action_message(self) -> None:
        """Send the highlighted session a user message."""
        row = self.target_row()
        if row is None:
            return

        def send(text: str | None) -> None:
            if text and text.strip():
                self._queue([Planned(row.id, "message", {"text": text})], "message queued")

        self.drover.push_screen(
            ConfirmScreen(
                f"Message {title_of(row)}",
                "Send",
                "your message (enter: new line, ctrl+s: send)",
                multiline=True,
            ),
            send,
        )

    def action_respond(self) -> None:
        """Send the result of the highlighted session's oldest waiting custom tool call."""
        self._respond()

    @work(group="session-actions", exclusive=True, exit_on_error=False)
    async def _respond(self) -> None:
        row = self.target_row()
        reader = self.drover.reader
        if row is None or reader is None:
            return
        fresh = (await self.drover.reads.run(reader.fleet_rows, [row.id])).get(row.id)
        sent: list[OutboxRow] = await self.drover.reads.run(reader.outbox, row.id)
        answered = [
            str(r.payload.get("custom_tool_use_id"))
            for r in sent
            if r.kind == "custom_tool_result" and r.state != "failed"
        ]
        calls = custom_calls(fresh, answered) if fresh is not None else []
        if not calls:
            self.drover.notify("No custom tool is waiting for a result here.", severity="warning")
            return
        call = calls[0]

        def send(result: ToolResult | None) -> None:
            if result is not None:
                payload = custom_result_payload(
                    call.tool_use_id, result.text, is_error=result.is_error
                )
                what = "error result" if result.is_error else "result"
                self._queue(
                    [Planned(row.id, "custom_tool_result", payload)],
                    f"{what} for custom tool {call.tool} queued",
                )

        self.drover.push_screen(ToolResultScreen(call, waiting=len(calls)), send)

    def action_interrupt(self) -> None:
        """Interrupt the target sessions (always confirmed: it stops work in progress)."""
        self._interrupt()

    @work(group="session-actions", exclusive=True, exit_on_error=False)
    async def _interrupt(self) -> None:
        rows = await self._fresh_rows()
        if not rows:
            return
        details = [title_of(row) for row in rows] if len(rows) > 1 else []

        def interrupt(answer: str | None) -> None:
            if answer is not None:
                self._queue(plan_interrupts(rows), f"interrupt queued for {len(rows)} session(s)")

        dialog = ConfirmScreen(interrupt_question(rows), "Interrupt", details=details)
        self.drover.push_screen(dialog, interrupt)
