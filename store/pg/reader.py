"""`PgMirrorReader`: the read API (`drover.store.api.MirrorReads`) on a PostgreSQL mirror.

Every query is `MirrorReader`'s own, run through a `PgConn` (see `drover.store.dialect` for
the fragments that differ); search runs the same way on the `tsvector` index
(`drover.store.pg.search`). Each thread gets its own read-only autocommit connection, so a
statement sees the last committed state, as an SQLite reader does under WAL.
"""

from __future__ import annotations

import threading

from drover.store.dialect import Conn
from drover.store.pg.conn import connect
from drover.store.pg.search import TSVECTOR
from drover.store.reader import MirrorReader

__all__ = ["PgMirrorReader"]


class PgMirrorReader(MirrorReader):
    """Read-only access to a PostgreSQL mirror.

    Args:
        url: the database (`postgresql://…`); its tables must exist (the writer creates them).
    """

    _index = TSVECTOR

    def __init__(self, url: str) -> None:  # no super(): there is no file to look for
        self.url = url
        self._local = threading.local()
        self._lock = threading.Lock()
        self._conns: list[Conn] = []

    @property
    def location(self) -> str:
        """The database URL."""
        return self.url

    def _open(self) -> Conn:
        return connect(self.url, read_only=True)
