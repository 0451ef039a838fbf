"""The mirror's disk, as the commands see it: one sentence per broken disk, and offline reads.

A full disk, a read-only data directory, a damaged mirror file and a mirror written by a newer
drover each become one ``drover: …`` line with what to do next (:func:`disk_error`), never a
``sqlite3`` traceback. :func:`open_reader` opens the mirror for the offline commands (``ls``,
``search``, ``export``, ``cost``, ``tail --offline``): it brings an older mirror up to date when
it can write, and reads a read-only one as it stands.
"""

from __future__ import annotations

from typing import Any

from drover.cli.errors import CliError
from drover.config.paths import mirror_path

__all__ = ["DiskNotice", "disk_error", "mirror_failure", "open_reader"]

REPAIR_HINT = "`drover doctor --repair` moves it aside and rebuilds it from the server"


class DiskNotice:
    """Says on stderr, once, that the disk filled up (sync pauses) and, once, that it resumed.

    Args:
        writer: the engine's ``MirrorWriter``; :meth:`check` reads its ``disk_full``.
    """

    def __init__(self, writer: Any) -> None:
        self.writer = writer
        self.paused = False

    def check(self) -> None:
        """Print a line if the disk state changed since the last call."""
        import sys

        full = self.writer.disk_full
        if full is not None and not self.paused:
            print(
                f"drover: {full.sentence()} — sync paused; it resumes once space is freed "
                "(nothing is lost)",
                file=sys.stderr,
                flush=True,
            )
        elif full is None and self.paused:
            print("drover: disk space is back — sync resumed", file=sys.stderr, flush=True)
        self.paused = full is not None


def disk_error(exc: BaseException, ctx: Any) -> CliError | None:
    """The message for a storage failure of the profile's mirror; None for anything else.

    Args:
        exc: what was raised.
        ctx: the command's ``Context``, when it was built.
    """
    from drover.store.errors import (
        DiskFullError,
        MirrorCorruptError,
        MirrorReadOnlyError,
        storage_error,
    )
    from drover.store.migrations import MirrorVersionError

    if isinstance(exc, MirrorVersionError):
        return CliError(str(exc))
    if ctx is None:
        return None
    error = storage_error(exc, mirror_path(ctx.name, ctx.data_dir))
    if isinstance(error, DiskFullError):
        return CliError(
            f"{error.sentence()}: nothing more can be mirrored",
            hint="free some space and run it again; everything mirrored so far is kept",
        )
    if isinstance(error, MirrorReadOnlyError):
        return CliError(
            f"the data directory {ctx.data_dir} is read-only: drover cannot write its mirror",
            hint="--data-dir or DROVER_DATA_DIR picks a writable one; `ls --offline`, "
            "`search`, `export` and `tail --offline` can still read this one",
        )
    if isinstance(error, MirrorCorruptError):
        return CliError(error.sentence(), hint=REPAIR_HINT)
    return None


def mirror_failure(ctx: Any, reason: str, detail: str) -> CliError:
    """The message for a sync stopped because its mirror turned out damaged or read-only."""
    from drover.store.errors import MirrorCorruptError, MirrorReadOnlyError

    path = mirror_path(ctx.name, ctx.data_dir)
    kind = MirrorCorruptError if reason == "mirror_corrupt" else MirrorReadOnlyError
    error = disk_error(kind(path, detail), ctx)
    assert error is not None
    return error


def open_reader(ctx: Any) -> Any | None:
    """A reader (``MirrorReads``) on the profile's mirror, or None when nothing is mirrored yet.

    Readers never migrate, and a mirror last written by an older drover lacks newer columns
    and tables (the ledger's, `sessions.origin`): bring it up to the current schema first,
    which costs one pragma read when it already is. A mirror in a read-only folder is read
    as it is, when its schema is current. A team's shared mirror (`--store`, a profile's
    `store`) is PostgreSQL's business: `drover.store.backends.open_reader` opens it.

    Raises:
        CliError: the mirror is newer than this drover, damaged, or needs an upgrade that a
            read-only folder does not allow.
    """
    from pathlib import Path

    from drover.store.errors import DiskFullError, is_writable_dir, storage_error
    from drover.store.location import is_postgres
    from drover.store.migrations import (
        SCHEMA_VERSION,
        MirrorVersionError,
        check_version,
        connect,
        migrate,
    )
    from drover.store.reader import MirrorReader

    location = ctx.locate_mirror()
    if is_postgres(location):
        from drover.store.backends import open_reader as open_shared

        try:
            return open_shared(location)
        except MirrorVersionError as exc:
            raise CliError(str(exc)) from None
    path = Path(location)
    if not path.exists():
        return None
    writable = is_writable_dir(path.parent)
    try:
        try:
            db = connect(path, read_only=not writable)
        except Exception as exc:
            if not writable or not isinstance(storage_error(exc, path), DiskFullError):
                raise
            writable, db = False, connect(path, read_only=True)  # a full disk: read it as is
        try:
            if writable:
                migrate(db)
            elif check_version(db.conn) < SCHEMA_VERSION:
                raise CliError(
                    f"the mirror {path} needs an upgrade to this drover's schema, and its "
                    "folder cannot be written",
                    hint="run once with write access, or use the drover that wrote it",
                )
        finally:
            db.conn.close()
    except CliError:
        raise
    except Exception as exc:
        error = disk_error(exc, ctx)
        if error is None:
            raise
        raise error from None
    return MirrorReader(path)
