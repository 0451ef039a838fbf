"""Endpoint methods for the platform around sessions (SDK 2.17): deployments and their runs,
vaults and their credentials (with the live `mcp_oauth_validate`), memory stores, memories
and memory versions.

Like :mod:`drover.api.resources`, every method returns raw dicts or a
:class:`~drover.api.pages.Page` of them. Memory stores take their own beta
(``agent-memory-2026-07-22``) but also accept ``managed-agents-2026-04-01``, which every
request of this client carries, so no extra header is needed. Nothing here writes a secret,
and nothing here reads one: credentials come back without them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Literal

from drover.api.pages import Page, iterate_pages
from drover.api.resources import ResourceMethods, When, _p
from drover.api.wire import JSONObject

__all__ = ["PlatformMethods"]

MemoryView = Literal["basic", "full"]


class PlatformMethods(ResourceMethods):
    """Deployments, vaults and memory stores (reads, plus a credential's validation)."""

    # -- deployments ----------------------------------------------------------------------
    async def list_deployments(
        self,
        *,
        limit: int | None = None,
        page: str | None = None,
        include_archived: bool | None = None,
        agent_id: str | None = None,
        status: str | None = None,
    ) -> Page:
        """``GET /v1/deployments``: one page of deployments (oldest first)."""
        params = {
            "limit": limit,
            "page": page,
            "include_archived": include_archived,
            "agent_id": agent_id,
            "status": status,
        }
        return await self._page("/v1/deployments", params)

    def iter_deployments(self, *, limit: int | None = None) -> AsyncIterator[JSONObject]:
        """Every deployment not archived, across pages."""
        return iterate_pages(lambda cursor: self.list_deployments(page=cursor, limit=limit))

    async def retrieve_deployment(self, deployment_id: str) -> JSONObject:
        """``GET /v1/deployments/{id}``."""
        return await self._object("GET", f"/v1/deployments/{_p(deployment_id)}")

    async def list_deployment_runs(
        self,
        *,
        deployment_id: str | None = None,
        has_error: bool | None = None,
        trigger_type: str | None = None,
        created_at_gt: When = None,
        limit: int | None = None,
        page: str | None = None,
    ) -> Page:
        """``GET /v1/deployment_runs``: one page of runs, newest first."""
        params = {
            "deployment_id": deployment_id,
            "has_error": has_error,
            "trigger_type": trigger_type,
            "created_at[gt]": created_at_gt,
            "limit": limit,
            "page": page,
        }
        return await self._page("/v1/deployment_runs", params)

    # -- vaults and credentials -------------------------------------------------------------
    async def list_vaults(self, *, limit: int | None = None, page: str | None = None) -> Page:
        """``GET /v1/vaults``: one page of vaults (archived ones left out)."""
        return await self._page("/v1/vaults", {"limit": limit, "page": page})

    def iter_vaults(self, *, limit: int | None = None) -> AsyncIterator[JSONObject]:
        """Every vault not archived, across pages."""
        return iterate_pages(lambda cursor: self.list_vaults(page=cursor, limit=limit))

    async def list_credentials(
        self, vault_id: str, *, limit: int | None = None, page: str | None = None
    ) -> Page:
        """``GET /v1/vaults/{id}/credentials``: one page (no secrets: they are write-only)."""
        return await self._page(
            f"/v1/vaults/{_p(vault_id)}/credentials", {"limit": limit, "page": page}
        )

    def iter_credentials(
        self, vault_id: str, *, limit: int | None = None
    ) -> AsyncIterator[JSONObject]:
        """Every credential of a vault not archived, across pages."""
        return iterate_pages(
            lambda cursor: self.list_credentials(vault_id, page=cursor, limit=limit)
        )

    async def validate_credential(self, vault_id: str, credential_id: str) -> JSONObject:
        """``POST …/credentials/{id}/mcp_oauth_validate``: probe an MCP OAuth credential live.

        Returns:
            A ``vault_credential_validation`` (``status`` ``valid``/``invalid``/``unknown``,
            the failing probe step, the refresh attempt).
        """
        path = f"/v1/vaults/{_p(vault_id)}/credentials/{_p(credential_id)}/mcp_oauth_validate"
        return await self._object("POST", path)

    # -- memory stores ------------------------------------------------------------------------
    async def list_memory_stores(
        self, *, limit: int | None = None, page: str | None = None
    ) -> Page:
        """``GET /v1/memory_stores``: one page of stores."""
        return await self._page("/v1/memory_stores", {"limit": limit, "page": page})

    def iter_memory_stores(self, *, limit: int | None = None) -> AsyncIterator[JSONObject]:
        """Every memory store not archived, across pages."""
        return iterate_pages(lambda cursor: self.list_memory_stores(page=cursor, limit=limit))

    async def list_memories(
        self,
        store_id: str,
        *,
        path_prefix: str | None = None,
        depth: int | None = None,
        view: MemoryView | None = None,
        limit: int | None = None,
        page: str | None = None,
    ) -> Page:
        """``GET /v1/memory_stores/{id}/memories``: memories (and ``memory_prefix`` folders
        when ``depth`` is given), by path."""
        params = {
            "path_prefix": path_prefix,
            "depth": depth,
            "view": view,
            "limit": limit,
            "page": page,
        }
        return await self._page(f"/v1/memory_stores/{_p(store_id)}/memories", params)

    async def retrieve_memory(
        self, store_id: str, memory_id: str, *, view: MemoryView | None = "full"
    ) -> JSONObject:
        """``GET /v1/memory_stores/{id}/memories/{memory_id}`` (with its content by default)."""
        return await self._object(
            "GET",
            f"/v1/memory_stores/{_p(store_id)}/memories/{_p(memory_id)}",
            params={"view": view},
        )

    async def list_memory_versions(
        self,
        store_id: str,
        *,
        memory_id: str | None = None,
        view: MemoryView | None = None,
        limit: int | None = None,
        page: str | None = None,
    ) -> Page:
        """``GET /v1/memory_stores/{id}/memory_versions``: a store's (or one memory's)
        versions, newest first."""
        params = {"memory_id": memory_id, "view": view, "limit": limit, "page": page}
        return await self._page(f"/v1/memory_stores/{_p(store_id)}/memory_versions", params)
