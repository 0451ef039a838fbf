"""A session's lanes: which of its stored events a transcript view reads.

Apart from `drover.store.replay` (which re-exports these) so that the reader's transcript
queries name a lane without loading replay's marker tables and `drover.store.extract`: `drover
ls` opens a reader and reads no transcript (issue 13).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from drover.store.models import SQLValue

PRIMARY = None
"""`thread=PRIMARY`: the session (primary) stream's view of a transcript."""
ALL_THREADS = "*"
"""`thread=ALL_THREADS`: every stored event of the session, whatever stream it came from."""


def lane_filter(thread: str | None) -> tuple[str, list[SQLValue]]:
    """SQL (to AND into a WHERE on `events`) selecting one lane of a session, and its params.

    Args:
        thread: `PRIMARY` (the session stream's view), `ALL_THREADS`, or a thread id.
    """
    if thread is PRIMARY:
        return "on_primary = 1", []
    if thread == ALL_THREADS:
        return "1 = 1", []
    return "thread_id = ?", [thread]
