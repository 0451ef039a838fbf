"""`PgMirrorWriter`: the mirror's writer thread on PostgreSQL.

Everything but the connection is `MirrorWriter`'s: the queue, batching, a savepoint per
operation, futures resolved after COMMIT, `on_change` on the writer thread. What PostgreSQL
adds, through the writer's three hooks:

* `_open`: connect and migrate (`drover.store.pg.schema`).
* `_begin`: `BEGIN`, then the mirror's advisory write lock, so writers in other processes
  (the hub, a viewer queueing an action) take turns batch by batch as SQLite's
  `BEGIN IMMEDIATE` makes them: seqs are handed out in commit order and ingest's
  check-then-insert never races.
* `_publish`: the batch's change notices as `NOTIFY drover_changes` in the same transaction, so
  listeners in other processes (`drover.store.pg.listen`) hear of exactly what committed.
* `_connection`: a lost connection is replaced before the next batch (a hub outlives a
  server restart; the batch that was running fails and its callers see why).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import cast

from drover.store.dialect import Conn
from drover.store.disk import DiskState
from drover.store.location import MirrorUnavailableError, describe
from drover.store.pg.conn import PgConn, connect
from drover.store.pg.listen import CHANNEL, encode_notices
from drover.store.pg.schema import WRITE_LOCK, migrate
from drover.store.writer import ChangeCallback, MirrorWriter

__all__ = ["PgMirrorWriter"]

log = logging.getLogger(__name__)


class PgMirrorWriter(MirrorWriter):
    """Owns a PostgreSQL mirror's write connection on a dedicated thread.

    Args:
        url: the database (`postgresql://…`; created tables are migrated at open).
        on_change: `(session_id, high_water_seq)` after each commit of this writer's (the
            mirror's listener reports other processes' commits).
        max_batch: most operations coalesced into one transaction.
        max_latency: how long the writer may wait for more operations to join a batch.
    """

    def __init__(
        self,
        url: str,
        *,
        on_change: ChangeCallback | None = None,
        max_batch: int = 512,
        max_latency: float = 0.0,
    ) -> None:
        self.url = url
        self.backend_pid = 0
        """The write connection's server process: listeners skip the notices it sends."""
        # No local disk: the server keeps its own. psycopg's errors are never typed as a full
        # or damaged file, so `disk_full` and `broken` stay None and nothing waits for space.
        self.disk = DiskState(Path(os.devnull))
        self._start(on_change, max_batch, max_latency)

    def _open(self) -> Conn:
        conn = connect(self.url)
        migrate(conn)
        self.backend_pid = conn.backend_pid
        return conn

    def _connection(self, conn: Conn) -> Conn:
        """A new connection when the last one was lost (the server restarted, the network
        dropped): the batch that saw it go failed, this one gets a fresh start. If the
        server is still away, the batch fails on the old one and the next tries again."""
        raw = cast(PgConn, conn).raw
        if not (raw.broken or raw.closed):
            return conn
        try:
            fresh = connect(self.url)
        except MirrorUnavailableError as exc:
            log.warning("mirror writer: %s", exc)
            return conn
        log.warning("mirror writer reconnected to %s", describe(self.url))
        self.backend_pid = fresh.backend_pid
        conn.close()
        return fresh

    def _begin(self, conn: Conn) -> None:
        cast(PgConn, conn).begin(lock=WRITE_LOCK)  # `_open` makes nothing else

    def _publish(self, conn: Conn, notices: dict[str, int]) -> None:
        for payload in encode_notices(notices):
            conn.execute("SELECT pg_notify(?, ?)", (CHANNEL, payload))
