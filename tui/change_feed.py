"""`ChangeFeed`: the store's change notices and sync's previews, coalesced into Signals.

The store's writer thread reports `(session_id, high_water_seq)` after each commit, and sync
hands over stream-only preview frames for the focused session. Neither may reach a widget
directly: notices arrive from another thread, and both can arrive thousands of times a
second. The feed gathers them and :meth:`flush` (on a UI-loop timer) publishes at most one
`mirror_changed` and one `preview_changed` per tick; screens then pull what they show.
"""

from __future__ import annotations

import threading
from typing import Any

from textual.dom import DOMNode

from drover.tui.signals import Signal
from drover.tui.viewmodel.previews import PreviewBuffer


class ChangeFeed:
    """Coalesces change notices and previews for one app.

    Args:
        owner: the node that owns the Signals (the App).
    """

    def __init__(self, owner: DOMNode) -> None:
        self.mirror_changed: Signal[frozenset[str]] = Signal(owner, "mirror-changed")
        """Sessions whose mirrored events or state changed since the last tick."""
        self.preview_changed: Signal[frozenset[str]] = Signal(owner, "preview-changed")
        """Sessions whose streaming preview changed since the last tick."""
        self.previews = PreviewBuffer()
        """Messages being streamed for the focused session (never persisted)."""
        self._changed: set[str] = set()
        self._preview_dirty: set[str] = set()
        self._lock = threading.Lock()

    def notice_change(self, session_id: str, high_water_seq: int) -> None:
        """Record that a session changed (called on the writer's thread, or a shared mirror's
        listener thread; cheap, lock only)."""
        with self._lock:
            self._changed.add(session_id)

    def on_preview(self, session_id: str, event: dict[str, Any]) -> None:
        """Take a stream-only preview frame from sync (UI loop); shown at the next flush."""
        if self.previews.apply(session_id, event):
            self._preview_dirty.add(session_id)

    def preview_done(self, session_id: str, event_ids: set[str]) -> None:
        """A session's events were mirrored: drop its preview if its event is among them."""
        if self.previews.done(session_id, event_ids):
            self._preview_dirty.add(session_id)

    def flush(self) -> None:
        """Publish what gathered since the last flush, one Signal each (UI loop)."""
        with self._lock:
            changed, self._changed = self._changed, set()
        if changed:
            self.mirror_changed.publish(frozenset(changed))
        if self._preview_dirty:
            dirty, self._preview_dirty = self._preview_dirty, set()
            self.preview_changed.publish(frozenset(dirty))
