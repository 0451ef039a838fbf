"""Following a mirror's fleet, or observing it while another process does.

One process follows a mirror's fleet at a time (`drover.sync.follow_lock`; team-wide on a
shared mirror, `drover.sync.shared_lock`): an engine that finds another process following
runs as an *observer* — no poller, no followers of its own unless asked for one session
explicitly — that still delivers its outbox and reports what the other process stores
(`drover.sync.mirror_watch`). `followed_by` says who follows (None: this engine does). An
observer takes over in place (`follow_if_free`) once the lock is free: a standby hub does at
its heartbeat, without building a new engine.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from drover.sync.follow_lock import UNKNOWN_HOLDER, FollowHolder, FollowRight
from drover.sync.headless import FollowedElsewhere

if TYPE_CHECKING:
    from drover.sync.mirror_watch import MirrorWatch
    from drover.sync.poller import SessionPoller

__all__ = ["FollowOrObserve"]

log = logging.getLogger("drover.sync")


class FollowOrObserve:
    """Mixin for :class:`~drover.sync.engine.SyncEngine` (see the module docstring)."""

    followed_by: FollowHolder | None
    """Who follows the mirror when this engine only observes it (else None)."""

    if TYPE_CHECKING:
        auto_follow: bool
        poller: SessionPoller
        _lock: FollowRight | None
        _role: str
        _started: bool
        _watch: MirrorWatch | None

    def _take_follow_lock(self) -> bool:
        """Become the mirror's follower; False (and `followed_by` set) if another process is."""
        if self._lock is None or self._lock.acquire(self._role):
            self.followed_by = None
            return True
        # Refused, so someone follows even when nobody says who: `followed_by` must not be
        # None (that means "this engine follows": a hub would report following and never
        # take over).
        self.followed_by = self._lock.holder() or UNKNOWN_HOLDER
        return False

    def _follow_or_observe(self) -> None:
        """At start: poll the fleet with the lock, else watch what the follower stores."""
        if self._take_follow_lock():
            self.poller.start()
            return
        log.info("observing: %s", FollowedElsewhere(self.followed_by))
        if self._watch is not None:
            self._watch.start()

    async def follow_if_free(self) -> bool:
        """An observer whose follower went away starts following in place (the lock is taken
        off the loop: a database lock is a round trip); True while this engine follows."""
        if self.followed_by is None:
            return True
        if not self._started or not self.auto_follow:
            return False
        if not await asyncio.to_thread(self._take_follow_lock):
            return False
        if self._watch is not None:
            await self._watch.stop()
        self.poller.start()
        return True
