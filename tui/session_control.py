"""`SessionControl`: the App's create / archive / delete workers (sync's control plane).

These are not session events, so they skip the outbox: each runs the sync engine's call in an
async worker and reports the outcome itself — success as a notice, a refusal with the server's
own message (e.g. the 400 for archiving a running session). Still no HTTP here: the engine
speaks to the API.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal

from textual import work

from drover.api.errors import ApiError, DroverApiError
from drover.sync.engines import Engine, NewSession, NotConnectedError

Lifecycle = Literal["archive", "delete"]
_DONE: dict[Lifecycle, str] = {"archive": "archived", "delete": "deleted"}


def describe(error: BaseException) -> str:
    """What to tell the user about a failed call: the server's message when it sent one."""
    if isinstance(error, ApiError) and error.message:
        return f"{error.message} ({error.status})" if error.status else error.message
    return str(error) or type(error).__name__


class SessionControl:
    """Mixin for `DroverApp`: create, archive and delete sessions through the sync engine."""

    if TYPE_CHECKING:
        engine: Engine | None
        readonly: bool

        def notify(self, message: str, **kwargs: Any) -> None: ...

        def refuse_readonly(self, what: str) -> None: ...

        def open_session(self, session_id: str) -> None: ...

    def create_session(self, request: NewSession) -> None:
        """Create a session (refused read-only); on success, open it."""
        if self.readonly:
            self.refuse_readonly("new session")
            return
        self._create(request)

    def archive_sessions(self, session_ids: Sequence[str]) -> None:
        """Archive sessions (refused read-only), one request each."""
        self._lifecycle("archive", session_ids)

    def delete_sessions(self, session_ids: Sequence[str]) -> None:
        """Delete sessions upstream (refused read-only); the mirror keeps their history."""
        self._lifecycle("delete", session_ids)

    def _lifecycle(self, verb: Lifecycle, session_ids: Sequence[str]) -> None:
        if self.readonly:
            self.refuse_readonly(verb)
        elif session_ids:
            self._run_lifecycle(verb, list(session_ids))

    def _control_engine(self) -> Engine | None:
        """The engine, or None after telling the user no mirror is open."""
        if self.engine is None:
            self.notify("No mirror is open: nothing was sent.", severity="error")
        return self.engine

    @work(group="session-control", exit_on_error=False)
    async def _create(self, request: NewSession) -> None:
        engine = self._control_engine()
        if engine is None:
            return
        try:
            session_id = await engine.create_session(request)
        except (DroverApiError, NotConnectedError) as exc:
            self.notify(f"Session not created: {describe(exc)}", severity="error", timeout=10)
            return
        self.notify(f"Created {session_id}")
        self.open_session(session_id)

    @work(group="session-control", exit_on_error=False)
    async def _run_lifecycle(self, verb: Lifecycle, session_ids: list[str]) -> None:
        engine = self._control_engine()
        if engine is None:
            return
        calls: dict[Lifecycle, Callable[[str], Awaitable[None]]] = {
            "archive": engine.archive_session,
            "delete": engine.delete_session,
        }
        done = 0
        for session_id in session_ids:
            try:
                await calls[verb](session_id)
            except (DroverApiError, NotConnectedError) as exc:
                # One refusal (a running session) must not stop the rest of a bulk act.
                message = f"{verb.capitalize()} {session_id} refused: {describe(exc)}"
                self.notify(message, severity="error", timeout=10)
            else:
                done += 1
        if done:
            self.notify(f"{_DONE[verb]} {done} session(s)")
