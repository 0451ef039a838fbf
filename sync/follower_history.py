"""The follower's history reads: the back-fill after every (re)connect, and the gap check.

Mixed into :class:`~drover.sync.follower.Follower`. Both read from an overlap window before
the sync cursor, quarantine items that are not events, and stop a server that pages forever
(see :mod:`drover.sync.history` and :func:`drover.api.pages.walk_pages`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from drover.api.pages import walk_pages
from drover.sync.connection import StopReason
from drover.sync.events import mentions_child_thread, terminal_reason
from drover.sync.history import find_gaps, store_page, window_start

if TYPE_CHECKING:
    from drover.api.client import ManagedAgentsClient
    from drover.store.api import MirrorReads, MirrorWrites
    from drover.sync.threads import ThreadMirror

__all__ = ["HistoryReads"]


class HistoryReads:
    """Mixin: :meth:`_backfill` and :meth:`find_gaps`."""

    if TYPE_CHECKING:
        session_id: str
        backfills: int
        _client: ManagedAgentsClient
        _reader: MirrorReads
        _writer: MirrorWrites
        _threads: ThreadMirror | None
        _history_limit: int
        _overlap: float

    async def find_gaps(self) -> int:
        """Compare the server's recent history (the cursor's overlap window) with the mirror and
        store what is missing; returns how many items were (see :mod:`drover.sync.history`)."""
        return await find_gaps(
            self._client,
            self._reader,
            self._writer,
            self.session_id,
            overlap=self._overlap,
            limit=self._history_limit,
        )

    async def _backfill(self) -> StopReason | None:
        """List history from the cursor's overlap window to the end; return a terminal reason
        if found."""
        cursor = self._reader.cursor(self.session_id)
        since = window_start(cursor.last_processed_at if cursor else None, self._overlap)
        terminal: StopReason | None = None
        threads_seen = False
        walk = walk_pages(
            lambda token: self._client.list_events(
                self.session_id,
                order="asc",
                created_at_gte=since,
                limit=self._history_limit,
                page=token,
            ),
            what=f"history of {self.session_id}",
        )
        async for page in walk:
            await store_page(self._writer, self.session_id, page)
            if page.data:
                terminal = terminal_reason(page.data) or terminal
                threads_seen = threads_seen or any(map(mentions_child_thread, page.data))
        if self._threads is not None and (
            self.backfills == 0 or self._threads.has_children or threads_seen
        ):
            # Listing threads costs a read per reconnect; single-agent sessions (no child
            # seen so far, none mentioned in the gap) skip it after the first connect.
            await self._threads.sync()
        self.backfills += 1
        return terminal
