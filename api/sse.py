"""Server-sent events, decoded incrementally: lines, then frames (WHATWG "event stream").

drover reads streams chunk by chunk (its stall watchdog times each chunk, and SSE comments are
heartbeats it must see), so it needs the decoder, not an iterator over a response. httpx-sse
keeps its decoder in private modules, whose layout may change in any release; this is the same
small algorithm, owned here.

Lines end at CR, LF or CRLF only (a CR at a chunk's end waits for the next chunk, which may
start with its LF). Unlike `str.splitlines`, U+2028/U+2029 and other Unicode line breaks are
kept inside the line, so they are safe inside JSON strings.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FrameDecoder", "LineDecoder", "ServerSentEvent"]


@dataclass(frozen=True, slots=True)
class ServerSentEvent:
    """One dispatched frame."""

    event: str = ""
    data: str = ""
    id: str = ""
    retry: int | None = None


class LineDecoder:
    """Turns text chunks into complete lines (without their terminators)."""

    def __init__(self) -> None:
        self._buffer: list[str] = []
        self._trailing_cr = False

    def decode(self, text: str) -> list[str]:
        """The lines completed by `text` (a partial last line is kept for the next call)."""
        if self._trailing_cr:
            text, self._trailing_cr = "\r" + text, False
        if text.endswith("\r"):  # maybe half of a CRLF: decide with the next chunk
            text, self._trailing_cr = text[:-1], True
        if not text:
            return []
        parts = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        parts[0] = "".join(self._buffer) + parts[0]
        self._buffer = [parts.pop()]  # '' when `text` ended with a line break
        return parts

    def flush(self) -> list[str]:
        """The last, unterminated line at the end of the stream (if any)."""
        pending = "".join(self._buffer)
        had_cr, self._buffer, self._trailing_cr = self._trailing_cr, [], False
        return [pending] if pending or had_cr else []


class FrameDecoder:
    """Turns lines into frames: a blank line dispatches the fields gathered since the last."""

    def __init__(self) -> None:
        self._event = ""
        self._data: list[str] = []
        self._last_id = ""  # kept across frames, as the spec says
        self._retry: int | None = None

    def decode(self, line: str) -> ServerSentEvent | None:
        """Feed one line; returns a frame when `line` is the blank line that ends one."""
        if not line:
            if not (self._event or self._data or self._last_id or self._retry is not None):
                return None
            frame = ServerSentEvent(self._event, "\n".join(self._data), self._last_id, self._retry)
            self._event, self._data, self._retry = "", [], None
            return frame
        if line.startswith(":"):  # a comment
            return None
        field, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if field == "event":
            self._event = value
        elif field == "data":
            self._data.append(value)
        elif field == "id" and "\0" not in value:
            self._last_id = value
        elif field == "retry" and value.isdigit():
            self._retry = int(value)
        return None
