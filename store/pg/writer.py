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
"""

from __future__ import annotations

from typing import cast

from drover.store.dialect import Conn
from drover.store.pg.conn import PgConn, connect
from drover.store.pg.listen import CHANNEL, encode_notices
from drover.store.pg.schema import WRITE_LOCK, migrate
from drover.store.writer import ChangeCallback, MirrorWriter

__all__ = ["PgMirrorWriter"]


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
        self._start(on_change, max_batch, max_latency)

    def _open(self) -> Conn:
        conn = connect(self.url)
        migrate(conn)
        self.backend_pid = conn.backend_pid
        return conn

    def _begin(self, conn: Conn) -> None:
        cast(PgConn, conn).begin(lock=WRITE_LOCK)  # `_open` makes nothing else

    def _publish(self, conn: Conn, notices: dict[str, int]) -> None:
        for payload in encode_notices(notices):
            conn.execute("SELECT pg_notify(?, ?)", (CHANNEL, payload))
