"""What a verified webhook does: wake the follower it concerns, so the hub need not poll.

Without webhooks the hub finds new sessions and status changes by polling the session list
every 5–30 s (busy fleets poll at the minimum all the time). With them, the list is polled only
as a safety net (`[profiles.NAME.hub] poll_seconds`, 120 s by default) and a webhook does the
rest:

* about a session the hub does not follow (`session.created`, a run starting on a session
  that was left idle, …): follow it now (a session the mirror does not hold yet is fetched
  and stored first: one read);
* `session.requires_action`, `session.status_idled`, `session.budget_reached` about a followed
  session: if the mirror has not seen the session stop within `SETTLE_SECONDS` (the stream
  dropped it, or stalled), compare its recent history with the mirror and store what is
  missing (`Follower.find_gaps`: one page);
* `session.archived`, `session.deleted`, `session.status_terminated` about a session not
  followed: fetch and store it, so the mirror shows it ended (a followed one hears it on its
  stream);
* anything else (`vault_credential.refresh_failed`, agents, deployments…): logged with its ids,
  for whoever reads the hub's log.

Nothing in a webhook's body is stored: it only says where to look, and what is stored comes
from the API as always.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from drover.api.errors import NotFoundError

if TYPE_CHECKING:
    from drover.api.webhooks import WebhookEvent
    from drover.hub.figures import HubFigures
    from drover.sync.engine import SyncEngine

__all__ = ["SETTLE_SECONDS", "Waker"]

log = logging.getLogger("drover.hub.wake")

SETTLE_SECONDS = 2.0
"""How long a followed session's stream may take to bring what a webhook announced."""
_STOPPED = frozenset({"session.requires_action", "session.status_idled", "session.budget_reached"})
_ENDED = frozenset({"session.archived", "session.deleted", "session.status_terminated"})
_IDLE_STATUSES = frozenset({"idle", "terminated"})


class Waker:
    """Turns verified webhooks into follows and gap checks (see the module docstring).

    Args:
        engine: the hub's engine.
        figures: where to count what was woken.
        settle: seconds to give a stream before checking its session's history.
    """

    def __init__(
        self, engine: SyncEngine, figures: HubFigures, *, settle: float = SETTLE_SECONDS
    ) -> None:
        self._engine = engine
        self._figures = figures
        self._settle = settle
        self._tasks: set[asyncio.Task[None]] = set()

    def handle(self, event: WebhookEvent) -> None:
        """Act on a verified webhook in the background (the HTTP answer does not wait)."""
        task = asyncio.get_running_loop().create_task(self._handle(event), name="hub-wake")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def stop(self) -> None:
        """Cancel what is still being woken."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _handle(self, event: WebhookEvent) -> None:
        fields = {"event": event.type, "object_id": event.object_id, "webhook_id": event.message_id}
        try:
            what = await self._wake(event)
        except NotFoundError:
            what = "gone"
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("webhook not acted on: %s", exc, extra={"fields": fields})
            return
        self._figures.woken[what] += 1
        log.info("webhook %s: %s", event.type, what, extra={"fields": {**fields, "woke": what}})

    async def _wake(self, event: WebhookEvent) -> str:
        session_id = event.session_id
        engine = self._engine
        if session_id is None or engine.fatal is not None:
            return "logged"
        if engine.followed_by is not None:
            return "standby"  # another hub follows; it got the same webhook
        followed = session_id in engine.followed
        if not followed and event.type not in _ENDED:
            if engine.reader.session(session_id) is None:  # new: its header, one read
                await self._store(session_id)
            engine.follow(session_id)  # a known one's stream brings its status
            return "followed"
        if not followed:
            await self._store(session_id)
            return "stored"
        if event.type in _STOPPED:
            await asyncio.sleep(self._settle)
            row = engine.reader.session(session_id)
            follower = engine.follower(session_id)
            if (row is None or row.status not in _IDLE_STATUSES) and follower is not None:
                found = await follower.find_gaps()
                return f"gap-checked:{found}"
            return "in-step"
        return "in-step"

    async def _store(self, session_id: str) -> None:
        session = await self._engine.client.retrieve_session(session_id)
        await self._engine.writer.upsert_sessions([session])
