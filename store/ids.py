"""Ids by unique prefix: `sesn_011CdoE` (or `011CdoE`) for the one session whose id starts so.

Both lookups are range scans of a unique index (`id >= prefix AND id < prefix⁺`), so they cost
a few page reads whatever the mirror's size.
"""

from __future__ import annotations

from drover.store.dialect import Conn

__all__ = ["ID_PREFIXES", "ids_with_prefix"]

ID_PREFIXES = {"session": "sesn_", "event": "sevt_"}
"""The server's id prefix of each kind; a prefix given without it is tried with it too."""


def _upper(prefix: str) -> str:
    """The smallest string greater than every string starting with `prefix`."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def ids_with_prefix(
    conn: Conn,
    kind: str,
    prefix: str,
    *,
    session_id: str | None = None,
    limit: int = 10,
) -> list[str]:
    """Mirrored ids of `kind` (`session` or `event`) starting with `prefix`, in id order.

    Args:
        conn: a read connection.
        kind: `session` or `event`.
        prefix: what the user typed (an exact id is its own only match).
        session_id: for events, look only in this session.
        limit: most ids returned (enough to show that a prefix is ambiguous).
    """
    table = {"session": "sessions", "event": "events"}[kind]
    starts = [prefix]
    if not prefix.startswith(ID_PREFIXES[kind]):
        starts.append(ID_PREFIXES[kind] + prefix)
    found: list[str] = []
    for start in starts:
        sql = f"SELECT id FROM {table} WHERE id >= ? AND id < ?"
        params: list[object] = [start, _upper(start)]
        if session_id is not None and kind == "event":
            sql += " AND session_id = ?"
            params.append(session_id)
        rows = conn.execute(f"{sql} ORDER BY id LIMIT ?", [*params, limit]).fetchall()
        found += [row[0] for row in rows if row[0] not in found]
    return found[:limit]
