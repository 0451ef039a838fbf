"""Reading a session's history into the mirror: pages in, bad items quarantined, gaps found.

Shared by the follower's back-fill, the thread mirror and the idle check, so each applies the
same three rules:

* **Every good event is kept.** A history page's items that are not storable events (see
  :func:`drover.api.event_screen.screen_event`) arrive in ``Page.rejected``; they are
  quarantined with their raw bytes and the reason (:mod:`drover.store.quarantine`) and shown in
  the session, and the page's good events are ingested as usual.
* **Back-fill from an overlap window before the cursor.** The official reference says
  ``created_at[gte]`` compares against each event's ``processed_at`` (one guide page says
  ``created_at``, a field events don't carry). Under either reading an event can become visible
  with a time at or before the cursor: a cross-posted thread event, clock skew between threads,
  equal timestamps, a queued message processed late. Listing from ``cursor - overlap`` and
  relying on ingest's id dedupe means such an event is never lost (re-reading a few seconds of
  events costs little: a duplicate insert is ~30× cheaper than a new one).
* **The idle check looks for gaps**, not just the newest id: it lists the same window and
  compares every id (an event without an id by its store key) with the mirror.
* **A timestamp from the future never moves the cursor.** One event stamped years ahead would
  otherwise put the cursor there, and every later back-fill and gap check would list from that
  moment: nothing new would ever be read from history again. Events more than
  :data:`FUTURE_SLACK` seconds ahead of this clock are stored but ignored for the cursor.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from drover.api.pages import Page, RejectedItem, walk_pages
from drover.api.timestamps import parse_timestamp
from drover.api.wire import JSONObject
from drover.store.extract import event_id, ts_key
from drover.store.ingest import AUTO_CURSOR
from drover.store.quarantine import QuarantineItem

if TYPE_CHECKING:
    from drover.api.client import ManagedAgentsClient
    from drover.store.api import MirrorReads, MirrorWrites

__all__ = [
    "BACKFILL_OVERLAP",
    "find_gaps",
    "item_keys",
    "quarantine_rejected",
    "safe_cursor",
    "store_page",
    "window_start",
]

log = logging.getLogger("drover.sync.history")

BACKFILL_OVERLAP = 5.0
"""Seconds before the sync cursor that every back-fill and gap check re-reads."""


FUTURE_SLACK = 300.0
"""Seconds an event's ``processed_at`` may lie ahead of this clock and still move the cursor."""


def safe_cursor(events: list[JSONObject]) -> str | None:
    """The ``cursor`` argument for ingesting `events`: the store's automatic one (the newest
    ``processed_at``) unless some event claims a time from the future; then the newest of the
    others (None — leave the cursor — when none is left)."""
    limit = (datetime.now(UTC) + timedelta(seconds=FUTURE_SLACK)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    newest: tuple[str, str] | None = None
    future = False
    for event in events:
        stamp = event.get("processed_at")
        key = ts_key(stamp)
        if key is None:
            continue
        if key > limit:
            future = True
        elif newest is None or key > newest[0]:
            newest = (key, str(stamp))
    if not future:
        return AUTO_CURSOR
    log.warning("an event claims a processed_at in the future; the sync cursor ignores it")
    return newest[1] if newest is not None else None


def window_start(cursor_at: str | None, overlap: float) -> str | None:
    """The ``created_at[gte]`` of a back-fill: the cursor moved back by `overlap` seconds."""
    if cursor_at is None or overlap <= 0:
        return cursor_at
    when = parse_timestamp(cursor_at)
    if when is None:
        return None  # an unreadable cursor: list everything rather than guess
    start = when - timedelta(seconds=max(0.0, overlap))
    return start.isoformat(timespec="microseconds").replace("+00:00", "Z")


def _rejected_key(item: RejectedItem) -> str:
    return item.event_id or "sha256:" + hashlib.sha256(item.raw).hexdigest()


def item_keys(page: Page, session_id: str, thread_id: str | None = None) -> list[str]:
    """The keys the mirror holds a page's items under (events and quarantined items)."""
    keys = [event_id(event, session_id, thread_id) for event in page.data]
    keys.extend(_rejected_key(item) for item in page.rejected)
    return keys


async def quarantine_rejected(
    writer: MirrorWrites,
    session_id: str,
    rejected: tuple[RejectedItem, ...] | list[RejectedItem],
    *,
    thread_id: str | None = None,
    source: str = "history",
) -> int:
    """Quarantine a page's rejected items; returns how many were new."""
    if not rejected:
        return 0
    items = [QuarantineItem(r.raw, r.reason, source, r.event_id) for r in rejected]
    fresh = await writer.quarantine(session_id, items, thread_id=thread_id)
    if fresh:
        reasons = "; ".join(sorted({r.reason for r in rejected}))
        log.warning(
            "session %s: quarantined %d %s item(s) that are not events (%s); the rest is kept",
            session_id,
            len(fresh),
            source,
            reasons,
        )
    return len(fresh)


async def store_page(
    writer: MirrorWrites, session_id: str, page: Page, *, thread_id: str | None = None
) -> None:
    """Ingest a history page's good events and quarantine its bad items."""
    if page.data:
        cursor = safe_cursor(page.data)
        await writer.ingest(session_id, page.data, thread_id=thread_id, cursor=cursor)
    await quarantine_rejected(writer, session_id, page.rejected, thread_id=thread_id)


async def find_gaps(
    client: ManagedAgentsClient,
    reader: MirrorReads,
    writer: MirrorWrites,
    session_id: str,
    *,
    overlap: float = BACKFILL_OVERLAP,
    limit: int = 1000,
    on_page: Callable[[Page], Awaitable[None]] | None = None,
) -> int:
    """List the session's history from its cursor's overlap window and store whatever the mirror
    lacks (events, or bad items to quarantine).

    Returns:
        How many items were missing (0: the window matches the mirror).
    """
    cursor = reader.cursor(session_id)
    since = window_start(cursor.last_processed_at if cursor else None, overlap)
    missing = 0
    walk = walk_pages(
        lambda token: client.list_events(
            session_id, order="asc", created_at_gte=since, limit=limit, page=token
        ),
        what=f"gap check of {session_id}",
    )
    async for page in walk:
        unaccounted = reader.unaccounted_keys(session_id, item_keys(page, session_id))
        if unaccounted:
            missing += len(unaccounted)
            await store_page(writer, session_id, page)
        if on_page is not None:
            await on_page(page)
    return missing
