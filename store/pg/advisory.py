"""A lock held for as long as a process lives: a PostgreSQL session-level advisory lock.

The right to follow a shared mirror's fleet belongs to one process in the whole team (the
hub), not one per machine as `follow.lock` gives. `SessionLock` takes
`pg_try_advisory_lock(key)` on a connection of its own and holds it while that connection
lives: a hub that exits, crashes or loses the network gives it up without any clean-up, and
another (a standby hub, or the same one restarted) takes it over.
"""

from __future__ import annotations

import contextlib
import logging

import psycopg

from drover.store.location import MirrorUnavailableError
from drover.store.pg.conn import PgConn, connect

__all__ = ["FOLLOW_LOCK", "SessionLock"]

log = logging.getLogger(__name__)

FOLLOW_LOCK = 0x64726F66  # "drof": the right to follow the fleet of a shared mirror


class SessionLock:
    """An advisory lock on its own connection.

    Args:
        url: the database.
        key: the lock's number.
    """

    def __init__(self, url: str, key: int = FOLLOW_LOCK) -> None:
        self.url = url
        self.key = key
        self._conn: PgConn | None = None
        self._taken = False

    @property
    def held(self) -> bool:
        """The lock is held: taken, and its connection still alive (asks the server)."""
        conn = self._conn
        if conn is None or not self._taken:
            return False
        try:
            conn.execute("SELECT 1").fetchone()
        except psycopg.Error:
            self.release()
            return False
        return True

    def acquire(self) -> bool:
        """Take the lock if nobody holds it; False when another session does. A refused
        attempt keeps its connection, so the next (a standby's, every few seconds) is one
        round trip, not a new login.

        Raises:
            MirrorUnavailableError: the database cannot be reached.
        """
        if self._taken:
            return True
        conn = self._conn or connect(self.url)
        try:
            row = conn.execute("SELECT pg_try_advisory_lock(?)", (self.key,)).fetchone()
        except psycopg.Error as exc:
            self.release()
            conn.close()
            raise MirrorUnavailableError(f"cannot take the follow lock: {exc}") from exc
        self._conn = conn
        self._taken = bool(row and row[0])
        return self._taken

    def release(self) -> None:
        """Give the lock back (closing its connection does that, whatever state it is in)."""
        conn, self._conn, self._taken = self._conn, None, False
        if conn is not None:
            with contextlib.suppress(psycopg.Error):
                conn.close()
