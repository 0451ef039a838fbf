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

__all__ = ["disk_error", "open_reader"]

REPAIR_HINT = "`drover doctor --repair` moves it aside and rebuilds it from the server"


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
    error = storage_error(exc, ctx.engines.mirror_path(ctx.name))
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


def open_reader(ctx: Any) -> Any | None:
    """A ``MirrorReader`` on the profile's mirror, or None when nothing is mirrored yet.

    Readers never migrate, and a mirror last written by an older drover lacks newer columns
    and tables (the ledger's, `sessions.origin`): bring it up to the current schema first,
    which costs one pragma read when it already is. A mirror in a read-only folder is read
    as it is, when its schema is current.

    Raises:
        CliError: the mirror is newer than this drover, damaged, or needs an upgrade that a
            read-only folder does not allow.
    """
    from drover.config import mirror_path
    from drover.store.errors import is_writable_dir
    from drover.store.migrations import SCHEMA_VERSION, check_version, connect, migrate
    from drover.store.reader import MirrorReader

    path = mirror_path(ctx.name, ctx.data_dir)
    if not path.exists():
        return None
    writable = is_writable_dir(path.parent)
    db = connect(path, read_only=not writable)
    try:
        if writable:
            migrate(db)
        elif check_version(db.conn) < SCHEMA_VERSION:
            raise CliError(
                f"the mirror {path} needs an upgrade to this drover's schema, and its folder "
                "is read-only",
                hint="run once with write access, or use the drover that wrote it",
            )
    except Exception as exc:
        error = disk_error(exc, ctx)
        if error is None:
            raise
        raise error from None
    finally:
        db.conn.close()
    return MirrorReader(path)
