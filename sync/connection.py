"""Per-session connection state the UI shows, and the board that publishes it.

States (``ConnectionState.state``):

* ``connecting`` — the first open of a follower (attempt 0); no data yet.
* ``live`` — the stream is open and the gap since the last connection has been back-filled.
* ``reconnecting`` — the stream failed; waiting out the backoff or re-opening (``since``,
  ``attempt``, ``last_error``).
* ``stale`` — nothing (no frame, no heartbeat) arrived for longer than the stall timeout and
  the follower has not reconnected yet; the mirror may be behind the server.
* ``stopped`` — the follower ended for good; ``reason`` says why (``terminated``, ``deleted``,
  ``unauthorized`` (401), ``forbidden`` (403), ``not_found`` (404), ``user``, ``shutdown``,
  ``mirror_corrupt``/``mirror_read_only`` (the mirror file cannot be written any more)).

The board keeps the latest state per session and notifies observers *coalesced*: many changes
within one flush window (a fleet of 500 reconnecting at once) reach each observer as one call
with a dict of the sessions that changed, latest state only. Observers run on the event loop;
no Textual here — the TUI wraps an observer into its own Signal/message.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal

__all__ = ["ConnectionBoard", "ConnectionState", "StateName", "StopReason"]

log = logging.getLogger("drover.sync")

StateName = Literal["connecting", "live", "reconnecting", "stale", "stopped"]
StopReason = Literal[
    "terminated",
    "deleted",
    "unauthorized",
    "forbidden",
    "not_found",
    "user",
    "shutdown",
    "mirror_corrupt",
    "mirror_read_only",
]
Observer = Callable[[dict[str, "ConnectionState"]], None]


@dataclass(frozen=True, slots=True)
class ConnectionState:
    """One followed session's connection, as the UI should show it.

    Attributes:
        session_id: the session.
        state: see the module docstring.
        since: wall-clock time (``time.time()``) the session entered this state; for
            ``reconnecting``/``stale`` it is when the connection was last lost, so the UI can
            show "reconnecting for 42 s" across several attempts.
        attempt: reconnect attempts since the connection was lost (0 when live).
        last_error: the latest failure, human-readable, or None.
        reason: why the follower stopped (``stopped`` only).
        deltas: whether this connection carries live previews (the focused session).
    """

    session_id: str
    state: StateName
    since: float
    attempt: int = 0
    last_error: str | None = None
    reason: StopReason | None = None
    deltas: bool = False


class ConnectionBoard:
    """Latest connection state per session, published to observers in coalesced batches.

    Args:
        flush_interval: seconds a change may wait so others can join its notification
            (0 = flush on the next loop iteration; still coalesces a burst of changes made
            in the same iteration).
        clock: wall clock for ``since`` (injectable for tests).
    """

    def __init__(
        self, *, flush_interval: float = 0.05, clock: Callable[[], float] = time.time
    ) -> None:
        self._states: dict[str, ConnectionState] = {}
        self._dirty: dict[str, ConnectionState] = {}
        self._observers: list[Observer] = []
        self._flush_interval = flush_interval
        self._clock = clock
        self._scheduled = False

    # -- reading ------------------------------------------------------------------------------

    def get(self, session_id: str) -> ConnectionState | None:
        """The latest state of a session, or None if it was never followed."""
        return self._states.get(session_id)

    def snapshot(self) -> dict[str, ConnectionState]:
        """A copy of every session's latest state."""
        return dict(self._states)

    def subscribe(self, observer: Observer) -> Callable[[], None]:
        """Call ``observer({session_id: state, …})`` with every coalesced batch of changes.

        Returns:
            A function that unsubscribes the observer.
        """
        self._observers.append(observer)

        def unsubscribe() -> None:
            if observer in self._observers:
                self._observers.remove(observer)

        return unsubscribe

    # -- writing (followers) ------------------------------------------------------------------

    def set(
        self,
        session_id: str,
        state: StateName,
        *,
        attempt: int = 0,
        last_error: str | None = None,
        reason: StopReason | None = None,
        deltas: bool | None = None,
        keep_since: bool = False,
    ) -> ConnectionState:
        """Record a session's new state and schedule a notification.

        Args:
            session_id: the session.
            state: the new state.
            attempt: reconnect attempt number.
            last_error: latest failure text.
            reason: stop reason (``stopped`` only).
            deltas: whether previews are on; None keeps the previous value.
            keep_since: keep the previous ``since`` (a further attempt of the same outage).

        Returns:
            The recorded state.
        """
        old = self._states.get(session_id)
        since = old.since if (keep_since and old is not None) else self._clock()
        new = ConnectionState(
            session_id=session_id,
            state=state,
            since=since,
            attempt=attempt,
            last_error=last_error,
            reason=reason,
            deltas=(old.deltas if old else False) if deltas is None else deltas,
        )
        if old is not None and replace(old, since=new.since) == new:
            return old  # nothing the UI shows changed; don't wake observers
        self._states[session_id] = new
        self._dirty[session_id] = new
        self._schedule()
        return new

    def forget(self, session_id: str) -> None:
        """Drop a session from the board (it was unfollowed and its final state shown)."""
        self._states.pop(session_id, None)
        self._dirty.pop(session_id, None)

    def _schedule(self) -> None:
        if self._scheduled or not self._observers:
            if not self._observers:
                self._dirty.clear()  # nobody listens; snapshot() still has the truth
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.flush()  # called outside a loop (tests, shutdown): deliver synchronously
            return
        self._scheduled = True
        if self._flush_interval > 0:
            loop.call_later(self._flush_interval, self.flush)
        else:
            loop.call_soon(self.flush)

    def flush(self) -> None:
        """Deliver pending changes now (normally called by the scheduled timer)."""
        self._scheduled = False
        if not self._dirty:
            return
        batch, self._dirty = self._dirty, {}
        for observer in list(self._observers):
            try:
                observer(dict(batch))
            except Exception:  # an observer bug must not break the followers
                log.exception("connection-state observer failed")
