"""Keeps the local mirror in step with the API: session-list poller, one follower per watched
session, and the outbox that delivers the user's actions exactly once.

Public surface (the TUI and CLI build on these; nothing here imports Textual)::

    from drover.sync.profiles import ProfileEngines
    engine = await ProfileEngines(config, data_dir).open_engine()   # the one way to build one
    engine.board.subscribe(lambda changes: ...)   # {session_id: ConnectionState}, coalesced
    await engine.start(); engine.set_focus(sid)
    await engine.submit_action(sid, "message", text="…")

The names below are imported on first use (`drover.lazy`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from drover.lazy import lazy_exports

if TYPE_CHECKING:
    from drover.sync.backoff import Backoff, Failure, classify
    from drover.sync.connection import ConnectionBoard, ConnectionState, StateName, StopReason
    from drover.sync.engine import IdleReport, SyncEngine
    from drover.sync.follower import Follower
    from drover.sync.outbox import ACTION_KINDS, Outbox, build_events
    from drover.sync.poller import PollResult, SessionPoller
    from drover.sync.threads import ThreadMirror

_EXPORTS = {
    "drover.sync.backoff": ("Backoff", "Failure", "classify"),
    "drover.sync.connection": ("ConnectionBoard", "ConnectionState", "StateName", "StopReason"),
    "drover.sync.engine": ("IdleReport", "SyncEngine"),
    "drover.sync.follower": ("Follower",),
    "drover.sync.outbox": ("ACTION_KINDS", "Outbox", "build_events"),
    "drover.sync.poller": ("PollResult", "SessionPoller"),
    "drover.sync.threads": ("ThreadMirror",),
}
"""Each module and the names it defines that the package re-exports."""

__all__ = [
    "ACTION_KINDS",
    "Backoff",
    "ConnectionBoard",
    "ConnectionState",
    "Failure",
    "Follower",
    "IdleReport",
    "Outbox",
    "PollResult",
    "SessionPoller",
    "StateName",
    "StopReason",
    "SyncEngine",
    "ThreadMirror",
    "build_events",
    "classify",
]


__getattr__ = lazy_exports(__name__, _EXPORTS)
