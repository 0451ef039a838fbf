"""Decoding a list response whose items may be hostile, keeping the good ones.

``json.loads`` of a whole page fails if one item is nested a thousand levels deep
(``RecursionError``) and a page that parses can still hold items that are not what the
endpoint promises (``42``, an event without ``type``). Rejecting the page would lose every good
item on it and, for a history page, freeze the session's mirror (each retry lists the same
page). So a page is decoded in two steps when it has to be:

1. the fast path: ``json.loads`` of the body, then each ``data`` item is screened;
2. when the body does not parse, or some item was rejected, the ``data`` array is split into
   its items' byte spans by a scanner that counts brackets outside strings (no recursion, so
   depth costs nothing) and each span is decoded alone. Rejected items keep their exact bytes.

The scanner works on bytes: in UTF-8 the bytes of ``"``, ``\\``, brackets and commas never
occur inside a multi-byte character, so no decoding is needed to find the structure.

A page is decoded off the event loop (:func:`decode_page_off_loop`): a history page of 1,000
events is about 1 MB, and decoding and screening it is milliseconds of work that the UI's loop
(which also runs sync) would otherwise spend not drawing. One decoder thread serves every
client: decoding holds the GIL anyway, so more threads would only queue on it.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from drover.api.event_screen import json_kind
from drover.api.pages import Page, RejectedItem

__all__ = [
    "DECODER_THREAD",
    "PageBodyError",
    "decode_page",
    "decode_page_off_loop",
    "screen_object",
]

Screen = Callable[[object], str | None]
"""Returns why an item is rejected, or None to keep it."""

# A JSON string (escapes included), or one structural character.
_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{},:]', re.DOTALL)
_WHITESPACE = b" \t\r\n"


DECODER_THREAD = "drover-page-decoder"
"""The name (prefix) of the thread list pages are decoded on."""

_decoder = ThreadPoolExecutor(max_workers=1, thread_name_prefix=DECODER_THREAD)


class PageBodyError(ValueError):
    """The body is not a JSON page, not even one with some bad items."""


def screen_object(item: object) -> str | None:
    """The generic rule for list items: each must be a JSON object."""
    return None if isinstance(item, dict) else f"not a JSON object ({json_kind(item)})"


def _item_id(item: object) -> str | None:
    if isinstance(item, dict):
        value = item.get("id")
        if isinstance(value, str) and value:
            return value
    return None


def split_data(body: bytes) -> tuple[bytes, list[bytes]]:
    """Split a ``{…, "data": [items], …}`` body into the body without its items and the items.

    Returns:
        The body with ``"data": []``, and each item's bytes (surrounding whitespace trimmed).

    Raises:
        PageBodyError: the body is not an object with a ``data`` array of balanced items.
    """
    depth = 0
    expect_key = False
    last_key: bytes | None = None
    in_data = False
    data_open = data_close = -1
    item_start = -1
    items: list[bytes] = []
    for match in _TOKEN.finditer(body):
        token = match.group()
        first = token[:1]
        if first == b'"':
            if depth == 1 and expect_key:
                last_key, expect_key = token, False
            continue
        if token in (b"{", b"["):
            depth += 1
            if depth == 1 and token == b"{":
                expect_key = True
            elif depth == 2 and token == b"[" and last_key == b'"data"' and data_open < 0:
                in_data, data_open, item_start = True, match.start(), match.end()
        elif token in (b"}", b"]"):
            if in_data and depth == 2 and token == b"]":
                span = body[item_start : match.start()].strip(_WHITESPACE)
                if span or items:
                    items.append(span)
                in_data, data_close = False, match.end()
            depth -= 1
            if depth < 0:
                raise PageBodyError("unbalanced brackets")
        elif token == b",":
            if in_data and depth == 2:
                items.append(body[item_start : match.start()].strip(_WHITESPACE))
                item_start = match.end()
            elif depth == 1:
                expect_key = True
    if depth != 0 or data_open < 0 or data_close < 0:
        raise PageBodyError("no complete `data` array")
    return body[:data_open] + b"[]" + body[data_close:], items


def _decode_item(raw: bytes) -> tuple[object, str | None]:
    try:
        return json.loads(raw), None
    except RecursionError:
        return None, "nested too deep to decode"
    except ValueError as exc:
        return None, f"invalid JSON ({exc})"


def _page(top: object, data: list[object], rejected: list[RejectedItem]) -> Page:
    page = Page.from_body(top)
    kept = [item for item in data if isinstance(item, dict)]
    return Page(kept, page.next_page, page.prev_page, page.raw, tuple(rejected))


def decode_page(body: bytes, screen: Screen = screen_object) -> Page:
    """Decode a list response body, keeping the items `screen` accepts.

    Args:
        body: the raw response body.
        screen: the rule for one item (default: it must be an object).

    Raises:
        PageBodyError: neither the body nor its ``data`` array could be made sense of.
    """
    try:
        top = json.loads(body)
    except (RecursionError, ValueError):
        top = None
    else:
        raw_data = top.get("data") if isinstance(top, dict) else None
        if not isinstance(raw_data, list):
            return Page.from_body(top)
        reasons = [screen(item) for item in raw_data]
        if not any(reasons):
            return Page.from_body(top)
    # The slow path: a body that did not parse, or one with rejected items (their exact bytes
    # are wanted, so the items are located in the body).
    try:
        rest, spans = split_data(body)
        top_rest = json.loads(rest)
    except (PageBodyError, RecursionError, ValueError) as exc:
        raise PageBodyError(f"response body is not a JSON page ({exc})") from None
    data: list[object] = []
    rejected: list[RejectedItem] = []
    for raw in spans:
        item, reason = _decode_item(raw)
        reason = reason or screen(item)
        if reason is None:
            data.append(item)
        else:
            rejected.append(RejectedItem(raw, reason, _item_id(item)))
    if not isinstance(top_rest, dict):
        raise PageBodyError("response body is not a JSON object")
    return _page(top_rest, data, rejected)


async def decode_page_off_loop(body: bytes, screen: Screen = screen_object) -> Page:
    """:func:`decode_page` on the decoder thread, so the calling loop keeps running meanwhile.

    Raises:
        PageBodyError: as :func:`decode_page`.
    """
    return await asyncio.get_running_loop().run_in_executor(_decoder, decode_page, body, screen)
