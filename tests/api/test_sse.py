"""drover's own SSE decoder (`drover.api.sse`), which replaced httpx-sse's private modules."""

from __future__ import annotations

import pytest

from drover.api.sse import FrameDecoder, LineDecoder, ServerSentEvent

STREAM = (
    ': ping\r\nevent: message\r\ndata: {"t": "a\u2028b"}\r\nid: 7\r\n\r\n'
    "retry: 50\ndata: x\ndata: y\n\n"
)


def _frames(chunks: list[str]) -> list[ServerSentEvent]:
    lines, frames, out = LineDecoder(), FrameDecoder(), []
    for chunk in chunks:
        out += [f for line in lines.decode(chunk) if (f := frames.decode(line))]
    out += [f for line in lines.flush() if (f := frames.decode(line))]
    return out


@pytest.mark.parametrize("size", [1, 2, 3, 7, len(STREAM)])
def test_frames_are_the_same_however_the_stream_is_cut(size: int) -> None:
    chunks = [STREAM[i : i + size] for i in range(0, len(STREAM), size)]
    assert _frames(chunks) == [
        ServerSentEvent("message", '{"t": "a\u2028b"}', "7", None),
        ServerSentEvent("", "x\ny", "7", 50),  # the last id carries over, as the spec says
    ]


def test_lines_split_on_cr_lf_only_and_a_cr_at_a_chunk_end_waits() -> None:
    decoder = LineDecoder()
    assert decoder.decode("a\u2028b\u0085c\r") == []  # maybe half a CRLF
    assert decoder.decode("\nd\re") == ["a\u2028b\u0085c", "d"]
    assert decoder.flush() == ["e"] and decoder.flush() == []


def test_comments_are_seen_as_lines_and_dispatch_nothing() -> None:
    assert LineDecoder().decode(": ping\n") == [": ping"]
    assert FrameDecoder().decode(": ping") is None
    assert FrameDecoder().decode("") is None  # a blank line with nothing gathered
