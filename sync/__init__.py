"""Keeps the local mirror in step with the API: session-list poller, one follower per watched
session, and the outbox that delivers the user's actions exactly once.

Public surface (the TUI and CLI build on these; nothing here imports Textual)::

    from drover.sync.profiles import ProfileEngines
    engine = await ProfileEngines(config, data_dir).open_engine()   # the one way to build one
    engine.board.subscribe(lambda changes: ...)   # {session_id: ConnectionState}, coalesced
    await engine.start(); engine.set_focus(sid)
    await engine.submit_action(sid, "message", text="…")
"""

from drover.sync.backoff import Backoff, Failure, classify
from drover.sync.connection import ConnectionBoard, ConnectionState, StateName, StopReason
from drover.sync.engine import IdleReport, SyncEngine
from drover.sync.follower import Follower
from drover.sync.outbox import ACTION_KINDS, Outbox, build_events
from drover.sync.poller import PollResult, SessionPoller
from drover.sync.threads import ThreadMirror

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
