"""Routes for deployments and deployment runs (SDK ``beta.deployments``,
``beta.deployment_runs``): scheduled and on-demand sessions. Runs list newest first."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from drover.sim.http.context import context
from drover.sim.http.httpio import call, json_response, read_object
from drover.sim.http.pagination import PageSpec, by_field, paginate
from drover.sim.http.query import Query

DEPLOYMENTS = PageSpec(key=by_field("created_at"), default_limit=20, max_limit=100)
RUNS = PageSpec(key=by_field("created_at"), default_limit=20, max_limit=100, default_order="desc")


def _id(request: Request) -> str:
    return request.path_params["deployment_id"]


async def create_deployment(request: Request) -> Response:
    body = await read_object(request)
    return json_response(await call(context(request).domain.create_deployment, body))


async def list_deployments(request: Request) -> Response:
    query = Query(request.scope["query_string"])
    items = await call(
        context(request).domain.list_deployments,
        include_archived=query.get_bool("include_archived"),
        agent_id=query.get("agent_id") or None,
        status=query.get_enum("status", ("active", "paused")),
    )
    window = query.time_range("created_at")
    if window:
        items = [item for item in items if window.contains(item["created_at"])]
    return json_response(paginate(items, query, DEPLOYMENTS, window))


async def get_deployment(request: Request) -> Response:
    return json_response(await call(context(request).domain.get_deployment, _id(request)))


async def update_deployment(request: Request) -> Response:
    body = await read_object(request)
    domain = context(request).domain
    return json_response(await call(domain.update_deployment, _id(request), body))


async def _action(request: Request, name: str) -> Response:
    await read_object(request, optional=True)
    method = getattr(context(request).domain, name)
    return json_response(await call(method, _id(request)))


async def archive_deployment(request: Request) -> Response:
    return await _action(request, "archive_deployment")


async def pause_deployment(request: Request) -> Response:
    return await _action(request, "pause_deployment")


async def unpause_deployment(request: Request) -> Response:
    return await _action(request, "unpause_deployment")


async def run_deployment(request: Request) -> Response:
    return await _action(request, "run_deployment")


async def list_runs(request: Request) -> Response:
    query = Query(request.scope["query_string"])
    has_error = query.get_bool("has_error") if query.get("has_error") else None
    items = await call(
        context(request).domain.list_deployment_runs,
        deployment_id=query.get("deployment_id") or None,
        has_error=has_error,
        trigger_type=query.get_enum("trigger_type", ("schedule", "manual")),
    )
    window = query.time_range("created_at")
    if window:
        items = [item for item in items if window.contains(item["created_at"])]
    return json_response(paginate(items, query, RUNS, window))


async def get_run(request: Request) -> Response:
    domain = context(request).domain
    return json_response(
        await call(domain.get_deployment_run, request.path_params["deployment_run_id"])
    )


_D = "/v1/deployments/{deployment_id}"
ROUTES = [
    Route("/v1/deployments", create_deployment, methods=["POST"]),
    Route("/v1/deployments", list_deployments, methods=["GET"]),
    Route(_D, get_deployment, methods=["GET"]),
    Route(_D, update_deployment, methods=["POST"]),
    Route(f"{_D}/archive", archive_deployment, methods=["POST"]),
    Route(f"{_D}/pause", pause_deployment, methods=["POST"]),
    Route(f"{_D}/unpause", unpause_deployment, methods=["POST"]),
    Route(f"{_D}/run", run_deployment, methods=["POST"]),
    Route("/v1/deployment_runs", list_runs, methods=["GET"]),
    Route("/v1/deployment_runs/{deployment_run_id}", get_run, methods=["GET"]),
]
