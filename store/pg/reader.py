"""`PgMirrorReader`: the read API (`drover.store.api.MirrorReads`) on a PostgreSQL mirror.

Every query is `MirrorReader`'s own, run through a `PgConn` (see `drover.store.dialect` for
the fragments that differ); only search has its own plan, over the `tsvector` index
(`drover.store.pg.search`). Each thread gets its own read-only autocommit connection, so a
statement sees the last committed state, as an SQLite reader does under WAL.
"""

from __future__ import annotations

import threading
from typing import cast

from drover.store.dialect import Conn
from drover.store.models import SearchHit
from drover.store.pg import search as _search
from drover.store.pg.conn import PgConn, connect
from drover.store.reader import MirrorReader
from drover.store.search_filters import SearchFilters

__all__ = ["PgMirrorReader"]


class PgMirrorReader(MirrorReader):
    """Read-only access to a PostgreSQL mirror.

    Args:
        url: the database (`postgresql://…`); its tables must exist (the writer creates them).
    """

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

    def _find(
        self, query: str, filters: SearchFilters, limit: int, before_seq: int | None, raw: bool,
        cancel: threading.Event | None,
    ) -> list[SearchHit]:  # fmt: skip
        conn = cast(PgConn, self._conn())  # `_open` makes nothing else
        return _search.search(
            conn, query, filters=filters, limit=limit, before_seq=before_seq, raw=raw,
            cancel=cancel,
        )  # fmt: skip
