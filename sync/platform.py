"""The platform refresh: deployments and their runs, vaults, their credentials and how they
validate, and memory stores, read rarely and stored in one transaction.

The poller runs a refresh on its first poll and then every few polls (`SessionPoller`'s
`platform_every`), like the agents and environments: these change far less often than
sessions, and every list costs reads from the org-wide budget the streams need more. One
refresh reads a page of deployments, one of runs (newest first; five on the first refresh), one
of vaults, one per vault of credentials and one of memory stores: under ten reads for a
workspace of ordinary size.

Credential health comes from `mcp_oauth_validate`, a live probe of the credential's MCP server
(a POST, counted in the create budget). A credential is validated when it is new or changed,
then every `VALIDATE_EVERY` seconds, at most `VALIDATE_PER_REFRESH` per refresh;
`validate_now` asks for every one at the next refresh (`v` on `:vaults`). Only `mcp_oauth`
credentials can be validated; the others are listed without a verdict.

A family the server does not serve (404, 403: an older API, a key without the permission) is
skipped for `SKIP_UNSUPPORTED` refreshes and never stops the poller; any other failure leaves
that family as it was mirrored until the next refresh.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

from drover.api.errors import DroverApiError, NotFoundError, PermissionDeniedError
from drover.api.wire import JSONObject

if TYPE_CHECKING:
    from drover.api.client import ManagedAgentsClient
    from drover.store.api import MirrorReads, MirrorWrites

__all__ = ["VALIDATE_EVERY", "VALIDATE_PER_REFRESH", "PlatformRefresh"]

log = logging.getLogger("drover.sync.platform")
T = TypeVar("T")

VALIDATE_EVERY = 900.0
"""Seconds between validations of an unchanged credential."""
VALIDATE_PER_REFRESH = 10
"""Most credentials validated per refresh (the rest wait for the next)."""
SKIP_UNSUPPORTED = 20
"""Refreshes a family the server answered 404/403 for is left out."""
RUN_PAGES_FIRST = 5
RUN_PAGE = 100
RUN_SESSIONS = 20
"""Most sessions of runs fetched one by one per refresh (a run's session may have ended
before sync first saw it; its spend belongs to the deployment all the same)."""


async def _collect(items: AsyncIterator[JSONObject]) -> list[JSONObject]:
    return [item async for item in items if isinstance(item, dict)]


class PlatformRefresh:
    """Reads the platform and stores it (see the module docstring).

    Args:
        client: the profile's client.
        writer: the mirror's writer.
        reader: the mirror's reader (which runs' sessions are mirrored already).
        clock: monotonic seconds (injected by tests).
    """

    def __init__(
        self,
        client: ManagedAgentsClient,
        writer: MirrorWrites,
        reader: MirrorReads | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._writer = writer
        self._reader = reader
        self._clock = clock
        self._skip: dict[str, int] = {}
        self._validated: dict[str, tuple[float, object]] = {}
        self._validate_all = False
        self.refreshes = 0
        """Refreshes done (the first reads more runs)."""

    def validate_now(self) -> None:
        """Validate every MCP OAuth credential at the next refresh (within the per-refresh cap
        of `VALIDATE_PER_REFRESH` × 5)."""
        self._validate_all = True

    async def _family(self, name: str, read: Callable[[], Awaitable[T]]) -> T | None:
        """One family's read; None when it was skipped or failed (the mirror keeps its copy)."""
        left = self._skip.get(name, 0)
        if left:
            self._skip[name] = left - 1
            return None
        try:
            return await read()
        except (NotFoundError, PermissionDeniedError) as exc:
            log.info("%s not available (%s); looking again later", name, exc.status)
            self._skip[name] = SKIP_UNSUPPORTED
        except DroverApiError as exc:
            log.info("%s could not be read: %s", name, exc)
        return None

    async def _runs(self) -> list[JSONObject]:
        pages = RUN_PAGES_FIRST if self.refreshes == 0 else 1
        out: list[JSONObject] = []
        cursor = None
        for _ in range(pages):
            page = await self._client.list_deployment_runs(limit=RUN_PAGE, page=cursor)
            out += [r for r in page.data if isinstance(r, dict)]
            cursor = page.next_page
            if not cursor:
                break
        return out

    async def _run_sessions(self, runs: list[JSONObject]) -> None:
        """Mirror the sessions of runs that the mirror does not hold yet (a few per refresh)."""
        reader = self._reader
        if reader is None:
            return
        wanted = [r["session_id"] for r in runs if isinstance(r.get("session_id"), str)]
        missing = [sid for sid in dict.fromkeys(wanted) if reader.session(sid) is None]
        found = []
        for sid in missing[:RUN_SESSIONS]:
            try:
                found.append(await self._client.retrieve_session(sid))
            except DroverApiError as exc:  # deleted since, or not readable: the run still lists
                log.info("session %s of a deployment run not read: %s", sid, exc)
        if found:
            await self._writer.upsert_sessions(found)

    async def _credentials(self, vaults: list[JSONObject]) -> list[JSONObject]:
        out: list[JSONObject] = []
        for vault in vaults:
            vault_id = vault.get("id")
            if isinstance(vault_id, str):
                out += await _collect(self._client.iter_credentials(vault_id, limit=100))
        return out

    def _due(self, credentials: list[JSONObject]) -> list[JSONObject]:
        now = self._clock()
        due = []
        for cred in credentials:
            auth = cred.get("auth")
            if not isinstance(auth, dict) or auth.get("type") != "mcp_oauth":
                continue
            if cred.get("archived_at"):
                continue
            seen = self._validated.get(str(cred.get("id")))
            if (
                self._validate_all
                or seen is None
                or seen[1] != cred.get("updated_at")
                or now - seen[0] >= VALIDATE_EVERY
            ):
                due.append(cred)
        cap = VALIDATE_PER_REFRESH * (5 if self._validate_all else 1)
        self._validate_all = False
        return due[:cap]

    async def _validations(self, credentials: list[JSONObject]) -> list[JSONObject]:
        out: list[JSONObject] = []
        for cred in self._due(credentials):
            cid, vid = str(cred.get("id")), str(cred.get("vault_id"))
            try:
                result = await self._client.validate_credential(vid, cid)
            except DroverApiError as exc:
                log.info("credential %s could not be validated: %s", cid, exc)
                continue
            self._validated[cid] = (self._clock(), cred.get("updated_at"))
            if isinstance(result, dict):
                out.append(result)
        return out

    async def refresh(self) -> list[str]:
        """Read every family and store what was read.

        Returns:
            The sessions whose needs-you reason changed (a credential started or stopped
            failing).
        """
        client = self._client
        deployments = await self._family(
            "deployments", lambda: _collect(client.iter_deployments(limit=100))
        )
        runs = None
        if deployments is not None:
            runs = await self._family("deployment_runs", self._runs)
        vaults = await self._family("vaults", lambda: _collect(client.iter_vaults(limit=100)))
        credentials = validations = None
        if vaults is not None:
            credentials = await self._family("credentials", lambda: self._credentials(vaults))
            if credentials is not None:
                validations = await self._validations(credentials)
        stores = await self._family(
            "memory_stores", lambda: _collect(client.iter_memory_stores(limit=100))
        )
        self.refreshes += 1
        if runs:
            await self._run_sessions(runs)
        return await self._writer.upsert_platform(
            deployments=deployments,
            runs=runs,
            vaults=vaults,
            credentials=credentials,
            validations=validations,
            memory_stores=stores,
        )
