"""The right to follow a shared mirror's fleet, team-wide.

On an SQLite mirror the processes of one machine take turns through `follow.lock`
(`drover.sync.follow_lock`). A PostgreSQL mirror is shared by a team's machines, so the right
is a session-level advisory lock in the database itself (`drover.store.pg.advisory`): the hub
takes it; a second hub (a standby) or a `drover sync` on the same mirror finds it held and only
observes. Who holds it is read from the hub's heartbeat (`drover.store.hub_status`).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from drover.sync.follow_lock import FollowHolder
from drover.sync.viewer import hub_holder

if TYPE_CHECKING:
    from drover.store.api import MirrorReads

__all__ = ["SharedFollowLock"]

log = logging.getLogger("drover.sync.shared_lock")


class SharedFollowLock:
    """`FollowLock`'s interface over a database lock.

    Args:
        lock: the mirror's `follow_lock()` (`acquire()`, `release()`, `held`).
        reader: the mirror's reader (for who holds it).
    """

    def __init__(self, lock: Any, reader: MirrorReads) -> None:
        self._lock = lock
        self._reader = reader

    def acquire(self, what: str) -> bool:
        """Take it; False when another process anywhere holds it."""
        taken = bool(self._lock.acquire())
        if taken:
            log.info("%s follows the shared mirror", what)
        return taken

    def release(self) -> None:
        """Give it back."""
        self._lock.release()

    def holder(self) -> FollowHolder | None:
        """The hub holding it, from its heartbeat (None if no live hub says so)."""
        return hub_holder(self._reader.hub_status())
