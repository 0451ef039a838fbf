"""Unique id prefixes wherever a command takes a session or an event id.

``drover tail 011CdoE`` (or ``sesn_011CdoE``) means the one mirrored session whose id starts
so; the same goes for ``send``/``approve``/``deny``/``interrupt``/``export``/``sync --session``/
``search --session`` and for event ids (``approve SESSION EVENT``, ``export --from/--to``),
which are looked up within the session. An id the mirror does not know is passed on as typed
(the server may know it); a prefix of several ids is a usage error that lists them.
"""

from __future__ import annotations

import argparse
from typing import Any

from drover.cli.errors import EXIT_USAGE, CliError

__all__ = ["resolve_ids"]

_SESSION_FIELDS = ("session",)
_EVENT_FIELDS = ("event", "from_event", "to_event")
_MIN_PREFIX = 4  # characters after `sesn_`/`sevt_`: shorter is a typo more often than a prefix


def resolve_ids(ctx: Any) -> None:
    """Replace unique prefixes in the parsed arguments by the full ids, in place.

    Raises:
        CliError: a prefix matches more than one mirrored id (exit 2).
    """
    args: argparse.Namespace = ctx.args
    wanted = [f for f in (*_SESSION_FIELDS, *_EVENT_FIELDS) if getattr(args, f, None)]
    if not wanted:
        return
    try:
        reader = ctx.reader()
    except Exception:  # no usable mirror: the command itself says why, if it needs one
        return
    if reader is None:
        return
    try:
        value = getattr(args, "session", None)
        if isinstance(value, list):
            args.session = [_one(reader, "session", v) for v in value]
        elif value:
            args.session = _one(reader, "session", value)
        session = args.session if isinstance(getattr(args, "session", None), str) else None
        for name in _EVENT_FIELDS:
            if getattr(args, name, None):
                setattr(args, name, _one(reader, "event", getattr(args, name), session))
    finally:
        reader.close()


def _one(reader: Any, kind: str, value: str, session_id: str | None = None) -> str:
    bare = value.removeprefix("sesn_" if kind == "session" else "sevt_")
    if len(bare) < _MIN_PREFIX:
        return value
    matches = reader.ids_with_prefix(kind, value, session_id=session_id, limit=4)
    if len(matches) == 1 or value in matches:
        return value if value in matches else str(matches[0])
    if not matches:
        return value
    shown = ", ".join(matches[:3]) + (", …" if len(matches) > 3 else "")
    where = f" in {session_id}" if session_id else ""
    raise CliError(
        f"{value} is the start of more than one {kind} id{where}: {shown}",
        hint="give more of the id",
        code=EXIT_USAGE,
    )
