"""Opening a PostgreSQL mirror: its writer, its reader and, when someone listens for changes,
the listener that brings them the other processes' commits."""

from __future__ import annotations

from drover.store.pg.listen import ChangeListener
from drover.store.pg.reader import PgMirrorReader
from drover.store.pg.writer import PgMirrorWriter
from drover.store.writer import ChangeCallback

__all__ = ["open_pg"]


def open_pg(
    url: str,
    *,
    on_change: ChangeCallback | None,
    on_notice: ChangeCallback | None,
    max_batch: int,
    max_latency: float,
) -> tuple[PgMirrorWriter, PgMirrorReader, ChangeListener | None]:
    """Connect to (creating and migrating if needed) the mirror in the database at `url`
    (`on_change`: this writer's commits; `on_notice`: the other processes', heard by a
    listener started only when it is given).

    Raises:
        MirrorUnavailableError: the server cannot be reached or refuses the login.
        MirrorVersionError: the database holds a newer mirror schema.
    """
    writer = PgMirrorWriter(url, on_change=on_change, max_batch=max_batch, max_latency=max_latency)
    try:
        reader = PgMirrorReader(url)
        listener = None
        if on_notice is not None:
            listener = ChangeListener(url, on_notice, ignore_pid=lambda: writer.backend_pid)
    except BaseException:
        writer.close()
        raise
    return writer, reader, listener
