"""Routes for a session's resources (SDK ``beta.sessions.resources``): list, add a file,
retrieve, rotate a repository token, remove."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from drover.sim.http.context import context
from drover.sim.http.httpio import call, json_response, read_object
from drover.sim.http.pagination import PageSpec, by_field, paginate
from drover.sim.http.query import Query

RESOURCES = PageSpec(key=by_field("created_at"), default_limit=None, max_limit=1000)


def _ids(request: Request) -> list[str]:
    params = request.path_params
    return [params[k] for k in ("session_id", "resource_id") if k in params]


async def list_resources(request: Request) -> Response:
    query = Query(request.scope["query_string"])
    items = await call(context(request).domain.list_resources, *_ids(request))
    return json_response(paginate(items, query, RESOURCES))


async def add_resource(request: Request) -> Response:
    body = await read_object(request)
    return json_response(await call(context(request).domain.add_resource, *_ids(request), body))


async def get_resource(request: Request) -> Response:
    return json_response(await call(context(request).domain.get_resource, *_ids(request)))


async def update_resource(request: Request) -> Response:
    body = await read_object(request)
    domain = context(request).domain
    return json_response(await call(domain.update_resource, *_ids(request), body))


async def delete_resource(request: Request) -> Response:
    return json_response(await call(context(request).domain.delete_resource, *_ids(request)))


_R = "/v1/sessions/{session_id}/resources"
ROUTES = [
    Route(_R, list_resources, methods=["GET"]),
    Route(_R, add_resource, methods=["POST"]),
    Route(f"{_R}/{{resource_id}}", get_resource, methods=["GET"]),
    Route(f"{_R}/{{resource_id}}", update_resource, methods=["POST"]),
    Route(f"{_R}/{{resource_id}}", delete_resource, methods=["DELETE"]),
]
