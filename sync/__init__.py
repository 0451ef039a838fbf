"""Keeps the local mirror in step with the API: session-list poller, one follower per watched
session, and the outbox that delivers the user's actions exactly once.

Public surface (the TUI and CLI build on these; nothing here imports Textual)::

    from drover.sync.profiles import ProfileEngines
    engine = await ProfileEngines(config, data_dir).open_engine()   # the one way to build one
    engine.board.subscribe(lambda changes: ...)   # {session_id: ConnectionState}, coalesced
    await engine.start(); engine.set_focus(sid)
    await engine.submit_action(sid, "message", text="…")

The names below are imported on first use (PEP 562), so importing one light module of the
package (say `drover.sync.connection`) does not load the rest (`drover ls` and the TUI's first
paint must not pay for what they do not use).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from drover.sync.backoff import Backoff as Backoff
    from drover.sync.backoff import Failure as Failure
    from drover.sync.backoff import classify as classify
    from drover.sync.connection import ConnectionBoard as ConnectionBoard
    from drover.sync.connection import ConnectionState as ConnectionState
    from drover.sync.connection import StateName as StateName
    from drover.sync.connection import StopReason as StopReason
    from drover.sync.engine import IdleReport as IdleReport
    from drover.sync.engine import SyncEngine as SyncEngine
    from drover.sync.follower import Follower as Follower
    from drover.sync.outbox import ACTION_KINDS as ACTION_KINDS
    from drover.sync.outbox import Outbox as Outbox
    from drover.sync.outbox import build_events as build_events
    from drover.sync.poller import PollResult as PollResult
    from drover.sync.poller import SessionPoller as SessionPoller
    from drover.sync.threads import ThreadMirror as ThreadMirror

_EXPORTS = {
    "Backoff": "drover.sync.backoff",
    "Failure": "drover.sync.backoff",
    "classify": "drover.sync.backoff",
    "ConnectionBoard": "drover.sync.connection",
    "ConnectionState": "drover.sync.connection",
    "StateName": "drover.sync.connection",
    "StopReason": "drover.sync.connection",
    "IdleReport": "drover.sync.engine",
    "SyncEngine": "drover.sync.engine",
    "Follower": "drover.sync.follower",
    "ACTION_KINDS": "drover.sync.outbox",
    "Outbox": "drover.sync.outbox",
    "build_events": "drover.sync.outbox",
    "PollResult": "drover.sync.poller",
    "SessionPoller": "drover.sync.poller",
    "ThreadMirror": "drover.sync.threads",
}

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


def __getattr__(name: str) -> Any:
    """Import the module that defines `name` on first use (PEP 562)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
