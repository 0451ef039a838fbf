"""`LifecycleActions`: the fleet's `N` new session, `L` launch, `A` archive and `D` delete keys.

`N` opens `NewSessionScreen` over the mirrored agents and environments; `L` the launch dialog
(one session per item, from a template: `drover.tui.screens.launches`). `A` and `D` act on
`target_ids()` (the marked rows, else the highlighted one) after a `ConfirmScreen` saying what
will happen. The App runs every call through the sync engine (`SessionControl`); read-only mode
refuses all three (`DroverScreen`).

Running sessions are not filtered out here: the mirror can lag the server, so the server
decides. The dialog warns about the ones the mirror shows running, and the server's 400 for
them reaches the user as an error notice.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.binding import Binding

from drover.store.models import SessionRow
from drover.tui.screens.confirm import ConfirmScreen
from drover.tui.screens.new_session import NewSession, NewSessionScreen, choices
from drover.tui.viewmodel.action_plan import title_of

if TYPE_CHECKING:
    from drover.tui.app import DroverApp

WHAT_HAPPENS = {
    "archive": "Archiving ends the session for good (no more messages) and hides it from the "
    "fleet; drover keeps its mirrored history.",
    "delete": "Deleting removes the session on the server; drover keeps its mirrored history.",
}
"""The line each confirmation leads with."""


def lifecycle_question(verb: str, rows: Sequence[SessionRow]) -> tuple[str, list[str]]:
    """The `A`/`D` dialog's headline and detail lines.

    Args:
        verb: `archive` or `delete`.
        rows: the sessions it acts on (fresh from the mirror).
    """
    one = len(rows) == 1
    what = title_of(rows[0]) if one else f"{len(rows)} sessions"
    details = [WHAT_HAPPENS[verb]]
    if not one:
        details += ["", *(title_of(row) for row in rows)]
    running = [row for row in rows if row.status == "running"]
    if running:
        details += [
            "",
            f"Running (interrupt with i first; the server refuses to {verb} them):",
            *(f"  {title_of(row)}" for row in running),
        ]
    return f"{verb.capitalize()} {what}?", details


class LifecycleActions:
    """Mixin for the fleet screen (a `DroverScreen` with `SessionActions`)."""

    LIFECYCLE_BINDINGS: ClassVar[list[Binding]] = [
        Binding("N", "new_session", "New", id="act.new_session"),
        # Rare (and `A`, `D` destructive): off the footer, which has no room left at 120
        # columns, listed in `?` (and `:launch` in the palette).
        Binding("L", "launch", "Launch", show=False, id="act.launch"),
        Binding("A", "archive", "Archive", show=False, id="act.archive"),
        Binding("D", "delete", "Delete", show=False, id="act.delete"),
    ]
    LIFECYCLE_ACTIONS: ClassVar[frozenset[str]] = frozenset(
        {"new_session", "launch", "archive", "delete"}
    )

    if TYPE_CHECKING:
        drover: DroverApp

        def notify(self, message: str, **kwargs: Any) -> None: ...

        def target_ids(self) -> list[str]: ...

        def actions_queued(self, session_ids: Sequence[str]) -> None: ...

        async def _fresh_rows(self) -> list[SessionRow]: ...

    def action_new_session(self) -> None:
        """Ask for a new session's agent, environment, title and first message."""
        self._new_session()

    @work(group="lifecycle-actions", exclusive=True, exit_on_error=False)
    async def _new_session(self) -> None:
        reader = self.drover.reader
        if reader is None:
            return
        agents = choices(await self.drover.reads.run(reader.agents))
        environments = choices(await self.drover.reads.run(reader.environments))
        if not agents or not environments:
            missing = "agents" if not agents else "environments"
            self.notify(f"No {missing} mirrored yet; wait for sync.", severity="warning")
            return

        def create(request: NewSession | None) -> None:
            if request is not None:
                self.drover.create_session(request)

        self.drover.push_screen(NewSessionScreen(agents, environments), create)

    def action_launch(self) -> None:
        """Launch a fleet: one session per item, from a template (`LaunchDialog`)."""
        from drover.tui.screens.launches import open_launch_dialog

        open_launch_dialog(self.drover)

    def action_archive(self) -> None:
        """Archive the target sessions, after confirming."""
        self._confirm_lifecycle("archive")

    def action_delete(self) -> None:
        """Delete the target sessions on the server, after confirming."""
        self._confirm_lifecycle("delete")

    @work(group="lifecycle-actions", exclusive=True, exit_on_error=False)
    async def _confirm_lifecycle(self, verb: str) -> None:
        rows = await self._fresh_rows()
        if not rows:
            return
        question, details = lifecycle_question(verb, rows)
        ids = [row.id for row in rows]

        def act(answer: str | None) -> None:
            if answer is None:
                return
            if verb == "archive":
                self.drover.archive_sessions(ids)
            else:
                self.drover.delete_sessions(ids)
            self.actions_queued(ids)

        dialog = ConfirmScreen(question, verb.capitalize(), details=details)
        self.drover.push_screen(dialog, act)
