"""The public client class, assembled from the core and the endpoint groups."""

from __future__ import annotations

from typing import Any, Protocol

from drover.api.rate_budget import RateBudget
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

    @classmethod
    def from_profile(cls, profile: ProfileLike, api_key: str, **kwargs: Any) -> ManagedAgentsClient:
        """Build a client from a resolved profile (e.g. ``drover.config.ResolvedProfile``).

        The rate budget is made from the profile's limits unless ``rate_budget`` is given;
        share one client (or one budget) per profile, since the limits are org-wide.

        Args:
            profile: anything with ``base_url``, ``workspace_id``, ``create_per_minute``
                and ``read_per_minute`` attributes.
            api_key: the key (from ``drover.config.get_api_key``).
            **kwargs: further :class:`~drover.api.core.ClientCore` arguments.
        """
        kwargs.setdefault(
            "rate_budget", RateBudget(profile.create_per_minute, profile.read_per_minute)
        )
        return cls(profile.base_url, api_key, workspace_id=profile.workspace_id, **kwargs)


class ProfileLike(Protocol):
    """What :meth:`ManagedAgentsClient.from_profile` reads (drover.api never imports config)."""

    base_url: str
    workspace_id: str | None
    create_per_minute: float
    read_per_minute: float
