"""Hostile list pages and SSE frames, unit by unit: item-wise decoding, paging guards, caps."""

from __future__ import annotations

import json

import pytest

from drover.api.errors import FrameTooLarge
from drover.api.event_screen import screen_event
from drover.api.page_body import PageBodyError, decode_page
from drover.api.pages import Page, walk_pages
from drover.api.sse import Comment, Frame, SSEDecoder

GOOD = [{"id": f"sevt_{i}", "type": "agent.message", "content": []} for i in range(3)]
DEEP = b'{"id":"sevt_deep","type":"agent.tool_use","input":' + b"[" * 1000 + b"]" * 1000 + b"}"


def _body(items: list[bytes], next_page: str | None = "page_2") -> bytes:
    return (
        b'{"data":[' + b", ".join(items) + b'],"next_page":' + json.dumps(next_page).encode() + b"}"
    )


def test_a_clean_page_takes_the_fast_path():
    page = decode_page(json.dumps({"data": GOOD, "next_page": None}).encode(), screen_event)
    assert page.data == GOOD and page.rejected == () and page.next_page is None


def test_bad_items_are_set_aside_with_their_exact_bytes_and_the_good_ones_kept():
    no_type = b'{"id": "sevt_x", "content": ["a,b]"]}'  # brackets inside a string
    body = _body([json.dumps(GOOD[0]).encode(), b"42", DEEP, no_type, json.dumps(GOOD[1]).encode()])
    with pytest.raises(RecursionError):
        json.loads(body)  # what froze the mirror before
    page = decode_page(body, screen_event)
    assert page.data == GOOD[:2] and page.next_page == "page_2"
    assert [(r.raw, r.event_id) for r in page.rejected] == [
        (b"42", None),
        (DEEP, None),
        (no_type, "sevt_x"),
    ]
    assert [r.reason for r in page.rejected] == [
        "not a JSON object (number)",
        "nested too deep to decode",
        "no `type`",
    ]


def test_moderately_deep_events_are_rejected_by_the_depth_cap():
    item = {"id": "e", "type": "agent.tool_use", "input": json.loads("[" * 150 + "]" * 150)}
    assert screen_event(item) == "nested deeper than 100 levels"
    assert screen_event({"type": 7}) == "`type` is not a string (number)"
    assert screen_event({"type": ""}) == "empty `type`"


def test_a_body_that_is_not_a_page_is_an_error():
    for body in (b"<html>bad gateway</html>", b'{"data": [1, 2', b"[" * 5000):
        with pytest.raises(PageBodyError):
            decode_page(body, screen_event)


async def _walk(pages: list[Page], **kw):
    calls: list[str | None] = []

    async def fetch(cursor):
        calls.append(cursor)
        return pages[min(len(calls) - 1, len(pages) - 1)]

    walk = walk_pages(fetch, **kw)
    seen = [item["id"] async for page in walk for item in page.data]
    return walk, calls, seen


async def test_paging_stops_on_a_repeated_cursor_and_on_pages_with_nothing_new():
    same = Page(GOOD[:1], next_page="page_same")
    walk, calls, seen = await _walk([same])
    assert calls == [None, "page_same"] and seen == ["sevt_0", "sevt_0"]
    assert walk.stopped and "repeated" in walk.stopped

    ever_new = [Page(GOOD[:1], next_page=f"page_{n}") for n in range(100)]
    walk, calls, _ = await _walk(ever_new)
    assert len(calls) == 3 and walk.stopped and "nothing new" in walk.stopped


async def test_paging_has_a_cap_even_for_a_server_inventing_items():
    invented = [Page([{"id": f"e{n}", "type": "x"}], next_page=f"p{n}") for n in range(50)]
    walk, calls, _ = await _walk(invented, max_pages=10)
    assert len(calls) == 10 and walk.stopped == "page cap (10) reached"


async def test_a_normal_walk_reads_to_the_end():
    pages = [Page(GOOD[:1], next_page="p1"), Page(GOOD[1:], next_page=None)]
    walk, calls, seen = await _walk(pages)
    assert calls == [None, "p1"] and seen == ["sevt_0", "sevt_1", "sevt_2"]
    assert walk.stopped is None


def test_sse_lines_split_on_cr_lf_crlf_only_even_across_chunks():
    decoder = SSEDecoder()
    out = decoder.feed("event: a\r")
    out += decoder.feed("\ndata: x\u2028y\r\n")
    out += decoder.feed(": ping\n\ndata: 2\n")
    out += decoder.feed("\n")
    assert out == [Comment(), Frame("a", "x\u2028y"), Frame("message", "2")]


def test_a_50_mb_event_passes_and_a_line_past_the_cap_is_dropped():
    big = "x" * 50_000_000
    decoder = SSEDecoder()
    frames = []
    for start in range(0, len(big), 1 << 20):
        frames += decoder.feed(("data: " if start == 0 else "") + big[start : start + (1 << 20)])
    frames += decoder.feed("\n\n")
    assert [len(f.data) for f in frames] == [50_000_000]

    small = SSEDecoder(max_chars=1000)
    small.feed("data: " + "y" * 900)
    with pytest.raises(FrameTooLarge) as caught:
        small.feed("y" * 200)
    assert caught.value.limit == 1000 and caught.value.head.startswith("data: yyy")
    framed = SSEDecoder(max_chars=1000)
    framed.feed("data: " + "z" * 600 + "\n")
    with pytest.raises(FrameTooLarge):
        framed.feed("data: " + "z" * 600 + "\n")  # each line fits; the frame does not
