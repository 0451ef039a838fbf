"""Insert-or-update by id, for the tables that mirror API objects as they were last read
(agents, environments, threads, deployments, vaults…). These tables have no FTS index, so
`INSERT … ON CONFLICT DO UPDATE` is safe on them; it is the same statement on both backends."""

from __future__ import annotations

from drover.store.dialect import Conn
from drover.store.models import SQLValue

__all__ = ["upsert_by_id"]


def upsert_by_id(conn: Conn, table: str, rows: list[dict[str, SQLValue]]) -> None:
    """Insert `rows` (all with the same keys, `id` among them) or update them by id."""
    if not rows:
        return
    cols = list(rows[0])
    updates = ", ".join(f"{c} = excluded.{c}" for c in cols if c != "id")
    conn.executemany(
        f"INSERT INTO {table}({', '.join(cols)}) VALUES ({', '.join(':' + c for c in cols)}) "
        f"ON CONFLICT(id) DO UPDATE SET {updates}",
        rows,
    )
