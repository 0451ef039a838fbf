"""`SyncQueries`: what sync asks the mirror beyond events — quarantine, gap checks, the hub's
heartbeat and who this process acts as.

Mixed into `MirrorReader` (which supplies `_conn()`, a thread-local read connection).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from drover.store.dialect import Conn

if TYPE_CHECKING:  # heartbeats and quarantined items load on first use: `drover ls` reads neither
    from drover.store.hub_status import HubStatusRow
    from drover.store.models import QuarantineRow

__all__ = ["SyncQueries"]

_CHUNK = 500  # ids per IN (...) lookup: under SQLite's bound-parameter limit


class SyncQueries:
    """Quarantine and gap queries (see the module docstring)."""

    def _conn(self) -> Conn:  # pragma: no cover - supplied by MirrorReader
        raise NotImplementedError

    def hub_status(self) -> list[HubStatusRow]:
        """Every hub's last heartbeat, newest first (see `drover.store.hub_status`)."""
        from drover.store.hub_status import hub_status_rows

        return hub_status_rows(self._conn())

    def quarantined(self, session_id: str) -> list[QuarantineRow]:
        """A session's quarantined items, oldest first."""
        from drover.store.models import QuarantineRow

        rows = self._conn().execute(
            "SELECT id, session_id, thread_id, event_id, local_event_id, source, reason, size, "
            "sha256, raw, first_seen FROM quarantine WHERE session_id = ? ORDER BY id",
            (session_id,),
        )
        return [QuarantineRow(*row) for row in rows]

    def unaccounted_keys(self, session_id: str, keys: Iterable[str]) -> set[str]:
        """Which of `keys` (store ids of server events) the mirror holds neither as an event
        nor as a quarantined item of the session: the gaps a verification found."""
        wanted = list(dict.fromkeys(keys))
        found: set[str] = set()
        conn = self._conn()
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            found.update(
                r[0] for r in conn.execute(f"SELECT id FROM events WHERE id IN ({marks})", chunk)
            )
            found.update(
                r[0]
                for r in conn.execute(
                    "SELECT item_key FROM quarantine WHERE session_id = ? "
                    f"AND item_key IN ({marks})",
                    [session_id, *chunk],
                )
            )
        return set(wanted) - found

    def newest_seq(self) -> int:
        """The highest event seq in the mirror (0 when empty)."""
        row = self._conn().execute("SELECT max(seq) FROM events").fetchone()
        return int(row[0] or 0)

    def sessions_changed_after(self, seq: int) -> dict[str, int]:
        """Sessions with events stored after `seq` (by any process), with their newest seq.

        A range on the events' primary key: cheap when nothing is new, which is the common case
        for the observer that polls it (see `drover.sync.mirror_watch`).
        """
        rows = self._conn().execute(
            "SELECT session_id, max(seq) FROM events WHERE seq > ? GROUP BY session_id", (seq,)
        )
        return {str(sid): int(high) for sid, high in rows}
