"""Routes under a session: events (list/send/stream) and threads (list/retrieve/archive/events/
stream); its resources are in :mod:`~drover.sim.http.routes.resources`.

There is deliberately no ``/threads/{tid}/events/stream`` route: the real API has none, so it
404s like any unknown path.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from drover.sim.engine.log import PREVIEWABLE
from drover.sim.http.context import context
from drover.sim.http.httpio import call, json_response, read_object
from drover.sim.http.pagination import PageSpec, by_field, paginate
from drover.sim.http.query import Query
from drover.sim.http.sse import EventStream
from drover.sim.wire.errors import invalid

THREAD_STATUSES = ("running", "idle", "rescheduling", "terminated")
MAX_DELTAS = 100
EVENTS = PageSpec(key=by_field("processed_at"), default_limit=1000, max_limit=1000, orderable=True)
THREAD_EVENTS = PageSpec(key=by_field("processed_at"), default_limit=1000, max_limit=1000)
THREADS = PageSpec(key=by_field("created_at"), default_limit=1000, max_limit=1000)


def _filter_time(event: dict, field: str) -> str | None:
    """The time a ``created_at[...]`` filter compares with (``SimConfig.event_time_filter``)."""
    if field == "created_at":
        return event.get("created_at") or event.get("processed_at")
    return event.get("processed_at")


async def list_events(request: Request) -> Response:
    query = Query(request.scope["query_string"])
    ctx = context(request)
    items = await call(ctx.domain.list_events, request.path_params["session_id"])
    types = set(query.get_list("types"))
    window = query.time_range("created_at")  # compared against processed_at (§4.4)
    field = getattr(ctx.config, "event_time_filter", "processed_at")
    if types or window:
        items = [
            event
            for event in items
            if (not types or event.get("type") in types)
            and window.contains(_filter_time(event, field))
        ]
    return json_response(paginate(items, query, EVENTS, window))


async def send_events(request: Request) -> Response:
    body = await read_object(request)
    session_id = request.path_params["session_id"]
    return json_response(await call(context(request).domain.send_events, session_id, body))


async def stream_session(request: Request) -> EventStream:
    return await _open_stream(request, None)


async def stream_thread(request: Request) -> EventStream:
    return await _open_stream(request, request.path_params["thread_id"])


async def _open_stream(request: Request, thread_id: str | None) -> EventStream:
    """Validate, subscribe, and hand back the SSE response; errors so far are plain JSON."""
    deltas = Query(request.scope["query_string"]).get_list("event_deltas")
    if len(deltas) > MAX_DELTAS:
        raise invalid(f"event_deltas[]: at most {MAX_DELTAS} values")
    unknown = sorted(set(deltas) - PREVIEWABLE)
    if unknown:
        raise invalid(
            f"event_deltas[]: unsupported value {unknown[0]!r} "
            f"(allowed: {', '.join(sorted(PREVIEWABLE))})"
        )
    ctx = context(request)
    sub = await call(
        ctx.domain.subscribe, request.path_params["session_id"], thread_id, frozenset(deltas)
    )
    return EventStream(
        sub,
        faults=ctx.faults,
        stats=ctx.streams,
        heartbeat_seconds=ctx.config.heartbeat_seconds,
    )


async def list_threads(request: Request) -> Response:
    query = Query(request.scope["query_string"])
    statuses = query.get_enum_list("statuses", THREAD_STATUSES)
    items = await call(
        context(request).domain.list_threads,
        request.path_params["session_id"],
        statuses=statuses or None,
    )
    return json_response(paginate(items, query, THREADS))


async def get_thread(request: Request) -> Response:
    params = request.path_params
    domain = context(request).domain
    return json_response(await call(domain.get_thread, params["session_id"], params["thread_id"]))


async def archive_thread(request: Request) -> Response:
    await read_object(request, optional=True)
    params = request.path_params
    domain = context(request).domain
    return json_response(
        await call(domain.archive_thread, params["session_id"], params["thread_id"])
    )


async def list_thread_events(request: Request) -> Response:
    query = Query(request.scope["query_string"])
    params = request.path_params
    domain = context(request).domain
    items = await call(domain.list_events, params["session_id"], params["thread_id"])
    return json_response(paginate(items, query, THREAD_EVENTS))


ROUTES = [
    Route("/v1/sessions/{session_id}/events", list_events, methods=["GET"]),
    Route("/v1/sessions/{session_id}/events", send_events, methods=["POST"]),
    Route("/v1/sessions/{session_id}/events/stream", stream_session, methods=["GET"]),
    Route("/v1/sessions/{session_id}/threads", list_threads, methods=["GET"]),
    Route("/v1/sessions/{session_id}/threads/{thread_id}", get_thread, methods=["GET"]),
    Route(
        "/v1/sessions/{session_id}/threads/{thread_id}/archive", archive_thread, methods=["POST"]
    ),
    Route(
        "/v1/sessions/{session_id}/threads/{thread_id}/events", list_thread_events, methods=["GET"]
    ),
    Route("/v1/sessions/{session_id}/threads/{thread_id}/stream", stream_thread, methods=["GET"]),
]
