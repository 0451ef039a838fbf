"""Routes for memory stores, memories and memory versions (SDK ``beta.memory_stores``). They
take their own beta, ``agent-memory-2026-07-22`` (or ``managed-agents-2026-04-01``); the gate
checks that. ``view=full`` pages hold at most 20 items."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from drover.sim.http.context import context
from drover.sim.http.httpio import call, json_response, read_object
from drover.sim.http.pagination import PageSpec, by_field, paginate
from drover.sim.http.query import Query

STORES = PageSpec(key=by_field("created_at"), default_limit=20, max_limit=100)
MEMORIES = PageSpec(key=by_field("path"), default_limit=20, max_limit=100)
MEMORIES_FULL = PageSpec(key=by_field("path"), default_limit=20, max_limit=20)
VERSIONS = PageSpec(
    key=by_field("created_at"), default_limit=20, max_limit=100, default_order="desc"
)
VERSIONS_FULL = PageSpec(
    key=by_field("created_at"), default_limit=20, max_limit=20, default_order="desc"
)
OPERATIONS = ("created", "modified", "deleted")


def _full(query: Query, default: str) -> bool:
    return query.get_enum("view", ("basic", "full"), default) == "full"


def _p(request: Request, *names: str) -> list[str]:
    return [request.path_params[n] for n in names]


async def create_store(request: Request) -> Response:
    body = await read_object(request)
    return json_response(await call(context(request).domain.create_memory_store, body))


async def list_stores(request: Request) -> Response:
    query = Query(request.scope["query_string"])
    items = await call(
        context(request).domain.list_memory_stores,
        include_archived=query.get_bool("include_archived"),
    )
    window = query.time_range("created_at")
    if window:
        items = [item for item in items if window.contains(item["created_at"])]
    return json_response(paginate(items, query, STORES, window))


async def get_store(request: Request) -> Response:
    domain = context(request).domain
    return json_response(await call(domain.get_memory_store, *_p(request, "memory_store_id")))


async def update_store(request: Request) -> Response:
    body = await read_object(request)
    domain = context(request).domain
    ids = _p(request, "memory_store_id")
    return json_response(await call(domain.update_memory_store, *ids, body))


async def archive_store(request: Request) -> Response:
    await read_object(request, optional=True)
    domain = context(request).domain
    return json_response(await call(domain.archive_memory_store, *_p(request, "memory_store_id")))


async def delete_store(request: Request) -> Response:
    domain = context(request).domain
    return json_response(await call(domain.delete_memory_store, *_p(request, "memory_store_id")))


async def create_memory(request: Request) -> Response:
    query = Query(request.scope["query_string"])
    body = await read_object(request)
    domain = context(request).domain
    ids = _p(request, "memory_store_id")
    return json_response(await call(domain.create_memory, *ids, body, full=_full(query, "basic")))


async def list_memories(request: Request) -> Response:
    query = Query(request.scope["query_string"])
    full = _full(query, "basic")
    depth = query.get_int("depth", minimum=0) or 0
    items = await call(
        context(request).domain.list_memories,
        *_p(request, "memory_store_id"),
        prefix=query.get("path_prefix"),
        depth=depth,
        full=full,
    )
    return json_response(paginate(items, query, MEMORIES_FULL if full else MEMORIES))


async def get_memory(request: Request) -> Response:
    query = Query(request.scope["query_string"])
    domain = context(request).domain
    ids = _p(request, "memory_store_id", "memory_id")
    return json_response(await call(domain.get_memory, *ids, full=_full(query, "full")))


async def update_memory(request: Request) -> Response:
    query = Query(request.scope["query_string"])
    body = await read_object(request)
    domain = context(request).domain
    ids = _p(request, "memory_store_id", "memory_id")
    return json_response(await call(domain.update_memory, *ids, body, full=_full(query, "basic")))


async def delete_memory(request: Request) -> Response:
    query = Query(request.scope["query_string"])
    domain = context(request).domain
    ids = _p(request, "memory_store_id", "memory_id")
    expected = query.get("expected_content_sha256") or None
    return json_response(await call(domain.delete_memory, *ids, expected))


async def list_versions(request: Request) -> Response:
    query = Query(request.scope["query_string"])
    full = _full(query, "basic")
    operation = query.get_enum("operation", OPERATIONS)
    filters = {k: query.get(k) or None for k in ("memory_id", "session_id", "api_key_id")}
    filters["service_account_id"] = query.get("service_account_id") or None
    items = await call(
        context(request).domain.list_memory_versions,
        *_p(request, "memory_store_id"),
        full=full,
        operation=operation,
        **filters,
    )
    window = query.time_range("created_at")
    if window:
        items = [item for item in items if window.contains(item["created_at"])]
    return json_response(paginate(items, query, VERSIONS_FULL if full else VERSIONS, window))


async def get_version(request: Request) -> Response:
    query = Query(request.scope["query_string"])
    domain = context(request).domain
    ids = _p(request, "memory_store_id", "memory_version_id")
    return json_response(await call(domain.get_memory_version, *ids, full=_full(query, "full")))


async def redact_version(request: Request) -> Response:
    await read_object(request, optional=True)
    domain = context(request).domain
    ids = _p(request, "memory_store_id", "memory_version_id")
    return json_response(await call(domain.redact_memory_version, *ids))


_S = "/v1/memory_stores/{memory_store_id}"
ROUTES = [
    Route("/v1/memory_stores", create_store, methods=["POST"]),
    Route("/v1/memory_stores", list_stores, methods=["GET"]),
    Route(_S, get_store, methods=["GET"]),
    Route(_S, update_store, methods=["POST"]),
    Route(_S, delete_store, methods=["DELETE"]),
    Route(f"{_S}/archive", archive_store, methods=["POST"]),
    Route(f"{_S}/memories", create_memory, methods=["POST"]),
    Route(f"{_S}/memories", list_memories, methods=["GET"]),
    Route(f"{_S}/memories/{{memory_id}}", get_memory, methods=["GET"]),
    Route(f"{_S}/memories/{{memory_id}}", update_memory, methods=["POST"]),
    Route(f"{_S}/memories/{{memory_id}}", delete_memory, methods=["DELETE"]),
    Route(f"{_S}/memory_versions", list_versions, methods=["GET"]),
    Route(f"{_S}/memory_versions/{{memory_version_id}}", get_version, methods=["GET"]),
    Route(f"{_S}/memory_versions/{{memory_version_id}}/redact", redact_version, methods=["POST"]),
]
