"""Cursor pagination (§3): ``{"data": [...], "next_page": cursor|null[, "prev_page"]}``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

from drover.api.wire import JSONObject

__all__ = ["Page", "iterate_pages"]


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a list endpoint.

    Attributes:
        data: the items as raw dicts (unknown fields kept).
        next_page: cursor for the following page, or None at the end.
        prev_page: cursor for the previous page (``GET /v1/sessions`` only), else None.
        raw: the whole response body, for fields this class does not know.
    """

    data: list[JSONObject]
    next_page: str | None = None
    prev_page: str | None = None
    raw: JSONObject = field(default_factory=dict, repr=False)

    @classmethod
    def from_body(cls, body: object) -> Page:
        """Build a page from a response body, tolerating missing keys."""
        body = body if isinstance(body, dict) else {}
        data = body.get("data")
        return cls(
            data=list(data) if isinstance(data, list) else [],
            next_page=body.get("next_page") or None,
            prev_page=body.get("prev_page") or None,
            raw=body,
        )


async def iterate_pages(
    fetch: Callable[[str | None], Awaitable[Page]],
) -> AsyncIterator[JSONObject]:
    """Yield every item of every page, following ``next_page`` until it is empty.

    Args:
        fetch: called with the cursor (None for the first page); returns that page.
    """
    cursor: str | None = None
    seen: set[str] = set()
    while True:
        page = await fetch(cursor)
        for item in page.data:
            yield item
        if not page.next_page or page.next_page in seen:
            # A repeated cursor would loop forever; a buggy server must not hang us.
            return
        seen.add(page.next_page)
        cursor = page.next_page
