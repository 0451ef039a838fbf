"""A session's append-only event log, with per-thread views and live fan-out to streams.

Everything here runs on the sim's event loop; nothing is thread-safe by design.

Views:
    * The **session view** (``thread_id=None``) is what ``GET /v1/sessions/{id}/events`` lists and
      ``/events/stream`` carries: the primary thread's events plus cross-posted child activity.
      The primary thread's own ``/threads/{primary}/stream`` is the same view.
    * A **thread view** (``thread_id="sthr_…"`` of a child thread) is what
      ``/threads/{tid}/events`` lists and ``/threads/{tid}/stream`` carries.

An event appended to a child thread with ``cross_post=True`` lands in both views, as the same
object (same id), which is how the real API cross-posts permission requests and thread status.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

#: Event types whose live previews a connection may ask for with ``event_deltas[]``.
PREVIEWABLE = frozenset({"agent.message", "agent.thinking"})


@dataclass(eq=False)
class Subscription:
    """One open stream connection: a queue of frames to write, in history order.

    A frame is an event dict (persisted events, previews, transient copies); ``None`` ends the
    stream (after ``session.deleted``, or when the log is closed).

    Attributes:
        thread_id: ``None`` for the session view, else the child thread followed.
        deltas: Previewable event types this connection opted into.
    """

    thread_id: str | None
    deltas: frozenset[str]
    queue: asyncio.Queue[dict | None] = field(default_factory=asyncio.Queue)
    _log: EventLog | None = None

    def push(self, frame: dict | None) -> None:
        self.queue.put_nowait(frame)

    def close(self) -> None:
        """Detach from the log; frames already queued are still delivered."""
        if self._log is not None:
            self._log.unsubscribe(self)
            self._log = None


class EventLog:
    """The persisted history of one session and the connections following it."""

    def __init__(self) -> None:
        self._views: dict[str | None, list[dict]] = {None: []}
        self._subscribers: dict[str | None, set[Subscription]] = {}
        self.closed = False
        #: Told of every event that lands in the session view (the domain's webhooks).
        self.observer: Callable[[dict], None] | None = None

    # -- writing -------------------------------------------------------------------------

    def add_thread(self, thread_id: str) -> None:
        """Create the (empty) view of a child thread."""
        self._views.setdefault(thread_id, [])

    def append(
        self, event: dict, *, thread_id: str | None = None, cross_post: bool = False
    ) -> dict:
        """Persist ``event`` (which must carry ``id`` and ``processed_at``) and fan it out.

        Args:
            event: The wire event.
            thread_id: ``None`` for the session view, else a child thread id.
            cross_post: Also put a child thread's event into the session view.

        Returns:
            The event, for chaining.
        """
        targets: list[str | None] = [thread_id]
        if thread_id is not None and cross_post:
            targets.append(None)
        for view in targets:
            self._views.setdefault(view, []).append(event)
            for sub in self._subscribers.get(view, ()):
                sub.push(event)
        if None in targets and self.observer is not None:
            self.observer(event)
        return event

    def publish_preview(self, frame: dict, *, thread_id: str | None = None) -> None:
        """Send a stream-only ``event_start``/``event_delta`` to connections that opted in.

        Previews are never persisted and are thread-scoped: the session view previews only the
        primary thread.
        """
        kind = frame["event"]["type"] if frame["type"] == "event_start" else "agent.message"
        for sub in self._subscribers.get(thread_id, ()):
            if kind in sub.deltas:
                sub.push(frame)

    def publish_transient(self, event: dict, *, thread_id: str | None = None) -> None:
        """Send a copy to live connections without persisting it (e.g. a queued user event
        with ``processed_at: null`` ahead of its processed copy)."""
        for sub in self._subscribers.get(thread_id, ()):
            sub.push(event)

    def close(self) -> None:
        """End every open stream (after ``session.deleted``); later subscribers end at once."""
        self.closed = True
        for subs in self._subscribers.values():
            for sub in subs:
                sub.push(None)
        self._subscribers.clear()

    # -- reading -------------------------------------------------------------------------

    def events(self, thread_id: str | None = None) -> list[dict]:
        """The persisted events of a view, in history (``processed_at``) order. Do not mutate."""
        return self._views.get(thread_id, [])

    def subscribe(
        self, thread_id: str | None = None, deltas: frozenset[str] = frozenset()
    ) -> Subscription:
        """Open a live connection on a view. No replay: it sees only later events."""
        sub = Subscription(thread_id=thread_id, deltas=deltas, _log=self)
        if self.closed:
            sub.push(None)
        else:
            self._subscribers.setdefault(thread_id, set()).add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        self._subscribers.get(sub.thread_id, set()).discard(sub)

    def subscriber_count(self) -> int:
        return sum(len(s) for s in self._subscribers.values())
