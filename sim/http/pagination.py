"""The ``page``/``next_page`` (+ ``prev_page`` on sessions) scheme of protocol §3.

A cursor is ``page_`` + URL-safe base64 of a small JSON record: the ``order`` it was made
for, its direction (next/prev), and the boundary item's id and sort key. Resolving by id keeps
pages stable while the list grows (a new session lands at the head of a ``desc`` listing without
shifting later pages); the sort key is the fallback when the boundary item was deleted.
"""

from __future__ import annotations

import base64
import binascii
import json
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from drover.sim.http.query import Query, TimeRange
from drover.sim.wire.errors import invalid

_PREFIX = "page_"


@dataclass(frozen=True)
class Cursor:
    """A decoded page cursor.

    Attributes:
        order: ``asc`` or ``desc``: the order of the listing that produced it.
        forward: ``True`` for a ``next_page`` cursor, ``False`` for ``prev_page``.
        ident: Id of the boundary item (last item of the page for next, first for prev).
        key: Sort key of the boundary item.
    """

    order: str
    forward: bool
    ident: str
    key: Any

    def encode(self) -> str:
        raw = json.dumps(
            {"o": self.order, "d": "n" if self.forward else "p", "i": self.ident, "k": self.key},
            separators=(",", ":"),
        ).encode()
        return _PREFIX + base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        """Parse a cursor string; anything malformed is a 400."""
        if not text.startswith(_PREFIX):
            raise invalid("page: malformed page cursor")
        body = text[len(_PREFIX) :]
        try:
            data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
            cursor = cls(data["o"], data["d"] == "n", str(data["i"]), data["k"])
        except (binascii.Error, ValueError, KeyError, TypeError):
            raise invalid("page: malformed page cursor") from None
        if cursor.order not in ("asc", "desc"):
            raise invalid("page: malformed page cursor")
        return cursor


@dataclass(frozen=True)
class PageSpec:
    """How one list endpoint pages.

    Attributes:
        key: Sort key of an item in ascending order (e.g. its ``created_at``).
        default_limit: Page size when ``limit`` is omitted; ``None`` means "everything".
        max_limit: Largest accepted ``limit`` (above it → 400).
        default_order: ``asc`` or ``desc``.
        orderable: Whether the endpoint takes an ``order`` parameter.
        bidirectional: Whether responses carry ``prev_page`` (sessions only).
        ident: An item's identity within the listing (``id``; agent versions use ``version``).
    """

    key: Callable[[dict], Any]
    default_limit: int | None = 20
    max_limit: int = 100
    default_order: str = "asc"
    orderable: bool = False
    bidirectional: bool = False
    ident: Callable[[dict], str] = lambda item: str(
        item.get("id") or item.get("memory_store_id") or item.get("path")
    )


def by_field(name: str) -> Callable[[dict], Any]:
    """A sort key reading ``item[name]`` (``""`` when it is null, e.g. a queued event)."""
    return lambda item: item.get(name) or ""


def paginate(
    items: Sequence[dict], query: Query, spec: PageSpec, window: TimeRange | None = None
) -> dict:
    """Cut one page out of ``items`` (ascending natural order) per the request's query.

    Args:
        items: Every matching item, ascending by ``spec.key`` (the domain's natural order).
        query: The request's query (``limit``, ``page``, ``order``).
        spec: The endpoint's paging rules.
        window: The request's ``created_at[...]`` filter on the sort key, if any: a cursor
            whose position it excludes is a 400 (§3).

    Returns:
        ``{"data", "next_page"}`` plus ``"prev_page"`` when ``spec.bidirectional``.

    Raises:
        SimError: 400 on a bad ``limit``, ``order`` or cursor, or a cursor made for the other
            order, or a cursor outside ``window``.
    """
    limit = query.get_int("limit", minimum=1)
    if limit is not None and limit > spec.max_limit:
        raise invalid(f"limit: must be at most {spec.max_limit}")
    explicit = query.get_enum("order", ("asc", "desc")) if spec.orderable else None
    raw_cursor = query.get("page")
    cursor = Cursor.decode(raw_cursor) if raw_cursor else None
    if cursor and explicit and cursor.order != explicit:
        raise invalid("page: this cursor was made for a different order")
    if cursor and window and isinstance(cursor.key, str) and cursor.key:
        _check_window(window, cursor.key)
    order = explicit or (cursor.order if cursor and spec.orderable else spec.default_order)

    ordered = list(items) if order == "asc" else list(reversed(items))
    size = limit if limit is not None else (spec.default_limit or max(len(ordered), 1))
    start, end = _window(ordered, cursor, spec, order, size)
    page = ordered[start:end]
    result: dict = {
        "data": page,
        "next_page": (
            Cursor(order, True, spec.ident(page[-1]), spec.key(page[-1])).encode()
            if page and end < len(ordered)
            else None
        ),
    }
    if spec.bidirectional:
        result["prev_page"] = (
            Cursor(order, False, spec.ident(page[0]), spec.key(page[0])).encode()
            if page and start > 0
            else None
        )
    return result


def _check_window(window: TimeRange, key: str) -> None:
    try:
        inside = window.contains(key)
    except ValueError:
        raise invalid("page: malformed page cursor") from None
    if not inside:
        raise invalid("page: the created_at filter excludes this cursor's position")


def _window(
    ordered: list[dict], cursor: Cursor | None, spec: PageSpec, order: str, size: int
) -> tuple[int, int]:
    """The ``[start, end)`` slice of ``ordered`` that the cursor and page size select."""
    if cursor is None:
        return 0, min(size, len(ordered))
    boundary = next((i for i, item in enumerate(ordered) if spec.ident(item) == cursor.ident), None)
    if boundary is not None:
        after = boundary + 1  # first index past the boundary item, in listing order
        before = boundary  # first index not before it
    else:
        # The boundary item is gone (deleted): fall back to its sort key.
        keys = [spec.key(item) for item in ordered]
        probe: Any = cursor.key
        if order == "desc":
            keys, probe = [_Desc(k) for k in keys], _Desc(probe)
        try:
            after, before = bisect_right(keys, probe), bisect_left(keys, probe)
        except TypeError:
            raise invalid("page: malformed page cursor") from None
    if cursor.forward:
        return after, min(after + size, len(ordered))
    return max(0, before - size), before


class _Desc:
    """Wraps a key so bisect can search a descending list."""

    __slots__ = ("key",)

    def __init__(self, key: Any) -> None:
        self.key = key

    def __lt__(self, other: _Desc) -> bool:
        return self.key > other.key
