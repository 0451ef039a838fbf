"""drover's own SSE decoder (`drover.api.sse`): the same frames however the stream is cut."""

from __future__ import annotations

import pytest

from drover.api.sse import Comment, Frame, SSEDecoder

STREAM = (
    ': ping\r\nevent: message\r\ndata: {"t": "a\u2028b"}\r\nid: 7\r\n\r\n'
    "retry: 50\ndata: x\ndata: y\n\n"
)


@pytest.mark.parametrize("size", [1, 2, 3, 7, len(STREAM)])
def test_frames_are_the_same_however_the_stream_is_cut(size: int) -> None:
    decoder = SSEDecoder()
    out: list[Frame | Comment] = []
    for start in range(0, len(STREAM), size):
        out += decoder.feed(STREAM[start : start + size])
    out += decoder.flush()
    assert out == [Comment(), Frame("message", '{"t": "a\u2028b"}'), Frame("message", "x\ny")]
