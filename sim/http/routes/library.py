"""Routes for files and skills (SDK ``beta.files``, ``beta.skills``): list and retrieve, file
download and delete. Neither family needs a beta header: the SDK sends none for them."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from drover.sim.http.context import context
from drover.sim.http.httpio import call, json_response
from drover.sim.http.pagination import PageSpec, by_field, paginate
from drover.sim.http.query import Query
from drover.sim.wire.errors import invalid

FILES = PageSpec(key=by_field("created_at"), default_limit=20, max_limit=1000, default_order="desc")
SKILLS = PageSpec(key=by_field("created_at"), default_limit=20, max_limit=1000)
SKILL_VERSIONS = PageSpec(key=by_field("id"), default_limit=20, max_limit=1000)
MAX_IDS = 100


async def list_files(request: Request) -> Response:
    query = Query(request.scope["query_string"])
    ids = list(dict.fromkeys(query.get_list("ids")))
    if ids and ("page" in query or "limit" in query):
        raise invalid("ids: cannot be combined with page or limit")
    if len(ids) > MAX_IDS:
        raise invalid(f"ids: at most {MAX_IDS} entries")
    items = await call(
        context(request).domain.list_files,
        scope_id=query.get("scope_id") or None,
        ids=ids or None,
    )
    if ids:  # one page, every match
        return json_response({"data": items[::-1], "next_page": None})
    return json_response(paginate(items, query, FILES))


async def get_file(request: Request) -> Response:
    domain = context(request).domain
    return json_response(await call(domain.get_file, request.path_params["file_id"]))


async def download_file(request: Request) -> Response:
    domain = context(request).domain
    content, mime = await call(domain.file_content, request.path_params["file_id"])
    return Response(content, media_type=mime)


async def delete_file(request: Request) -> Response:
    domain = context(request).domain
    return json_response(await call(domain.delete_file, request.path_params["file_id"]))


async def list_skills(request: Request) -> Response:
    query = Query(request.scope["query_string"])
    source = query.get("source") or None
    items = await call(context(request).domain.list_skills, source)
    return json_response(paginate(items, query, SKILLS))


async def get_skill(request: Request) -> Response:
    domain = context(request).domain
    return json_response(await call(domain.get_skill, request.path_params["skill_id"]))


async def list_skill_versions(request: Request) -> Response:
    query = Query(request.scope["query_string"])
    domain = context(request).domain
    items = await call(domain.list_skill_versions, request.path_params["skill_id"])
    return json_response(paginate(items, query, SKILL_VERSIONS))


async def get_skill_version(request: Request) -> Response:
    params = request.path_params
    domain = context(request).domain
    return json_response(
        await call(domain.get_skill_version, params["skill_id"], params["version"])
    )


ROUTES = [
    Route("/v1/files", list_files, methods=["GET"]),
    Route("/v1/files/{file_id}", get_file, methods=["GET"]),
    Route("/v1/files/{file_id}", delete_file, methods=["DELETE"]),
    Route("/v1/files/{file_id}/content", download_file, methods=["GET"]),
    Route("/v1/skills", list_skills, methods=["GET"]),
    Route("/v1/skills/{skill_id}", get_skill, methods=["GET"]),
    Route("/v1/skills/{skill_id}/versions", list_skill_versions, methods=["GET"]),
    Route("/v1/skills/{skill_id}/versions/{version}", get_skill_version, methods=["GET"]),
]
