"""Headless sync (`drover sync --until-idle`): run until the mirror has caught up.

Mixed into :class:`~drover.sync.engine.SyncEngine`. "Caught up" means the outbox is empty, no
session is running, and every followed session's recent server history — from its cursor's
overlap window, event by event, not only the newest id — is in the mirror
(:mod:`drover.sync.history`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from drover.sync.backoff import Failure, classify
from drover.sync.connection import StopReason
from drover.sync.control import synced_or_done
from drover.sync.follow_lock import FollowHolder

if TYPE_CHECKING:
    from drover.store.api import MirrorWrites
    from drover.sync.follower import Follower
    from drover.sync.outbox import Outbox
    from drover.sync.poller import PollResult, SessionPoller

__all__ = ["FollowedElsewhere", "HeadlessSync", "IdleReport"]

log = logging.getLogger("drover.sync")


class FollowedElsewhere(RuntimeError):
    """Another process follows this mirror; `holder` says which (None if it cannot be read)."""

    def __init__(self, holder: FollowHolder | None) -> None:
        self.holder = holder
        who = holder.describe() if holder is not None else "another drover process"
        super().__init__(f"the mirror is being followed by {who}")


@dataclass(frozen=True)
class IdleReport:
    """What :meth:`SyncEngine.run_until_idle` found.

    Attributes:
        sessions: sessions checked (followed, or finished during the run).
        rounds: poll rounds it took.
        seconds: elapsed wall time.
        stopped: sessions whose follower ended, with the reason.
    """

    sessions: int
    rounds: int
    seconds: float
    stopped: dict[str, StopReason]


class HeadlessSync:
    """Mixin: :meth:`run_until_idle` (see the module docstring)."""

    if TYPE_CHECKING:
        auto_follow: bool
        fatal: Failure | None
        finished: dict[str, StopReason]
        followed_by: FollowHolder | None
        outbox: Outbox
        poller: SessionPoller
        writer: MirrorWrites
        _followers: dict[str, Follower]

        def _take_follow_lock(self) -> bool: ...

        def _on_fatal(self, failure: Failure) -> None: ...

    async def run_until_idle(
        self, timeout: float | None = None, recheck: float = 0.5
    ) -> IdleReport:
        """Sync until caught up: the outbox is empty, no session is running, and every
        followed session's recent server history (from its cursor's overlap window) is in the
        mirror, event for event.

        Raises:
            TimeoutError: not idle within ``timeout``.
            RuntimeError: a fatal failure (e.g. 401) stopped sync.
            FollowedElsewhere: (following the fleet) another process follows this mirror.
        """
        if self.auto_follow and not self._take_follow_lock():
            raise FollowedElsewhere(self.followed_by)
        started = time.monotonic()
        rounds = 0
        async with asyncio.timeout(timeout):
            self.outbox.start()
            while True:
                rounds += 1
                result = await self._poll_for_idle()
                if self.fatal is not None:
                    raise RuntimeError(f"sync stopped: {self.fatal.detail}")
                if result is None:
                    await asyncio.sleep(recheck)
                    continue
                followers = list(self._followers.values())
                await asyncio.gather(*(synced_or_done(f) for f in followers))
                await self.outbox.wait_idle()
                if not result.busy_ids and await self._caught_up(followers):
                    stopped = dict(self.finished)
                    checked = {f.session_id for f in followers} | set(stopped)
                    return IdleReport(len(checked), rounds, time.monotonic() - started, stopped)
                await asyncio.sleep(recheck)  # the server needs time to finish; poll again

    async def _poll_for_idle(self) -> PollResult | None:
        """One poll for :meth:`run_until_idle`; None after a transient failure."""
        try:
            return await self.poller.poll_once()
        except Exception as exc:
            failure = classify(exc)
            if failure.kind == "fatal":
                self._on_fatal(failure)
            elif failure.reason == "disk_full":
                await self.writer.wait_for_space()  # not a poll every recheck meanwhile
            else:
                log.info("poll failed (%s); retrying", failure.detail)
            return None

    async def _caught_up(self, followers: list[Follower]) -> bool:
        """Whether every live follower's recent history is all in the mirror.

        Not only the newest id: the server's history from each cursor's overlap window is
        compared id by id (an event without an id by its store key; a bad item by its
        quarantine), so an event that became visible late or out of order is noticed — and
        stored, so the next round can pass.
        """
        caught_up = True
        for follower in followers:
            if follower.task is not None and follower.task.done():
                continue  # final back-fill done; its mirror was completed before stopping
            await follower.sync_threads()
            missing = await follower.find_gaps()
            if missing:
                log.warning(
                    "%s: %d item(s) of recent history were missing from the mirror (late or "
                    "out of order); stored now",
                    follower.session_id,
                    missing,
                )
                caught_up = False
        return caught_up
