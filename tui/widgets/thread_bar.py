"""`ThreadBar`: the lanes of a multi-agent session on one line, the one shown highlighted.

Why lanes you switch between rather than side-by-side panes: a transcript line carries tool
input JSON and message prose that already wrap at full width; two lanes in 140 columns halve
that and make both hard to read, and a coordinator with three sub-agents would need four. The
primary lane already interleaves every child's cross-posted activity (thread created, messages
sent and received, status changes), so it is the overview; `t` switches the transcript to one
child's own stream for the detail, at full width, with every lane's status visible here.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

from drover.store.models import ThreadRow
from drover.text.inert import inert_line

_BADGES = {
    "running": ("●", "$session-running"),
    "idle": ("○", "$session-idle"),
    "rescheduling": ("↻", "$session-needs-you"),
    "terminated": ("■", "$session-terminated"),
}


def child_threads(threads: Sequence[ThreadRow]) -> tuple[ThreadRow, ...]:
    """The sub-agent threads: the API lists the primary thread too (`parent_thread_id` null).

    A thread known only from a `session.thread_created` event (no Thread object mirrored yet,
    so no `raw`) is always a child: the primary thread is never "created" by an event.
    """
    return tuple(t for t in threads if t.parent_thread_id is not None or t.raw is None)


def lanes(threads: Sequence[ThreadRow]) -> list[str | None]:
    """Lane keys in bar order: None (the primary) first, then each child thread's id."""
    return [None, *(t.id for t in threads)]


class ThreadBar(Static):
    """Tabs for the primary and each child thread, with status badges; hidden without threads."""

    DEFAULT_CSS = """
    ThreadBar { height: 1; background: $surface; padding: 0 1; display: none; }
    ThreadBar.-multi { display: block; }
    """

    threads: reactive[tuple[ThreadRow, ...]] = reactive(())
    """The session's child threads, oldest first (see `child_threads`)."""
    selected: reactive[str | None] = reactive(None)
    """The lane shown in the transcript (None = the primary)."""

    def watch_threads(self, threads: tuple[ThreadRow, ...]) -> None:
        self.set_class(bool(threads), "-multi")

    def render(self) -> Content:
        parts: list[str | tuple[str, str]] = [("lanes ", "$text-muted")]
        parts += self._tab("primary", None, None)
        for thread in self.threads:
            name = inert_line(thread.agent_name or thread.id[-8:])
            parts += self._tab(name, thread.id, thread.status)
        parts += ["  ", ("t next lane", "$text-muted italic")]
        return Content.assemble(*parts)

    def _tab(self, name: str, key: str | None, status: str | None) -> list[str | tuple[str, str]]:
        chosen = key == self.selected
        label = (f" {name} ", "bold reverse $accent" if chosen else "bold")
        if status is None:
            return [" ", label]
        glyph, style = _BADGES.get(status, ("?", "$text-muted"))
        return [" ", label, " ", (f"{glyph} {inert_line(status)}", style)]
