"""Steering calls of the sync engine: raise a session's budget, pause the profile's rules,
refresh the platform, and browse memory stores.

A budget raise is a session update (`POST /v1/sessions/{id}` with a bigger `budget`), not a
session event: it skips the outbox like archive and delete, and its answer (or the server's
refusal: `budget_not_raised`, `budget_create_only`) goes straight back to the caller. Raising
the budget of a session stopped at `budget_reached` is the only way to let it go on: the
server resumes it. Setting the same budget twice changes nothing, so the call is safe to repeat.

Memory stores are browsed live (a store may hold thousands of memories, each up to 100 kB):
the mirror keeps the list of stores only, and the `:memory` view asks for a folder's memories,
one memory's content or its versions when you open them. Nothing is ever written to a store.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from drover.api.wire import JSONObject
from drover.config.rules import Rule

if TYPE_CHECKING:
    from drover.api.client import ManagedAgentsClient
    from drover.store.api import MirrorWrites
    from drover.sync.poller import SessionPoller
    from drover.sync.rules import RuleRunner

__all__ = ["MEMORY_PAGE", "SteerControl", "budget_body"]

MEMORY_PAGE = 100
"""Memories (or folders) listed per request."""


def budget_body(cents: int) -> JSONObject:
    """A session `budget` capping list cost at `cents` (USD)."""
    return {"type": "limit", "max_list_cost": {"amount": str(int(cents)), "currency": "USD"}}


class SteerControl:
    """Mixin for :class:`~drover.sync.engine.SyncEngine` (see the module docstring)."""

    if TYPE_CHECKING:
        client: ManagedAgentsClient
        writer: MirrorWrites
        poller: SessionPoller
        rules: RuleRunner

    async def set_budget(self, session_id: str, cents: int) -> JSONObject:
        """Set a session's budget to `cents` of list cost and mirror the answer.

        Raises:
            DroverApiError: the server refused (the budget is not above what was spent, the
                session was created without a budget, it is terminated) or was unreachable.
        """
        session = await self.client.update_session(session_id, budget=budget_body(cents))
        await self.writer.upsert_sessions([session])
        self.poller.poke()
        return session

    def set_rules(self, rules: Mapping[str, Rule]) -> None:
        """The profile's rules changed (a rule was added from a row): apply these from now."""
        self.rules.set_rules(rules)

    async def pause_rules(self, paused: bool) -> str | None:
        """Pause or resume every rule of the profile (in the mirror: every process obeys);
        returns when they were paused, or None."""
        result = await self.writer.set_rules_paused(paused, "drover")
        self.rules.poke()
        return result

    def refresh_platform(self, *, validate: bool = False) -> None:
        """Read deployments, vaults and memory stores again now (`validate`: credentials too)."""
        self.poller.poke_platform(validate=validate)

    async def memories(self, store_id: str, path_prefix: str | None = None) -> list[JSONObject]:
        """One folder of a memory store: its memories and sub-folders (`memory_prefix`)."""
        page = await self.client.list_memories(
            store_id, path_prefix=path_prefix, depth=1, limit=MEMORY_PAGE
        )
        return [item for item in page.data if isinstance(item, dict)]

    async def memory(self, store_id: str, memory_id: str) -> JSONObject:
        """One memory with its content."""
        return await self.client.retrieve_memory(store_id, memory_id)

    async def memory_versions(self, store_id: str, memory_id: str) -> list[JSONObject]:
        """A memory's versions, newest first, with their content (who wrote what, when)."""
        page = await self.client.list_memory_versions(
            store_id, memory_id=memory_id, view="full", limit=20
        )
        return [item for item in page.data if isinstance(item, dict)]
