"""The writer's awaitable calls: one coroutine per operation, each resolved after COMMIT.

Mixed into `drover.store.writer.MirrorWriter` (and so `PgMirrorWriter`); `submit` is the
writer's own. Each call queues its operation (`drover.store.operations`) and awaits the
future the writer thread resolves once the batch committed.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import Future
from typing import Any

from drover.store.account import AccountBinding
from drover.store.ingest import AUTO_CURSOR, IngestResult
from drover.store.models import JSONObject
from drover.store.quarantine import QuarantineItem

__all__ = ["WriterCalls"]


class WriterCalls:
    """Mixin: the awaitable form of every writer operation."""

    def submit(self, operation: str, *args: Any, **kwargs: Any) -> Future[Any]:
        """Queue a named operation (the writer's own; see `MirrorWriter.submit`)."""
        raise NotImplementedError

    async def _call(self, operation: str, *args: Any, **kwargs: Any) -> Any:
        return await asyncio.wrap_future(self.submit(operation, *args, **kwargs))

    async def ingest(
        self,
        session_id: str,
        events: list[JSONObject],
        *,
        thread_id: str | None = None,
        cursor: str | None = AUTO_CURSOR,
    ) -> IngestResult:
        """Store wire events idempotently (see `drover.store.ingest.ingest_events`)."""
        result: IngestResult = await self._call(
            "ingest", session_id, list(events), thread_id=thread_id, cursor=cursor
        )
        return result

    async def upsert_sessions(self, sessions: list[JSONObject]) -> list[str]:
        """Insert/refresh `Session` objects and reconcile derived state; returns their ids."""
        result: list[str] = await self._call("upsert_sessions", list(sessions))
        return result

    async def upsert_threads(self, threads: list[JSONObject]) -> list[str]:
        """Insert/refresh `Thread` objects; returns the affected session ids."""
        result: list[str] = await self._call("upsert_threads", list(threads))
        return result

    async def upsert_agents(self, agents: list[JSONObject]) -> list[str]:
        """Insert/refresh `Agent` objects; returns their ids."""
        result: list[str] = await self._call("upsert_agents", list(agents))
        return result

    async def upsert_environments(self, envs: list[JSONObject]) -> list[str]:
        """Insert/refresh `Environment` objects; returns their ids."""
        result: list[str] = await self._call("upsert_environments", list(envs))
        return result

    async def enqueue_action(
        self, session_id: str, kind: str, payload: object, *, actor_name: str | None = None
    ) -> int:
        """Persist a queued user action; returns its local outbox id.

        Raises:
            ActionTakenError: the tool call it answers already has a live answer.
        """
        result: int = await self._call(
            "enqueue_action", session_id, kind, payload, actor_name=actor_name
        )
        return result

    async def mark_sending(self, action_id: int) -> None:
        """Outbox row → `sending` (attempts + 1)."""
        await self._call("mark_sending", action_id)

    async def claim_action(
        self, action_id: int, owner: str, lease_until: float, *, take_over: str | None = None
    ) -> bool:
        """Make `owner` the row's sender (compare-and-set; see `drover.store.outbox`).

        Returns:
            False when another process claimed it first.
        """
        session_id: str | None = await self._call(
            "claim_action", action_id, owner, lease_until, take_over=take_over
        )
        return session_id is not None

    async def renew_leases(self, owner: str, lease_until: float) -> int:
        """Extend the lease of every row `owner` is sending; returns how many."""
        count: int = await self._call("renew_leases", owner, lease_until)
        return count

    async def quarantine(
        self,
        session_id: str,
        items: list[QuarantineItem],
        *,
        thread_id: str | None = None,
    ) -> list[str]:
        """Keep wire items that are not storable events (see `drover.store.quarantine`).

        Returns:
            Local event ids of the items quarantined for the first time.
        """
        new_ids: list[str] = await self._call(
            "quarantine", session_id, list(items), thread_id=thread_id
        )
        return new_ids

    async def mark_sent(self, action_id: int, server_ids: list[str]) -> None:
        """Outbox row → `sent` with the server event ids of the send receipt."""
        await self._call("mark_sent", action_id, list(server_ids))

    async def mark_failed(self, action_id: int, reason: str) -> None:
        """Outbox row → `failed` with a reason."""
        await self._call("mark_failed", action_id, reason)

    async def bind_account(self, account: AccountBinding) -> AccountBinding:
        """Record the mirror's account, or check it (raises `MirrorAccountError`)."""
        bound: AccountBinding = await self._call("bind_account", account)
        return bound

    async def recompute_session(self, session_id: str) -> None:
        """Rebuild one session's derived state from its stored events."""
        await self._call("recompute_session", session_id)

    async def hub_heartbeat(
        self, name: str, holder: str, started_at: str, following: bool, figures: dict[str, Any]
    ) -> None:
        """Record the hub's heartbeat (see `drover.store.hub_status`)."""
        await self._call("hub_heartbeat", name, holder, started_at, following, figures)
