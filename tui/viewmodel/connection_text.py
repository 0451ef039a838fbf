"""Connection states in words: short for a list row, spelled out for a header."""

from __future__ import annotations

from collections.abc import Callable

from drover.sync.connection import ConnectionState


def connection_label(state: ConnectionState | None) -> str:
    """Short connection text: `live`, `re#3`, `stale`, `stop`, or `-` when not followed."""
    if state is None:
        return "-"
    if state.state == "reconnecting":
        return f"re#{state.attempt}"
    return {"connecting": "conn…", "stopped": "stop"}.get(state.state, state.state)


_STOP_REASONS = {
    "terminated": "session terminated",
    "deleted": "deleted on the server",
    "not_found": "not found on the server",
    "unauthorized": "the API rejected the key",
    "forbidden": "the key may not read this session",
    "user": "not followed",
    "shutdown": "sync stopped",
}


def connection_detail(state: ConnectionState | None, clock: Callable[[], float]) -> str:
    """The connection in words, for the session header (where the user looks).

    Args:
        state: sync's state for the session (None when it is not followed).
        clock: wall-clock seconds, the same clock as ``state.since``.
    """
    if state is None:
        return "not followed (mirror only)"
    if state.state == "stopped":
        reason = state.reason or "unknown reason"
        return "stopped: " + _STOP_REASONS.get(reason, reason)
    if state.state in ("reconnecting", "stale"):
        lost = max(0, round(clock() - state.since))
        text = f"{state.state} for {lost}s"
        if state.attempt:
            text += f", attempt {state.attempt}"
        if state.last_error:
            text += f": {state.last_error}"
        return text
    return connection_label(state)
