"""`Mirror`: one profile's SQLite mirror — a writer thread plus a reader, opened together.

Typical use::

    mirror = Mirror.open(data_dir / "default.db", on_change=notify)
    result = await mirror.writer.ingest(session_id, events)
    page = mirror.reader.transcript(session_id, before_seq=first_visible_seq)
    mirror.close()
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import Self

from drover.store.migrations import Synchronous
from drover.store.reader import MirrorReader
from drover.store.writer import ChangeCallback, MirrorWriter


class Mirror:
    """Facade owning a `MirrorWriter` and a `MirrorReader` on the same file.

    Args:
        writer: the started writer.
        reader: a reader on the same file.
    """

    def __init__(self, writer: MirrorWriter, reader: MirrorReader) -> None:
        self.writer = writer
        self.reader = reader

    @classmethod
    def open(
        cls,
        path: str | Path,
        *,
        synchronous: Synchronous = "NORMAL",
        on_change: ChangeCallback | None = None,
        max_batch: int = 512,
        max_latency: float = 0.0,
    ) -> Self:
        """Open (creating and migrating if needed) the mirror file at `path`.

        Cheap on an existing file: a pragma read and a trigger check, no scans.
        """
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        writer = MirrorWriter(
            path,
            synchronous=synchronous,
            on_change=on_change,
            max_batch=max_batch,
            max_latency=max_latency,
        )
        return cls(writer, MirrorReader(path))

    def close(self) -> None:
        """Commit queued writes, stop the writer and close all connections."""
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
