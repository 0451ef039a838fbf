"""Opening a reader on a mirror wherever it lives (`drover.store.location`): the embedded
SQLite file, or a team's shared PostgreSQL database. `Mirror.open` does the same for a writer
and a reader together."""

from __future__ import annotations

from pathlib import Path

from drover.store.api import MirrorReads
from drover.store.location import is_postgres, require_driver

__all__ = ["open_reader"]


def open_reader(location: str | Path) -> MirrorReads | None:
    """A reader on the mirror at `location`, brought up to the current schema first (a reader
    never migrates, and a mirror last written by an older drover lacks newer columns); None
    when there is no mirror file yet. Costs one version read when the schema is current.

    Raises:
        MirrorVersionError: the mirror was written by a newer drover.
        MirrorUnavailableError: a shared mirror's database cannot be reached.
    """
    if is_postgres(location):
        require_driver(location)
        from drover.store.pg.conn import connect as connect_pg  # psycopg: PostgreSQL only
        from drover.store.pg.reader import PgMirrorReader
        from drover.store.pg.schema import migrate as migrate_pg

        conn = connect_pg(str(location))
        try:
            migrate_pg(conn)
        finally:
            conn.close()
        return PgMirrorReader(str(location))
    from drover.store.migrations import connect, migrate
    from drover.store.reader import MirrorReader

    path = Path(location)
    if not path.exists():
        return None
    db = connect(path)
    try:
        migrate(db)
    finally:
        db.conn.close()
    return MirrorReader(path)
