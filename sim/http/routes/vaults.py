"""Routes for vaults and their credentials (SDK ``beta.vaults``), including the live validation
of MCP OAuth credentials (``…/credentials/{id}/mcp_oauth_validate``)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from drover.sim.http.context import context
from drover.sim.http.httpio import call, json_response, read_object
from drover.sim.http.pagination import PageSpec, by_field, paginate
from drover.sim.http.query import Query

VAULTS = PageSpec(key=by_field("created_at"), default_limit=20, max_limit=100)
CREDENTIALS = PageSpec(key=by_field("created_at"), default_limit=20, max_limit=100)


def _ids(request: Request) -> list[str]:
    params = request.path_params
    return [params[k] for k in ("vault_id", "credential_id") if k in params]


async def create_vault(request: Request) -> Response:
    body = await read_object(request)
    return json_response(await call(context(request).domain.create_vault, body))


async def list_vaults(request: Request) -> Response:
    query = Query(request.scope["query_string"])
    items = await call(
        context(request).domain.list_vaults, include_archived=query.get_bool("include_archived")
    )
    return json_response(paginate(items, query, VAULTS))


async def get_vault(request: Request) -> Response:
    return json_response(await call(context(request).domain.get_vault, *_ids(request)))


async def update_vault(request: Request) -> Response:
    body = await read_object(request)
    return json_response(await call(context(request).domain.update_vault, *_ids(request), body))


async def archive_vault(request: Request) -> Response:
    await read_object(request, optional=True)
    return json_response(await call(context(request).domain.archive_vault, *_ids(request)))


async def delete_vault(request: Request) -> Response:
    return json_response(await call(context(request).domain.delete_vault, *_ids(request)))


async def create_credential(request: Request) -> Response:
    body = await read_object(request)
    domain = context(request).domain
    return json_response(await call(domain.create_credential, *_ids(request), body))


async def list_credentials(request: Request) -> Response:
    query = Query(request.scope["query_string"])
    items = await call(
        context(request).domain.list_credentials,
        *_ids(request),
        include_archived=query.get_bool("include_archived"),
    )
    return json_response(paginate(items, query, CREDENTIALS))


async def get_credential(request: Request) -> Response:
    return json_response(await call(context(request).domain.get_credential, *_ids(request)))


async def update_credential(request: Request) -> Response:
    body = await read_object(request)
    domain = context(request).domain
    return json_response(await call(domain.update_credential, *_ids(request), body))


async def archive_credential(request: Request) -> Response:
    await read_object(request, optional=True)
    return json_response(await call(context(request).domain.archive_credential, *_ids(request)))


async def delete_credential(request: Request) -> Response:
    return json_response(await call(context(request).domain.delete_credential, *_ids(request)))


async def validate_credential(request: Request) -> Response:
    await read_object(request, optional=True)
    domain = context(request).domain
    return json_response(await call(domain.validate_credential, *_ids(request)))


_CRED = "/v1/vaults/{vault_id}/credentials/{credential_id}"
ROUTES = [
    Route("/v1/vaults", create_vault, methods=["POST"]),
    Route("/v1/vaults", list_vaults, methods=["GET"]),
    Route("/v1/vaults/{vault_id}", get_vault, methods=["GET"]),
    Route("/v1/vaults/{vault_id}", update_vault, methods=["POST"]),
    Route("/v1/vaults/{vault_id}", delete_vault, methods=["DELETE"]),
    Route("/v1/vaults/{vault_id}/archive", archive_vault, methods=["POST"]),
    Route("/v1/vaults/{vault_id}/credentials", create_credential, methods=["POST"]),
    Route("/v1/vaults/{vault_id}/credentials", list_credentials, methods=["GET"]),
    Route(_CRED, get_credential, methods=["GET"]),
    Route(_CRED, update_credential, methods=["POST"]),
    Route(_CRED, delete_credential, methods=["DELETE"]),
    Route(f"{_CRED}/archive", archive_credential, methods=["POST"]),
    Route(f"{_CRED}/mcp_oauth_validate", validate_credential, methods=["POST"]),
]
