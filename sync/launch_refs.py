"""An agent or environment named the way a person names it: its id, or its name."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from drover.api.client import ManagedAgentsClient
    from drover.api.wire import JSONObject

__all__ = ["RefError", "resolve_refs"]


class RefError(LookupError):
    """No such agent or environment, or a name several share; the message lists what there is."""


async def _resolve(objects: AsyncIterator[JSONObject], wanted: str, kind: str) -> str:
    seen: list[JSONObject] = [obj async for obj in objects]
    for obj in seen:
        if obj.get("id") == wanted:
            return wanted
    named = [o for o in seen if o.get("name") == wanted]
    if not named:
        named = [o for o in seen if str(o.get("name") or "").casefold() == wanted.casefold()]
    if len(named) == 1:
        return str(named[0]["id"])
    if named:
        ids = ", ".join(str(o["id"]) for o in named)
        raise RefError(f"{len(named)} {kind}s are called {wanted!r} ({ids}): give the id")
    names = ", ".join(sorted(str(o.get("name") or o.get("id")) for o in seen)[:8]) or "none"
    raise RefError(f"no {kind} {wanted!r} (the {kind}s here: {names})")


async def resolve_refs(
    client: ManagedAgentsClient, agent: str, environment: str
) -> tuple[str, str]:
    """The ids of the agent and environment named by id or name (archived ones left out).

    Raises:
        RefError: one of them is unknown, or its name is not unique.
    """
    agent_id = await _resolve(client.iter_agents(), agent, "agent")
    environment_id = await _resolve(client.iter_environments(), environment, "environment")
    return agent_id, environment_id
