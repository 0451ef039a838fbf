"""The engine of a viewer: a teammate's drover on a shared mirror the hub keeps.

A team runs one `drover hub`: it alone holds the API key, follows the fleet and writes the
mirror into PostgreSQL. Every other drover on that mirror is a *viewer*: it reads the mirror
(the listener brings the hub's commits as they land), needs no key and sends no API request.
Its actions are rows it inserts into the shared outbox, with who took them
(`drover.store.outbox`: the database role, and the display name the profile gives); the hub
claims each and delivers it exactly once. When two viewers answer the same tool call, the
second insert is refused and `submit_action` raises `ActionTakenError` naming the first
("already allowed by Ana (ana_viewer) 3s ago").

Creating, archiving and deleting sessions answer with the API's own objects, which a viewer
cannot wait for from a queue: they are refused with a sentence saying where to run them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any

from drover.api.timestamps import parse_timestamp
from drover.sync.engines import ActionKind, NotConnectedError, OfflineEngine
from drover.sync.follow_lock import FollowHolder
from drover.sync.outbox_actions import build_events
from drover.sync.process_owner import ProcessOwner

if TYPE_CHECKING:
    from drover.store.api import MirrorReads, MirrorWrites
    from drover.store.hub_status import HubStatusRow

__all__ = ["HUB_STALE_SECONDS", "ViewerEngine", "hub_holder"]

log = logging.getLogger("drover.sync.viewer")

HUB_STALE_SECONDS = 30.0
"""A hub whose last heartbeat is older than this is taken to be down."""


def hub_holder(
    rows: list[HubStatusRow], *, stale: float = HUB_STALE_SECONDS
) -> FollowHolder | None:
    """The live hub that follows the fleet, from the mirror's heartbeats (None: none is)."""
    for row in rows:
        if not row.following or row.age() > stale:
            continue
        owner = ProcessOwner.parse(row.holder)
        started = parse_timestamp(row.started_at)
        since = started.timestamp() if started is not None else time.time()
        host = owner.host if owner is not None else "?"
        return FollowHolder(owner.pid if owner is not None else 0, f"drover hub on {host}", since)
    return None


class ViewerEngine(OfflineEngine):
    """Reads a shared mirror and queues actions for its hub (see the module docstring).

    Like an offline engine it has no account, runs nothing and refuses what needs the API's
    answer; unlike one, a hub delivers its actions now, and it says who took them.

    Args:
        writer: the mirror's writer (it inserts outbox rows, nothing else).
        reader: the mirror's reader.
        actor_name: the name this viewer's actions are recorded under, beside its role.
        owned: what `stop` closes (the mirror, when the engine owns it).
    """

    def __init__(
        self,
        writer: MirrorWrites,
        reader: MirrorReads,
        *,
        actor_name: str | None = None,
        owned: tuple[Any, ...] = (),
    ) -> None:
        super().__init__(writer, "a viewer of the hub's mirror")
        self.writer = writer
        self.reader = reader
        self.actor_name = actor_name
        self._owned = owned
        self._followed_by: FollowHolder | None = None

    @property
    def followed_by(self) -> FollowHolder | None:
        """The hub, as `start` (or the latest `read_followed_by`) found it; reads nothing, so
        the TUI may ask on its loop."""
        return self._followed_by

    def read_followed_by(self) -> FollowHolder | None:
        """Read the hub's heartbeat now (a blocking query: call it off the loop) and keep the
        answer in `followed_by`."""
        try:
            self._followed_by = hub_holder(self.reader.hub_status())
        except Exception:  # a hint for a header: never worth failing a screen for
            log.debug("could not read the hub's heartbeat", exc_info=True)
            self._followed_by = None
        return self._followed_by

    async def start(self) -> None:
        """Read who follows (the hub's heartbeat), off the loop; nothing runs."""
        await asyncio.to_thread(self.read_followed_by)

    @property
    def finished(self) -> dict[str, str]:
        """No follower of its own ever ends."""
        return {}

    async def stop(self) -> None:
        """Close what the engine owns (the mirror, when it opened it)."""
        for obj in self._owned:
            obj.close()
        self._owned = ()

    async def submit_action(self, session_id: str, kind: ActionKind, **payload: Any) -> int:
        """Queue the action for the hub, recording who took it.

        Raises:
            ValueError: an invalid action (nothing was queued).
            ActionTakenError: the tool call already has an answer; it names who gave it.
        """
        build_events(kind, payload)
        return await self.writer.enqueue_action(
            session_id, kind, dict(payload), actor_name=self.actor_name
        )

    def _refuse(self) -> NotConnectedError:
        return NotConnectedError(
            "that needs the API, and a viewer of the hub's mirror has no key: run it where "
            "the hub's key is (`drover --profile … ` on the hub's machine); nothing was sent"
        )
