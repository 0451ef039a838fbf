"""Endpoint methods for agents, environments, sessions, events, threads and resources (§4).

Every method returns raw dicts (unknown fields kept) or :class:`~drover.api.pages.Page` of raw
dicts; :mod:`drover.api.models` offers light typed views over them when a caller wants one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
from datetime import datetime
from typing import Literal, TypedDict, Unpack, cast
from urllib.parse import quote

from drover.api.core import ClientCore
from drover.api.errors import ApiError
from drover.api.event_screen import screen_event
from drover.api.page_body import PageBodyError, Screen, decode_page_off_loop, screen_object
from drover.api.pages import Page, iterate_pages
from drover.api.wire import JSONObject, QueryValue

__all__ = ["ResourceMethods"]

Order = Literal["asc", "desc"]
When = datetime | str | None


def _p(value: str) -> str:
    """Quote an id for use as a path segment (ids are opaque strings)."""
    return quote(value, safe="")


class AgentFilters(TypedDict, total=False):
    """What :meth:`ResourceMethods.iter_agents` passes on to ``list_agents``."""

    limit: int | None
    include_archived: bool | None
    created_at_gte: When
    created_at_lte: When


class EnvironmentFilters(TypedDict, total=False):
    """What :meth:`ResourceMethods.iter_environments` passes on to ``list_environments``."""

    limit: int | None
    include_archived: bool | None


class SessionFilters(TypedDict, total=False):
    """What :meth:`ResourceMethods.iter_sessions` passes on to ``list_sessions``."""

    statuses: Iterable[str] | None
    agent_id: str | None
    deployment_id: str | None
    agent_version: int | None
    created_at_gte: When
    created_at_lte: When
    created_at_gt: When
    created_at_lt: When
    include_archived: bool | None
    order: Order | None
    limit: int | None


class EventFilters(TypedDict, total=False):
    """What :meth:`ResourceMethods.iter_events` passes on to ``list_events``."""

    types: Iterable[str] | None
    order: Order | None
    created_at_gte: When
    created_at_lte: When
    created_at_gt: When
    created_at_lt: When
    limit: int | None


class ThreadFilters(TypedDict, total=False):
    """What :meth:`ResourceMethods.iter_threads` passes on to ``list_threads``."""

    statuses: Iterable[str] | None
    limit: int | None


def _created_at(gte: When, lte: When, gt: When, lt: When) -> dict[str, When]:
    return {
        "created_at[gte]": gte,
        "created_at[lte]": lte,
        "created_at[gt]": gt,
        "created_at[lt]": lt,
    }


class ResourceMethods(ClientCore):
    """Request/response endpoints. All reads are retried; writes never blindly."""

    async def _page(
        self, path: str, params: Mapping[str, QueryValue], screen: Screen = screen_object
    ) -> Page:
        """One page; items `screen` rejects are left out of ``data`` and kept in ``rejected``
        (decoded off the loop: a history page is about 1 MB)."""
        body, request_id = await self.request_bytes("GET", path, params=params)
        try:
            return await decode_page_off_loop(body, screen)
        except PageBodyError as exc:
            raise ApiError(str(exc), status=200, request_id=request_id) from None

    async def _object(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, QueryValue] | None = None,
        json: object = None,
    ) -> JSONObject:
        """A call whose documented answer is one JSON object (returned as decoded, unchecked)."""
        return cast(JSONObject, await self.request(method, path, params=params, json=json))

    # -- agents -----------------------------------------------------------------------
    async def list_agents(
        self,
        *,
        limit: int | None = None,
        page: str | None = None,
        include_archived: bool | None = None,
        created_at_gte: When = None,
        created_at_lte: When = None,
    ) -> Page:
        """``GET /v1/agents``: one page of agents."""
        params = {
            "limit": limit,
            "page": page,
            "include_archived": include_archived,
            **_created_at(created_at_gte, created_at_lte, None, None),
        }
        return await self._page("/v1/agents", params)

    def iter_agents(self, **filters: Unpack[AgentFilters]) -> AsyncIterator[JSONObject]:
        """Every agent, across pages; ``filters`` as for :meth:`list_agents`."""
        return iterate_pages(lambda cursor: self.list_agents(page=cursor, **filters))

    async def retrieve_agent(self, agent_id: str, *, version: int | None = None) -> JSONObject:
        """``GET /v1/agents/{id}`` (latest version unless ``version`` is given)."""
        return await self._object("GET", f"/v1/agents/{_p(agent_id)}", params={"version": version})

    async def list_agent_versions(
        self, agent_id: str, *, limit: int | None = None, page: str | None = None
    ) -> Page:
        """``GET /v1/agents/{id}/versions``: one page, one Agent per version."""
        return await self._page(
            f"/v1/agents/{_p(agent_id)}/versions", {"limit": limit, "page": page}
        )

    # -- environments -----------------------------------------------------------------
    async def list_environments(
        self,
        *,
        limit: int | None = None,
        page: str | None = None,
        include_archived: bool | None = None,
    ) -> Page:
        """``GET /v1/environments``: one page of environments."""
        return await self._page(
            "/v1/environments", {"limit": limit, "page": page, "include_archived": include_archived}
        )

    def iter_environments(self, **filters: Unpack[EnvironmentFilters]) -> AsyncIterator[JSONObject]:
        """Every environment, across pages."""
        return iterate_pages(lambda cursor: self.list_environments(page=cursor, **filters))

    async def retrieve_environment(self, environment_id: str) -> JSONObject:
        """``GET /v1/environments/{id}``."""
        return await self._object("GET", f"/v1/environments/{_p(environment_id)}")

    # -- sessions ---------------------------------------------------------------------
    async def list_sessions(
        self,
        *,
        statuses: Iterable[str] | None = None,
        agent_id: str | None = None,
        agent_version: int | None = None,
        deployment_id: str | None = None,
        created_at_gte: When = None,
        created_at_lte: When = None,
        created_at_gt: When = None,
        created_at_lt: When = None,
        include_archived: bool | None = None,
        order: Order | None = None,
        limit: int | None = None,
        page: str | None = None,
    ) -> Page:
        """``GET /v1/sessions``: one page (with ``prev_page``); server default order desc."""
        params = {
            "statuses": list(statuses) if statuses is not None else None,
            "agent_id": agent_id,
            "agent_version": agent_version,
            "deployment_id": deployment_id,
            **_created_at(created_at_gte, created_at_lte, created_at_gt, created_at_lt),
            "include_archived": include_archived,
            "order": order,
            "limit": limit,
            "page": page,
        }
        return await self._page("/v1/sessions", params)

    def iter_sessions(self, **filters: Unpack[SessionFilters]) -> AsyncIterator[JSONObject]:
        """Every session matching ``filters`` (as for :meth:`list_sessions`), all pages."""
        return iterate_pages(lambda cursor: self.list_sessions(page=cursor, **filters))

    async def retrieve_session(self, session_id: str) -> JSONObject:
        """``GET /v1/sessions/{id}``."""
        return await self._object("GET", f"/v1/sessions/{_p(session_id)}")

    async def create_session(
        self,
        agent: str | JSONObject,
        environment_id: str,
        **fields: object,
    ) -> JSONObject:
        """``POST /v1/sessions``. Not retried except on 429 / connection never made.

        Args:
            agent: an agent id (latest version) or an ``agent``/``agent_with_overrides`` dict.
            environment_id: the environment to run in.
            **fields: further body fields (``title``, ``metadata``, ``resources``,
                ``vault_ids``, ``budget``, ``initial_events``), sent as given.
        """
        body = {"agent": agent, "environment_id": environment_id, **fields}
        return await self._object("POST", "/v1/sessions", json=body)

    async def update_session(self, session_id: str, **fields: object) -> JSONObject:
        """``POST /v1/sessions/{id}`` with ``title``/``metadata``/``budget``/``agent``."""
        return await self._object("POST", f"/v1/sessions/{_p(session_id)}", json=fields)

    async def archive_session(self, session_id: str) -> JSONObject:
        """``POST /v1/sessions/{id}/archive``; the session must not be running."""
        return await self._object("POST", f"/v1/sessions/{_p(session_id)}/archive")

    async def delete_session(self, session_id: str) -> JSONObject:
        """``DELETE /v1/sessions/{id}`` → ``{"id", "type": "session_deleted"}``."""
        return await self._object("DELETE", f"/v1/sessions/{_p(session_id)}")

    # -- events -----------------------------------------------------------------------
    async def list_events(
        self,
        session_id: str,
        *,
        types: Iterable[str] | None = None,
        order: Order | None = None,
        created_at_gte: When = None,
        created_at_lte: When = None,
        created_at_gt: When = None,
        created_at_lt: When = None,
        limit: int | None = None,
        page: str | None = None,
    ) -> Page:
        """``GET /v1/sessions/{id}/events``: one page of persisted events (raw dicts).

        ``created_at[...]`` filters compare against each event's ``processed_at``; the
        server's default order is ascending by ``processed_at``.
        """
        params = {
            "types": list(types) if types is not None else None,
            "order": order,
            **_created_at(created_at_gte, created_at_lte, created_at_gt, created_at_lt),
            "limit": limit,
            "page": page,
        }
        return await self._page(f"/v1/sessions/{_p(session_id)}/events", params, screen_event)

    def iter_events(
        self, session_id: str, **filters: Unpack[EventFilters]
    ) -> AsyncIterator[JSONObject]:
        """Every event of a session matching ``filters`` (as for :meth:`list_events`)."""
        return iterate_pages(lambda cursor: self.list_events(session_id, page=cursor, **filters))

    async def send_events(self, session_id: str, events: list[JSONObject]) -> list[JSONObject]:
        """``POST /v1/sessions/{id}/events``, never blindly retried.

        Only failures where the server certainly did not act are retried (a 429 from the
        rate limiter, a connection that was never made). There is no idempotency key
        upstream (§7.5), so any other failure is the caller's to resolve;
        :mod:`drover.api.sending` does that safely.

        Returns:
            The receipt: one echoed event per sent event (``processed_at`` may be null).
        """
        body = await self.request(
            "POST", f"/v1/sessions/{_p(session_id)}/events", json={"events": events}
        )
        data = body.get("data") if isinstance(body, dict) else None
        return list(data) if isinstance(data, list) else []

    # -- threads ----------------------------------------------------------------------
    async def list_threads(
        self,
        session_id: str,
        *,
        statuses: Iterable[str] | None = None,
        limit: int | None = None,
        page: str | None = None,
    ) -> Page:
        """``GET /v1/sessions/{id}/threads`` (includes the primary thread)."""
        params = {
            "statuses": list(statuses) if statuses is not None else None,
            "limit": limit,
            "page": page,
        }
        return await self._page(f"/v1/sessions/{_p(session_id)}/threads", params)

    def iter_threads(
        self, session_id: str, **filters: Unpack[ThreadFilters]
    ) -> AsyncIterator[JSONObject]:
        """Every thread of a session."""
        return iterate_pages(lambda cursor: self.list_threads(session_id, page=cursor, **filters))

    async def retrieve_thread(self, session_id: str, thread_id: str) -> JSONObject:
        """``GET /v1/sessions/{sid}/threads/{tid}``."""
        return await self._object("GET", f"/v1/sessions/{_p(session_id)}/threads/{_p(thread_id)}")

    async def list_thread_events(
        self,
        session_id: str,
        thread_id: str,
        *,
        limit: int | None = None,
        page: str | None = None,
    ) -> Page:
        """``GET /v1/sessions/{sid}/threads/{tid}/events`` (no filters upstream)."""
        return await self._page(
            f"/v1/sessions/{_p(session_id)}/threads/{_p(thread_id)}/events",
            {"limit": limit, "page": page},
            screen_event,
        )

    def iter_thread_events(
        self, session_id: str, thread_id: str, *, limit: int | None = None
    ) -> AsyncIterator[JSONObject]:
        """Every event of one thread."""
        return iterate_pages(
            lambda cursor: self.list_thread_events(session_id, thread_id, limit=limit, page=cursor)
        )

    # -- session resources --------------------------------------------------------------
    async def list_session_resources(
        self, session_id: str, *, limit: int | None = None, page: str | None = None
    ) -> Page:
        """``GET /v1/sessions/{id}/resources`` (omitting ``limit`` returns all)."""
        return await self._page(
            f"/v1/sessions/{_p(session_id)}/resources", {"limit": limit, "page": page}
        )
