"""The sync engine for one profile: poller + followers + outbox, and the supervisor policy.

Creating, archiving and deleting sessions (control-plane calls, not session events) live in
:mod:`drover.sync.control`.

Policy: follow every non-terminated session the poller sees, newest first, up to
``max_followers`` (500 by default, the P1 target). A session whose follower stopped for good
(terminated, deleted, 404, 403) is not restarted by later polls — the list can lag the stream.
A 401 stops everything: the key is wrong for every request. Previews (``event_deltas``) are
requested only for the focused session.

One process follows a mirror's fleet at a time; an engine that finds another one following
only observes (:mod:`drover.sync.follow_right`). :attr:`SyncEngine.followed_by` says who
follows.

Everything runs on the caller's asyncio loop (Textual's in the app; ``asyncio.run`` in the
CLI); the only thread is the store's writer.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drover.config.rules import Rule
from drover.store.errors import MirrorCorruptError, MirrorReadOnlyError
from drover.sync.account import Account
from drover.sync.backoff import Failure
from drover.sync.connection import ConnectionBoard, ConnectionState, StopReason
from drover.sync.control import ControlPlane
from drover.sync.follow_lock import FollowRight
from drover.sync.follow_right import FollowOrObserve
from drover.sync.follower import Follower, PreviewCallback
from drover.sync.headless import FollowedElsewhere, HeadlessSync, IdleReport
from drover.sync.imported import ImportedSessionError, is_imported
from drover.sync.mirror_watch import MirrorWatch
from drover.sync.outbox import Outbox
from drover.sync.poller import PollResult, SessionPoller
from drover.sync.rules import RuleRunner
from drover.sync.steer_control import SteerControl

if TYPE_CHECKING:
    from drover.api.client import ManagedAgentsClient
    from drover.store.api import MirrorReads, MirrorWrites
    from drover.store.writer import ChangeCallback

__all__ = ["FollowedElsewhere", "IdleReport", "SyncEngine"]

log = logging.getLogger("drover.sync")

# Followers that ended for these reasons are not restarted by later polls ("user": the user
# unfollowed it; an explicit follow() still works).
_FINAL = ("terminated", "deleted", "not_found", "forbidden", "unauthorized", "user")
STREAM_HEADROOM = 8  # stream slots beyond the follower cap (a focused thread, CLI tail…)


class SyncEngine(HeadlessSync, ControlPlane, SteerControl, FollowOrObserve):
    """Keeps one profile's mirror in step with the API.

    Args:
        client: a ``ManagedAgentsClient`` (stream pool sized for ``max_followers``).
        writer: the mirror's writer (``MirrorWrites``).
        reader: the mirror's reader (``MirrorReads``).
        max_followers: cap on concurrently followed sessions.
        auto_follow: follow what the poller finds (False: only explicit :meth:`follow`).
        stall_timeout: seconds without frame/heartbeat before a stream is dropped.
        poll_min: poll interval while sessions are busy, seconds.
        poll_max: poll interval ceiling while all are idle.
        on_preview: ``(session_id, event)`` for the focused session's previews.
        follow_threads: mirror child threads of multi-agent sessions.
        backfill_concurrency: back-fills allowed at once across followers.
        board: connection-state board (a new one by default).
        account: the account it syncs (set by `drover.sync.profiles.ProfileEngines`).
        owned: objects closed by :meth:`stop` (the client, and the mirror when it owns it).
        follow_lock: the mirror's follow lock (None: follow without asking).
        launch_folder: where launch locks live (default: beside the mirror's file).
        role: what this process is, for the follow lock (``drover sync``, ``drover tui``).
        on_foreign_change: ``(session_id, high_water_seq)`` for events another process stored,
            while this engine observes (the TUI passes its change feed).
        rules: the profile's rules by name (`drover.config.rules`), applied by a
            `drover.sync.rules.RuleRunner` while the engine runs with `auto_follow`.
        apply_rules: False applies no rule at all (`--readonly`).
        clock: now, for rules' time windows (tests inject one).
    """

    def __init__(
        self,
        client: ManagedAgentsClient,
        writer: MirrorWrites,
        reader: MirrorReads,
        *,
        max_followers: int = 500,
        auto_follow: bool = True,
        stall_timeout: float = 30.0,
        poll_min: float = 5.0,
        poll_max: float = 30.0,
        on_preview: PreviewCallback | None = None,
        follow_threads: bool = True,
        backfill_concurrency: int = 16,
        board: ConnectionBoard | None = None,
        account: Account | None = None,
        owned: tuple[Any, ...] = (),
        follow_lock: FollowRight | None = None,
        launch_folder: Path | None = None,
        role: str = "drover",
        on_foreign_change: ChangeCallback | None = None,
        rules: Mapping[str, Rule] | None = None,
        apply_rules: bool = True,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.client = client
        self.account = account
        self.writer = writer
        self.reader = reader
        self.board = board or ConnectionBoard()
        self.max_followers = max_followers
        self.auto_follow = auto_follow
        self._stall_timeout = stall_timeout
        self._on_preview = on_preview
        self._follow_threads = follow_threads
        self._owned = owned
        self._backfill_slots = asyncio.Semaphore(backfill_concurrency)
        self._followers: dict[str, Follower] = {}
        self.finished: dict[str, StopReason] = {}
        self._focus: str | None = None
        self.fatal: Failure | None = None
        self._halting: asyncio.Task[None] | None = None
        self.poller = SessionPoller(
            client,
            writer,
            reader=reader,
            on_poll=self._on_poll,
            on_error=self._on_fatal,
            min_interval=poll_min,
            max_interval=poll_max,
        )
        self.outbox = Outbox(client, writer, reader)
        self.rules = RuleRunner(reader, writer, rules, clock=clock, on_answer=self.outbox.wake)
        """Answers the calls the profile's rules match (started with the poller's work)."""
        self.apply_rules = apply_rules
        self._started = False
        self._cap_warned = False
        self._lock = follow_lock
        self._launch_folder = launch_folder
        self._role = role
        self.followed_by = None
        self._watch = (
            MirrorWatch(reader, on_foreign_change) if on_foreign_change is not None else None
        )

    @property
    def launch_folder(self) -> Path:
        """Where this profile's launch locks live: the folder given (the mirror's, or the
        profile's for a shared mirror: `ProfileEngines`), else beside the mirror's file."""
        return self._launch_folder or self.writer.disk.path.parent

    # -- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        """Start the outbox (resolving rows a previous run left) and the poller."""
        if self._started:
            return
        self._started = True
        self.outbox.start()
        if not self.auto_follow:
            return
        if self.apply_rules:
            self.rules.start()
        self._follow_or_observe()

    async def stop(self) -> None:
        """Stop polling, every follower and the outbox; close what the engine owns."""
        self._started = False
        await self.poller.stop()
        await self.rules.stop()
        if self._watch is not None:
            await self._watch.stop()
        await self.outbox.stop()
        followers = list(self._followers.values())
        await asyncio.gather(*(f.stop("shutdown") for f in followers))
        if self._lock is not None:
            self._lock.release()
        for obj in self._owned:
            closer = getattr(obj, "aclose", None)
            if closer is not None:
                await closer()
            else:
                await asyncio.to_thread(obj.close)
        self._owned = ()

    # -- following ----------------------------------------------------------------------------

    @property
    def followed(self) -> set[str]:
        """Sessions with a running follower."""
        return set(self._followers)

    def follower(self, session_id: str) -> Follower | None:
        """The follower of a session, if any."""
        return self._followers.get(session_id)

    def follow(self, session_id: str) -> Follower:
        """Follow a session now (idempotent; explicit follows ignore the auto cap).

        Raises:
            ImportedSessionError: the session was imported from a file (never synced).
        """
        existing = self._followers.get(session_id)
        if existing is not None:
            return existing
        if is_imported(self.reader, session_id):
            raise ImportedSessionError(session_id)
        self.finished.pop(session_id, None)
        follower = Follower(
            session_id,
            client=self.client,
            writer=self.writer,
            reader=self.reader,
            board=self.board,
            stall_timeout=self._stall_timeout,
            deltas=session_id == self._focus,
            on_preview=self._on_preview,
            follow_threads=self._follow_threads,
            backfill_slots=self._backfill_slots,
        )
        self._followers[session_id] = follower
        follower.start().add_done_callback(lambda _t: self._ended(follower))
        return follower

    def _ended(self, follower: Follower) -> None:
        if self._followers.get(follower.session_id) is follower:
            del self._followers[follower.session_id]
        self.finished[follower.session_id] = follower.stop_reason or "shutdown"
        if follower.stop_reason == "unauthorized":
            self._on_fatal(Failure("fatal", "unauthorized", "401 from the stream"))
        if follower.stop_reason in ("mirror_corrupt", "mirror_read_only"):
            # Writing on would fail (or damage more) for every session: stop all of sync.
            broken = self.writer.broken
            detail = broken.detail if broken is not None else "the mirror cannot be used"
            self._on_fatal(Failure("fatal", follower.stop_reason, detail))

    async def unfollow(self, session_id: str) -> None:
        """Stop following a session (its state becomes ``stopped``/``user``)."""
        follower = self._followers.get(session_id)
        if follower is not None:
            await follower.stop("user")

    def set_focus(self, session_id: str | None) -> None:
        """Request previews for one session only (None: for none). Follows it if needed."""
        previous, self._focus = self._focus, session_id
        if previous and previous != session_id and previous in self._followers:
            self._followers[previous].set_deltas(False)
        if self.followed_by is not None:
            return  # observing: the following process keeps the mirror current
        if session_id is not None and not is_imported(self.reader, session_id):
            self.follow(session_id).set_deltas(True)

    def connection_states(self) -> dict[str, ConnectionState]:
        """Latest connection state of every session followed so far."""
        return self.board.snapshot()

    async def _on_poll(self, result: PollResult) -> None:
        if not self.auto_follow or self.fatal is not None:
            return
        self.rules.poke()
        busy_first = sorted(result.session_ids, key=lambda s: s not in result.busy_ids)
        for sid in busy_first:
            if sid in self._followers or self.finished.get(sid) in _FINAL:
                continue
            if is_imported(self.reader, sid):  # the same id on this server: still not synced
                continue
            if len(self._followers) >= self.max_followers:
                if not self._cap_warned:  # once per run, not once per poll
                    log.warning(
                        "follower cap %d reached; %s and others not followed",
                        self.max_followers,
                        sid,
                    )
                    self._cap_warned = True
                break
            self.follow(sid)

    def _on_fatal(self, failure: Failure) -> None:
        if self.fatal is not None:
            return
        self.fatal = failure
        log.error("sync stopped: %s", failure.detail)
        reason: StopReason = (
            "mirror_read_only" if failure.reason == "mirror_read_only"
            else "mirror_corrupt" if failure.reason == "mirror_corrupt" else "unauthorized"
        )  # fmt: skip
        if reason != "unauthorized" and self.writer.broken is None:
            # A reader found the damage: nothing may write into the file any more.
            kind = MirrorCorruptError if reason == "mirror_corrupt" else MirrorReadOnlyError
            self.writer.disk.failed(kind(self.writer.disk.path, failure.detail))
        self._halting = asyncio.get_running_loop().create_task(self._halt(reason))

    async def _halt(self, reason: StopReason) -> None:
        """Stop every follower (and the poller, unless a 401 already stopped it)."""
        if reason != "unauthorized":
            await self.poller.stop()
        await asyncio.gather(*(f.stop(reason) for f in list(self._followers.values())))

    # -- actions ------------------------------------------------------------------------------

    async def submit_action(self, session_id: str, kind: str, **payload: object) -> int:
        """Persist a user action in the outbox and deliver it exactly once.

        Args:
            session_id: target session.
            kind: ``message`` (text=…), ``interrupt`` (thread_id=…?), ``tool_confirmation``
                (tool_use_id=…, allow=bool, deny_message=…?) or ``custom_tool_result``
                (custom_tool_use_id=…, content=…, is_error=…).

        Returns:
            The outbox id; watch ``reader.outbox(session_id)`` for its state.
        """
        action_id = await self.outbox.submit(session_id, kind, payload)
        self.poller.poke()
        return action_id
