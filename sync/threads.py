"""Mirroring the child threads of a multi-agent session.

The session stream carries only the primary thread plus a condensed view of child activity
(thread created/status events, thread messages, cross-posted permission requests; §10). Full
child detail lives at ``GET …/threads/{tid}/events`` and ``…/threads/{tid}/stream``.

Design: **re-list on thread activity**, not one extra stream per child thread.

* Complete: every child event is produced before that child's next status change, and every
  status change of a child is cross-posted to the session stream (``session.thread_status_*``),
  which triggers a re-list; every (re)connect also re-lists. So when a child goes idle or
  terminates, its whole log is in the mirror. The thread events endpoint has no filters (§4.5),
  so a re-list reads the whole thread; the store's ``INSERT OR IGNORE`` makes re-reads cheap.
* Cheap at fleet scale: a thread stream per child would cost up to 25 extra long-lived
  connections and read-budget opens per session (500 followers → thousands); re-listing costs
  reads only when a child actually changes.
* Trade-off: a *running* child's events reach the mirror at its next status change (or the next
  reconnect) rather than live. Live child detail for the focused session is a later addition
  (a thread stream opened only for the focused session's expanded lane).

Threads whose ``(status, updated_at, archived_at)`` is unchanged since their last complete
listing and that are not running are skipped: they cannot have produced events unseen.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from drover.api.errors import NotFoundError
from drover.api.pages import walk_pages
from drover.api.wire import JSONObject
from drover.sync.history import store_page

if TYPE_CHECKING:
    from drover.api.client import ManagedAgentsClient
    from drover.store.api import MirrorWrites

__all__ = ["ThreadMirror"]

log = logging.getLogger("drover.sync.threads")

_ACTIVE = ("running", "rescheduling")


def _signature(thread: JSONObject) -> tuple[object, ...]:
    return (thread.get("status"), thread.get("updated_at"), thread.get("archived_at"))


class ThreadMirror:
    """Keeps the child threads of one session mirrored (used by its follower).

    Args:
        session_id: the session.
        client: a ``ManagedAgentsClient``.
        writer: the mirror's writer (``MirrorWrites``).
        page_limit: page size for thread and thread-event listings.
    """

    def __init__(
        self,
        session_id: str,
        client: ManagedAgentsClient,
        writer: MirrorWrites,
        page_limit: int = 1000,
    ) -> None:
        self.session_id = session_id
        self._client = client
        self._writer = writer
        self._limit = page_limit
        self._listed: dict[str, tuple[object, ...]] = {}
        self.relists = 0

    @property
    def has_children(self) -> bool:
        """Whether a child thread has been seen (then every reconnect re-checks threads)."""
        return bool(self._listed)

    async def sync(self) -> None:
        """List the session's threads, upsert them, and re-list changed children's events.

        Raises:
            DroverApiError: a transient failure; the follower reconnects and calls again.
        """
        try:
            threads = [t async for t in self._client.iter_threads(self.session_id)]
        except NotFoundError:
            # Either the session is gone (the follower's own calls will say so) or the
            # server has no thread endpoints (single-agent deployments): nothing to mirror.
            return
        threads = [t for t in threads if isinstance(t, dict) and t.get("id")]
        if threads:
            await self._writer.upsert_threads(threads)
        for thread in threads:
            if thread.get("parent_thread_id") is None:
                continue  # the primary thread is the session stream itself
            tid = thread["id"]
            sig = _signature(thread)
            if self._listed.get(tid) == sig and thread.get("status") not in _ACTIVE:
                continue
            if await self._list_thread(tid):
                self._listed[tid] = sig

    async def _list_thread(self, thread_id: str) -> bool:
        self.relists += 1
        walk = walk_pages(
            lambda token: self._client.list_thread_events(
                self.session_id, thread_id, limit=self._limit, page=token
            ),
            what=f"thread {thread_id} of {self.session_id}",
        )
        try:
            async for page in walk:
                await store_page(self._writer, self.session_id, page, thread_id=thread_id)
        except NotFoundError:
            log.info("thread %s of %s vanished while listing", thread_id, self.session_id)
            return False
        return True
