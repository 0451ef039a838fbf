"""Sessions loaded from an export file (`drover import`) are the mirror's alone.

The server that ran them is usually not this profile's (that is why they were exported), so
sync leaves them alone: the poller never reconciles them (a 404 would mean nothing), and the
engine never follows them, neither explicitly nor because a poll listed the id. The mirror
marks them with `sessions.origin` (`drover.store.imports`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from drover.store.api import MirrorReads

__all__ = ["ImportedSessionError", "is_imported"]


class ImportedSessionError(ValueError):
    """Sync was asked to follow a session that was imported from a file."""

    def __init__(self, session_id: str) -> None:
        super().__init__(
            f"session {session_id} was imported from an export file; it is reviewed from the "
            "mirror and never synced"
        )
        self.session_id = session_id


def is_imported(reader: MirrorReads | None, session_id: str) -> bool:
    """True when the mirror holds `session_id` as an imported session (`origin` set)."""
    row = reader.session(session_id) if reader is not None else None
    return row is not None and getattr(row, "origin", None) is not None
