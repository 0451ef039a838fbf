"""Routes for the work queue of self-hosted environments (SDK ``beta.environments.work``).

``/work/poll`` and ``/work/stats`` are declared before ``/work/{work_id}`` so they are not read
as work ids. An empty poll answers ``null`` with status 200, as the SDK's types expect.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from drover.sim.http.context import context
from drover.sim.http.httpio import call, json_response, read_object
from drover.sim.http.pagination import PageSpec, by_field, paginate
from drover.sim.http.query import Query
from drover.sim.wire.errors import invalid

WORK = PageSpec(key=by_field("created_at"), default_limit=20, max_limit=100)


def _ids(request: Request) -> list[str]:
    params = request.path_params
    return [params[k] for k in ("environment_id", "work_id") if k in params]


async def list_work(request: Request) -> Response:
    query = Query(request.scope["query_string"])
    items = await call(context(request).domain.list_work, *_ids(request))
    return json_response(paginate(items, query, WORK))


async def poll_work(request: Request) -> Response:
    query = Query(request.scope["query_string"])
    block = query.get_int("block_ms")
    if block is not None and not 1 <= block <= 999:
        raise invalid("block_ms: must be between 1 and 999")
    work = await call(
        context(request).domain.poll_work,
        *_ids(request),
        reclaim_older_than_ms=query.get_int("reclaim_older_than_ms", minimum=0),
        worker_id=request.headers.get("anthropic-worker-id"),
    )
    return json_response(work)


async def work_stats(request: Request) -> Response:
    return json_response(await call(context(request).domain.work_stats, *_ids(request)))


async def get_work(request: Request) -> Response:
    return json_response(await call(context(request).domain.get_work, *_ids(request)))


async def update_work(request: Request) -> Response:
    body = await read_object(request)
    return json_response(await call(context(request).domain.update_work, *_ids(request), body))


async def ack_work(request: Request) -> Response:
    await read_object(request, optional=True)
    return json_response(await call(context(request).domain.ack_work, *_ids(request)))


async def heartbeat_work(request: Request) -> Response:
    query = Query(request.scope["query_string"])
    await read_object(request, optional=True)
    return json_response(
        await call(
            context(request).domain.heartbeat_work,
            *_ids(request),
            desired_ttl=query.get_int("desired_ttl_seconds"),
            expected=query.get("expected_last_heartbeat") or None,
        )
    )


async def stop_work(request: Request) -> Response:
    query = Query(request.scope["query_string"])
    body = await read_object(request, optional=True)
    force = bool(body.get("force")) or query.get_bool("force")
    domain = context(request).domain
    return json_response(await call(domain.stop_work, *_ids(request), force=force))


_W = "/v1/environments/{environment_id}/work"
ROUTES = [
    Route(_W, list_work, methods=["GET"]),
    Route(f"{_W}/poll", poll_work, methods=["GET"]),
    Route(f"{_W}/stats", work_stats, methods=["GET"]),
    Route(f"{_W}/{{work_id}}", get_work, methods=["GET"]),
    Route(f"{_W}/{{work_id}}", update_work, methods=["POST"]),
    Route(f"{_W}/{{work_id}}/ack", ack_work, methods=["POST"]),
    Route(f"{_W}/{{work_id}}/heartbeat", heartbeat_work, methods=["POST"]),
    Route(f"{_W}/{{work_id}}/stop", stop_work, methods=["POST"]),
]
