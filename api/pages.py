"""Cursor pagination (§3): ``{"data": [...], "next_page": cursor|null[, "prev_page"]}``.

Every multi-page walk in drover goes through :func:`walk_pages` (or :func:`iterate_pages`, its
item-by-item form), because a server can page forever: the same ``next_page`` again, or a new
one every time over the same items (seen: 516 list requests in 20 s, the whole read budget,
for ever). A walk stops, and says why in :attr:`PageWalk.stopped`, when

* a cursor repeats (the same page again);
* a page brings nothing new — every item's id was already seen in this walk — twice in a row
  (one such page is tolerated: a filter applied after paging can leave a page empty);
* it has read ``max_pages`` pages (the last resort against a server inventing new items).

For a history back-fill, stopping early loses nothing: the sync cursor advanced with every
ingested page, so the next back-fill resumes where this one ended.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

from drover.api.wire import JSONObject

__all__ = ["MAX_PAGES", "Page", "PageWalk", "RejectedItem", "iterate_pages", "walk_pages"]

log = logging.getLogger("drover.api.pages")

MAX_PAGES = 1000
"""Pages one walk reads at most (a million events at the events' page size)."""
_NO_PROGRESS_LIMIT = 2


@dataclass(frozen=True, slots=True)
class RejectedItem:
    """A list item that is not what the endpoint promises (see `drover.api.page_body`).

    Attributes:
        raw: its bytes as they were in the response body.
        reason: why it was rejected, for people.
        event_id: the ``id`` it carried, if it was an object with a string one.
    """

    raw: bytes
    reason: str
    event_id: str | None = None


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a list endpoint.

    Attributes:
        data: the items as raw dicts (unknown fields kept).
        next_page: cursor for the following page, or None at the end.
        prev_page: cursor for the previous page (``GET /v1/sessions`` only), else None.
        raw: the whole response body, for fields this class does not know.
        rejected: items that were left out of ``data`` (not objects, or not storable events).
    """

    data: list[JSONObject]
    next_page: str | None = None
    prev_page: str | None = None
    raw: JSONObject = field(default_factory=dict, repr=False)
    rejected: tuple[RejectedItem, ...] = ()

    @classmethod
    def from_body(cls, body: object) -> Page:
        """Build a page from a response body, tolerating missing keys."""
        body = body if isinstance(body, dict) else {}
        data = body.get("data")
        next_page = body.get("next_page")
        prev_page = body.get("prev_page")
        return cls(
            data=list(data) if isinstance(data, list) else [],
            next_page=next_page if isinstance(next_page, str) and next_page else None,
            prev_page=prev_page if isinstance(prev_page, str) and prev_page else None,
            raw=body,
        )


def _page_keys(page: Page) -> set[object]:
    """What identifies each item of a page within a walk (an item without an id is always
    new: it cannot be recognised, and the page cap still bounds such a walk)."""
    keys: set[object] = set()
    for item in page.data:
        key = item.get("id")
        keys.add(key if isinstance(key, str) and key else object())
    keys.update(("rejected", r.event_id or hash(r.raw)) for r in page.rejected)
    return keys


class PageWalk:
    """The pages of one listing, as an async iterator, with the reason it stopped early.

    Args:
        fetch: called with the cursor (None for the first page); returns that page.
        max_pages: pages read at most.
        what: names the listing in the warning logged when a guard stops the walk.

    Attributes:
        pages: pages read so far.
        stopped: why the walk ended before the server's last page (None: it reached it).
    """

    def __init__(
        self,
        fetch: Callable[[str | None], Awaitable[Page]],
        *,
        max_pages: int = MAX_PAGES,
        what: str = "listing",
    ) -> None:
        self._fetch = fetch
        self._max_pages = max(1, max_pages)
        self._what = what
        self.pages = 0
        self.stopped: str | None = None

    def __aiter__(self) -> AsyncIterator[Page]:
        return self._walk()

    def _stop(self, reason: str) -> None:
        self.stopped = reason
        log.warning("%s: stopped paging after %d pages: %s", self._what, self.pages, reason)

    async def _walk(self) -> AsyncIterator[Page]:
        cursor: str | None = None
        cursors: set[str] = set()
        keys: set[object] = set()
        idle_pages = 0
        while True:
            page = await self._fetch(cursor)
            self.pages += 1
            fresh = _page_keys(page) - keys
            keys |= fresh
            idle_pages = 0 if fresh else idle_pages + 1
            yield page
            if not page.next_page:
                return
            if page.next_page in cursors or page.next_page == cursor:
                self._stop(f"the server repeated a page cursor ({page.next_page[:40]!r})")
                return
            if idle_pages >= _NO_PROGRESS_LIMIT:
                self._stop(f"{idle_pages} pages in a row brought nothing new")
                return
            if self.pages >= self._max_pages:
                self._stop(f"page cap ({self._max_pages}) reached")
                return
            cursors.add(page.next_page)
            cursor = page.next_page


def walk_pages(
    fetch: Callable[[str | None], Awaitable[Page]],
    *,
    max_pages: int = MAX_PAGES,
    what: str = "listing",
) -> PageWalk:
    """Page through a listing with the guards above; iterate it with ``async for page in …``."""
    return PageWalk(fetch, max_pages=max_pages, what=what)


async def iterate_pages(
    fetch: Callable[[str | None], Awaitable[Page]],
    *,
    max_pages: int = MAX_PAGES,
    what: str = "listing",
) -> AsyncIterator[JSONObject]:
    """Yield every item of every page (see :func:`walk_pages` for when it stops early).

    Args:
        fetch: called with the cursor (None for the first page); returns that page.
        max_pages: pages read at most.
        what: names the listing in warnings.
    """
    async for page in walk_pages(fetch, max_pages=max_pages, what=what):
        for item in page.data:
            yield item
