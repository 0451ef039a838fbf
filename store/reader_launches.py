"""`LaunchQueries`: the mirror's launch records for `MirrorReader` (`drover.store.launches`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from drover.store.dialect import Conn

if TYPE_CHECKING:  # `drover.store.launches` loads on first use: `drover ls` needs none of it
    from drover.store.launches import LaunchItemRow, LaunchRow


class LaunchQueries:
    """Mixin for `MirrorReader`: launches and their items."""

    def _conn(self) -> Conn:  # pragma: no cover - supplied by MirrorReader
        raise NotImplementedError

    def launches(self, *, limit: int = 200) -> list[LaunchRow]:
        """The newest launches first, each with its items counted."""
        from drover.store.launches import LAUNCH_COLUMNS, launch_row

        conn = self._conn()
        rows = conn.execute(
            f"SELECT {LAUNCH_COLUMNS} FROM launches ORDER BY created_at DESC, id LIMIT ?",
            (limit,),
        ).fetchall()
        return [launch_row(conn, row) for row in rows]

    def launch(self, launch_id: str) -> LaunchRow | None:
        """One launch (None when the mirror has none of that id)."""
        from drover.store.launches import LAUNCH_COLUMNS, launch_row

        conn = self._conn()
        row = conn.execute(
            f"SELECT {LAUNCH_COLUMNS} FROM launches WHERE id = ?", (launch_id,)
        ).fetchone()
        return None if row is None else launch_row(conn, row)

    def launch_ids_with_prefix(self, prefix: str, *, limit: int = 10) -> list[str]:
        """Launch ids starting with `prefix` (to resolve a short id typed by a person)."""
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        rows = self._conn().execute(
            "SELECT id FROM launches WHERE id LIKE ? ESCAPE '\\' ORDER BY id LIMIT ?",
            (escaped + "%", limit),
        )
        return [row[0] for row in rows]

    def launch_items(
        self, launch_id: str, *, states: Sequence[str] | None = None
    ) -> list[LaunchItemRow]:
        """A launch's items in order (optionally only those in `states`), with their sessions."""
        from drover.store.launches import items_of

        return items_of(self._conn(), launch_id, states=states)
