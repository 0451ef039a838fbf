"""`PreviewBuffer`: the text of messages being streamed, per session (never persisted).

sync hands the focused session's `event_start` / `event_delta` frames to the App; they are
accumulated here and shown under the transcript until the buffered event is mirrored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


class PreviewBuffer:
    """session id -> (event id, text so far)."""

    def __init__(self) -> None:
        self._previews: dict[str, tuple[str, str]] = {}

    def get(self, session_id: str) -> tuple[str, str] | None:
        """The preview of a session, if one is streaming."""
        return self._previews.get(session_id)

    def __contains__(self, session_id: object) -> bool:
        return session_id in self._previews

    def apply(self, session_id: str, frame: Mapping[str, Any]) -> bool:
        """Fold one stream-only frame in; return True when the preview changed."""
        if frame.get("type") == "event_start":
            started = frame.get("event") or {}
            text = "thinking…" if started.get("type") == "agent.thinking" else ""
            self._previews[session_id] = (str(started.get("id", "")), text)
            return True
        current = self._previews.get(session_id)
        if frame.get("type") != "event_delta" or current is None:
            return False
        content = (frame.get("delta") or {}).get("content") or {}
        if frame.get("event_id") != current[0] or not isinstance(content.get("text"), str):
            return False
        self._previews[session_id] = (current[0], current[1] + content["text"])
        return True

    def done(self, session_id: str, event_ids: Iterable[str]) -> bool:
        """Drop the preview once its buffered event is mirrored; True when one was dropped."""
        current = self._previews.get(session_id)
        if current is not None and current[0] in set(event_ids):
            del self._previews[session_id]
            return True
        return False
