"""`TranscriptEscapes`: ways out of the transcript, for the live view and replay.

`c` copies the current event's id, `C` the session's (Textual's clipboard, which also sends
OSC 52 so the terminal's clipboard gets it: over ssh and tmux too, where the terminal allows
it); `p` opens the current event whole in `$PAGER` (a tool call with its full input and
output), `P` the lane's whole transcript as ``drover tail`` prints it. The text is made on the
read pool and handed to the pager through a private temporary file, deleted afterwards.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.binding import Binding

from drover.tui.external import page_text
from drover.tui.viewmodel.event_text import event_page, transcript_page

if TYPE_CHECKING:
    from drover.store.models import SessionRow
    from drover.tui.app import DroverApp
    from drover.tui.widgets.event_list import EventList


class TranscriptEscapes:
    """Mixin for `TranscriptScreen`."""

    # Merged in by the screen's own BINDINGS: Textual reads BINDINGS from widget classes only.
    ESCAPE_BINDINGS: ClassVar[list[Binding]] = [
        Binding("c", "copy_id(False)", "Copy event id", show=False, id="transcript.copy-event"),
        Binding("C", "copy_id(True)", "Copy session id", show=False, id="transcript.copy-session"),
        Binding("p", "pager(False)", "Event in $PAGER", show=False, id="transcript.pager-event"),
        Binding("P", "pager(True)", "Transcript in $PAGER", show=False, id="transcript.pager-all"),
    ]

    if TYPE_CHECKING:
        drover: DroverApp
        session_id: str
        lane: str | None
        _row: SessionRow | None

        @property
        def events(self) -> EventList: ...
        def notify(self, message: str, **kwargs: Any) -> None: ...
        def _reader(self) -> Any: ...

    def action_copy_id(self, session: bool) -> None:
        """Copy the session's id (`C`) or the current event's (`c`) to the clipboard."""
        current = self.events.current
        if session or current is None:
            value, what = self.session_id, "session id"
        else:
            value, what = current.id, "event id"
        self.drover.copy_to_clipboard(value)
        self.notify(f"Copied the {what} {value}", title="Clipboard")

    def action_pager(self, whole: bool) -> None:
        """Open the current event (`p`) or the lane's transcript (`P`) in `$PAGER`."""
        self._page_out(whole)

    @work(group="transcript-pager", exclusive=True, exit_on_error=False)
    async def _page_out(self, whole: bool) -> None:
        reader, current = self._reader(), self.events.current
        if reader is None or (current is None and not whole):
            return
        if whole:
            title = (self._row.title if self._row else None) or "(untitled)"
            text = await self.drover.reads.run(
                transcript_page, reader, self.session_id, self.lane, title
            )
        else:
            assert current is not None
            text = await self.drover.reads.run(event_page, reader, current)
        error = await page_text(self.drover, text)
        if error is not None:
            self.notify(f"{error}. v shows it here.", title="Pager", severity="warning")
