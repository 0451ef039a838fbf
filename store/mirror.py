"""`Mirror`: one profile's mirror — a writer thread plus a reader, opened together.

The mirror is an SQLite file by default, or a shared PostgreSQL database when its location is
a `postgresql://` URL (`drover.store.pg`, imported only then). Either way the writer is a
`MirrorWrites` and the reader a `MirrorReads` (`drover.store.api`).

Typical use::

    mirror = Mirror.open(data_dir / "default.db", on_change=notify)  # or "postgresql://hub/drover"
    result = await mirror.writer.ingest(session_id, events)
    page = mirror.reader.transcript(session_id, before_seq=first_visible_seq)
    mirror.close()
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, Self

from drover.store.api import MirrorReads, MirrorWrites
from drover.store.location import is_postgres, require_driver
from drover.store.migrations import Synchronous
from drover.store.reader import MirrorReader
from drover.store.writer import ChangeCallback, MirrorWriter


class _Closable(Protocol):
    def close(self) -> None: ...


class Mirror:
    """Facade owning a writer and a reader on the same mirror.

    Args:
        writer: the started writer.
        reader: a reader on the same mirror.
        listener: what brings other processes' changes to `on_change` (PostgreSQL), closed
            first.
        folder: the folder of the mirror's file, if it has one.
    """

    def __init__(
        self,
        writer: MirrorWrites,
        reader: MirrorReads,
        *,
        listener: _Closable | None = None,
        folder: Path | None = None,
    ) -> None:
        self.writer = writer
        self.reader = reader
        self.folder = folder
        """The folder of the mirror's file (None: a shared mirror lives in a database)."""
        self._listener = listener

    @property
    def location(self) -> str:
        """Where the mirror is: its file's path or its database's URL."""
        return self.reader.location

    @classmethod
    def open(
        cls,
        location: str | Path,
        *,
        synchronous: Synchronous = "NORMAL",
        on_change: ChangeCallback | None = None,
        on_notice: ChangeCallback | None = None,
        max_batch: int = 512,
        max_latency: float = 0.0,
    ) -> Self:
        """Open (creating and migrating if needed) the mirror at `location`: a file path, or
        a `postgresql://` URL (`synchronous` is SQLite's; PostgreSQL commits durably).

        `on_change` hears this process's commits (from the writer's thread) and, unless
        `on_notice` is given, other processes' too (PostgreSQL's listener); `on_notice` hears
        only the other processes' (the hub keeps them apart: see `drover.hub.service`).

        Cheap on an existing mirror: a version read and a trigger check, no scans.

        Raises:
            MirrorUnavailableError: a PostgreSQL mirror that cannot be reached (or no psycopg).
            MirrorVersionError: the mirror was written by a newer drover.
        """
        if is_postgres(location):
            require_driver(location)
            from drover.store.pg.mirror import open_pg  # psycopg loads for PostgreSQL only

            writer, reader, listener = open_pg(
                str(location),
                on_change=on_change,
                on_notice=on_notice or on_change,
                max_batch=max_batch,
                max_latency=max_latency,
            )
            return cls(writer, reader, listener=listener)
        path = Path(location)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        sqlite_writer = MirrorWriter(
            path,
            synchronous=synchronous,
            on_change=on_change,
            max_batch=max_batch,
            max_latency=max_latency,
        )
        return cls(sqlite_writer, MirrorReader(path), folder=path.parent)

    @property
    def shared(self) -> bool:
        """The mirror lives in a database a team shares (PostgreSQL), not in a file."""
        return self.folder is None

    def follow_lock(self) -> Any:
        """The team-wide right to follow a shared mirror's fleet (`drover.store.pg.advisory`:
        `acquire()`, `release()`, `held`); None for a file, whose processes take turns through
        `follow.lock` beside it."""
        if not self.shared:
            return None
        from drover.store.pg.advisory import SessionLock  # psycopg: PostgreSQL only

        return SessionLock(self.location)

    def close(self) -> None:
        """Stop listening, commit queued writes, stop the writer and close all connections."""
        if self._listener is not None:
            self._listener.close()
        self.writer.close()
        self.reader.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
