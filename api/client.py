"""The public client class, assembled from the core and the endpoint groups."""

from __future__ import annotations

from drover.api.sending import SendMethods
from drover.api.streaming import StreamMethods

__all__ = ["ManagedAgentsClient"]


class ManagedAgentsClient(SendMethods, StreamMethods):
    """Async client for the Managed Agents API (beta ``managed-agents-2026-04-01``).

    Construction arguments are those of :class:`drover.api.core.ClientCore`::

        budget = RateBudget(create_per_minute=300, read_per_minute=1200)
        async with ManagedAgentsClient(base_url, api_key, rate_budget=budget) as client:
            page = await client.list_sessions(statuses=["running", "idle"], limit=50)
            async with client.stream_events(page.data[0]["id"]) as stream:
                async for event in stream:
                    ...

    Endpoint methods come from :class:`~drover.api.resources.ResourceMethods`, streams from
    :class:`~drover.api.streaming.StreamMethods` and duplicate-safe sends from
    :class:`~drover.api.sending.SendMethods`.
    """

    async def __aenter__(self) -> ManagedAgentsClient:
        return self
