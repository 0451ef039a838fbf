"""Routes for agents (incl. versions and archive) and environments (protocol §4.1–4.2)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from drover.sim.http.context import context
from drover.sim.http.httpio import call, json_response, read_object
from drover.sim.http.pagination import PageSpec, by_field, paginate
from drover.sim.http.query import Query

AGENTS = PageSpec(key=by_field("created_at"), default_limit=20, max_limit=100)
VERSIONS = PageSpec(
    key=lambda item: item.get("version", 0),
    default_limit=20,
    max_limit=100,
    ident=lambda item: str(item.get("version")),
)
ENVIRONMENTS = PageSpec(key=by_field("created_at"), default_limit=20, max_limit=100)


def _filtered_page(items: list[dict], query: Query, spec: PageSpec) -> Response:
    window = query.time_range("created_at")
    if window:
        items = [item for item in items if window.contains(item.get("created_at"))]
    return json_response(paginate(items, query, spec, window))


async def create_agent(request: Request) -> Response:
    body = await read_object(request)
    return json_response(await call(context(request).domain.create_agent, body))


async def list_agents(request: Request) -> Response:
    query = Query(request.scope["query_string"])
    items = await call(
        context(request).domain.list_agents, include_archived=query.get_bool("include_archived")
    )
    return _filtered_page(items, query, AGENTS)


async def get_agent(request: Request) -> Response:
    version = Query(request.scope["query_string"]).get_int("version", minimum=1)
    agent_id = request.path_params["agent_id"]
    return json_response(await call(context(request).domain.get_agent, agent_id, version))


async def update_agent(request: Request) -> Response:
    body = await read_object(request)
    agent_id = request.path_params["agent_id"]
    return json_response(await call(context(request).domain.update_agent, agent_id, body))


async def archive_agent(request: Request) -> Response:
    await read_object(request, optional=True)
    agent_id = request.path_params["agent_id"]
    return json_response(await call(context(request).domain.archive_agent, agent_id))


async def list_agent_versions(request: Request) -> Response:
    query = Query(request.scope["query_string"])
    agent_id = request.path_params["agent_id"]
    items = await call(context(request).domain.list_agent_versions, agent_id)
    return json_response(paginate(items, query, VERSIONS))


async def create_environment(request: Request) -> Response:
    body = await read_object(request)
    return json_response(await call(context(request).domain.create_environment, body))


async def list_environments(request: Request) -> Response:
    query = Query(request.scope["query_string"])
    items = await call(
        context(request).domain.list_environments,
        include_archived=query.get_bool("include_archived"),
    )
    return _filtered_page(items, query, ENVIRONMENTS)


async def get_environment(request: Request) -> Response:
    env_id = request.path_params["environment_id"]
    return json_response(await call(context(request).domain.get_environment, env_id))


async def update_environment(request: Request) -> Response:
    body = await read_object(request)
    env_id = request.path_params["environment_id"]
    return json_response(await call(context(request).domain.update_environment, env_id, body))


async def archive_environment(request: Request) -> Response:
    await read_object(request, optional=True)
    env_id = request.path_params["environment_id"]
    return json_response(await call(context(request).domain.archive_environment, env_id))


async def delete_environment(request: Request) -> Response:
    env_id = request.path_params["environment_id"]
    return json_response(await call(context(request).domain.delete_environment, env_id))


ROUTES = [
    Route("/v1/agents", create_agent, methods=["POST"]),
    Route("/v1/agents", list_agents, methods=["GET"]),
    Route("/v1/agents/{agent_id}", get_agent, methods=["GET"]),
    Route("/v1/agents/{agent_id}", update_agent, methods=["POST"]),
    Route("/v1/agents/{agent_id}/archive", archive_agent, methods=["POST"]),
    Route("/v1/agents/{agent_id}/versions", list_agent_versions, methods=["GET"]),
    Route("/v1/environments", create_environment, methods=["POST"]),
    Route("/v1/environments", list_environments, methods=["GET"]),
    Route("/v1/environments/{environment_id}", get_environment, methods=["GET"]),
    Route("/v1/environments/{environment_id}", update_environment, methods=["POST"]),
    Route("/v1/environments/{environment_id}", delete_environment, methods=["DELETE"]),
    Route("/v1/environments/{environment_id}/archive", archive_environment, methods=["POST"]),
]
