"""What sync needs to know about event types (everything else about events is the store's).

Kept apart so the follower and the thread mirror agree on one definition of "this event ends
the session" and "this event means a child thread did something".
"""

from __future__ import annotations

from drover.api.wire import JSONObject
from drover.store.ingest import PREVIEW_TYPES
from drover.sync.connection import StopReason

__all__ = ["PREVIEW_TYPES", "TERMINAL_TYPES", "mentions_child_thread", "terminal_reason"]

TERMINAL_TYPES: dict[str, StopReason] = {
    "session.status_terminated": "terminated",
    "session.deleted": "deleted",
}


def terminal_reason(events: list[JSONObject]) -> StopReason | None:
    """Why a batch ends the session (``deleted`` wins over ``terminated``), or None."""
    found: StopReason | None = None
    for event in events:
        reason = TERMINAL_TYPES.get(event.get("type", ""))
        if reason == "deleted":
            return "deleted"
        found = reason or found
    return found


def mentions_child_thread(event: JSONObject) -> bool:
    """Whether a session-stream event signals thread activity worth a re-list (thread
    created/status changes and thread messages; §10)."""
    etype: str = event.get("type", "")
    return etype.startswith("session.thread_") or etype.startswith("agent.thread_message")
