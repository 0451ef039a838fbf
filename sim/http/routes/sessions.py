"""Routes for sessions (protocol §4.3): create, list (bidirectional pages), retrieve, update,
archive, delete."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from drover.sim.http.context import context
from drover.sim.http.httpio import call, json_response, read_object
from drover.sim.http.pagination import PageSpec, by_field, paginate
from drover.sim.http.query import Query
from drover.sim.wire.errors import invalid

SESSION_STATUSES = ("rescheduling", "running", "idle", "terminated")
SESSIONS = PageSpec(
    key=by_field("created_at"),
    default_limit=20,
    max_limit=1000,
    default_order="desc",
    orderable=True,
    bidirectional=True,
)


async def create_session(request: Request) -> Response:
    body = await read_object(request)
    return json_response(await call(context(request).domain.create_session, body))


async def list_sessions(request: Request) -> Response:
    query = Query(request.scope["query_string"])
    agent_version = query.get_int("agent_version", minimum=1)
    agent_id = query.get("agent_id") or None
    if agent_version is not None and agent_id is None:
        raise invalid("agent_version requires agent_id")
    statuses = query.get_enum_list("statuses", SESSION_STATUSES)
    window = query.time_range("created_at")
    items = await call(
        context(request).domain.list_sessions,
        include_archived=query.get_bool("include_archived"),
        statuses=statuses or None,
        agent_id=agent_id,
        agent_version=agent_version,
        deployment_id=query.get("deployment_id") or None,
        memory_store_id=query.get("memory_store_id") or None,
    )
    if window:
        items = [item for item in items if window.contains(item.get("created_at"))]
    return json_response(paginate(items, query, SESSIONS, window))


async def get_session(request: Request) -> Response:
    session_id = request.path_params["session_id"]
    return json_response(await call(context(request).domain.get_session, session_id))


async def update_session(request: Request) -> Response:
    body = await read_object(request)
    session_id = request.path_params["session_id"]
    return json_response(await call(context(request).domain.update_session, session_id, body))


async def archive_session(request: Request) -> Response:
    await read_object(request, optional=True)
    session_id = request.path_params["session_id"]
    return json_response(await call(context(request).domain.archive_session, session_id))


async def delete_session(request: Request) -> Response:
    session_id = request.path_params["session_id"]
    return json_response(await call(context(request).domain.delete_session, session_id))


ROUTES = [
    Route("/v1/sessions", create_session, methods=["POST"]),
    Route("/v1/sessions", list_sessions, methods=["GET"]),
    Route("/v1/sessions/{session_id}", get_session, methods=["GET"]),
    Route("/v1/sessions/{session_id}", update_session, methods=["POST"]),
    Route("/v1/sessions/{session_id}", delete_session, methods=["DELETE"]),
    Route("/v1/sessions/{session_id}/archive", archive_session, methods=["POST"]),
]
