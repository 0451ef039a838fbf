"""A hostile front for the sim: a small HTTP proxy that serves malformed payloads on demand.

Test-only (imported as ``hostile_server``). Everything is forwarded to a real sim, so drover
talks to a complete Managed Agents API; a :class:`HostilePlan` then spoils chosen answers the
way a buggy or hostile server would:

* ``inject``: raw JSON items (bytes, so they can be anything: ``42``, an object without
  ``type``, 1,000 levels of brackets) spliced into a session's history listings — at the end
  of the last ``asc`` page, at the head of the first ``desc`` page; never into ``types[]``
  listings (those are the outbox's, which must keep working);
* ``cursor``: ``"same"`` answers every events/sessions listing with the same ``next_page``
  forever, ``"new"`` with a new one every time (both over the same items);
* ``oversize``: characters streamed without a newline on a session's next stream open;
* ``post_delay``: seconds a ``POST …/events`` waits before it is forwarded (a slow send).

Every request is recorded (method, path, time) for the rate-budget tests.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from loopback import LoopbackServer
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

_EVENTS = re.compile(r"/v1/sessions/([^/]+)/events")
_STREAM = re.compile(r"/v1/sessions/([^/]+)/events/stream")
_FAKE_PAGE = "page_hostile_"


def deep_item(depth: int = 1000, *, eid: str = "sevt_hostile_deep") -> bytes:
    """A tool use whose input nests `depth` arrays (~2 bytes per level)."""
    return (
        b'{"id":"' + eid.encode() + b'","type":"agent.tool_use","name":"bash",'
        b'"processed_at":"2020-01-01T00:00:00Z","input":' + b"[" * depth + b"]" * depth + b"}"
    )


NO_TYPE = b'{"id":"sevt_hostile_notype","processed_at":"2020-01-01T00:00:00Z","content":[]}'
NOT_OBJECT = b"42"


@dataclass
class HostilePlan:
    """What to spoil (see the module docstring). Mutated by tests while the server runs."""

    inject: dict[str, list[bytes]] = field(default_factory=dict)
    cursor: str | None = None  # "same" | "new"
    cursor_paths: str = r"/v1/sessions(/[^/]+/events)?"
    oversize: dict[str, int] = field(default_factory=dict)
    post_delay: float = 0.0


@dataclass
class Seen:
    method: str
    path: str
    at: float
    query: str = ""


class HostileApp:
    """The ASGI app: forward, then spoil."""

    def __init__(self, upstream: str, plan: HostilePlan) -> None:
        self.upstream = upstream
        self.plan = plan
        self.requests: list[Seen] = []
        self._client: httpx.AsyncClient | None = None
        self._pages = 0

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                base_url=self.upstream,
                timeout=httpx.Timeout(30.0, read=None),
                limits=httpx.Limits(max_connections=1000),
            )
        return self._client

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        path = request.url.path
        self.requests.append(Seen(request.method, path, time.time(), request.url.query))
        response = await self.handle(request, path)
        await response(scope, receive, send)

    async def handle(self, request: Request, path: str) -> Response:
        plan = self.plan
        stream = _STREAM.fullmatch(path)
        if stream and request.method == "GET":
            size = plan.oversize.pop(stream[1], 0)
            if size:
                return StreamingResponse(_junk(size), media_type="text/event-stream")
            return await self.forward_stream(request)
        if request.method == "POST" and _EVENTS.fullmatch(path) and plan.post_delay:
            await asyncio.sleep(plan.post_delay)
        params = list(request.query_params.multi_items())
        page = request.query_params.get("page") or ""
        if page.startswith(_FAKE_PAGE):
            params = [(k, v) for k, v in params if k != "page"]  # the same first page again
        upstream = await self.client.request(
            request.method,
            path,
            params=params,
            content=await request.body(),
            headers=_headers(request),
        )
        body = upstream.content
        if request.method == "GET" and upstream.status_code == 200:
            body = self.spoil_listing(path, request, body)
        return Response(
            body,
            upstream.status_code,
            headers={"content-type": upstream.headers.get("content-type", "application/json")},
        )

    def spoil_listing(self, path: str, request: Request, body: bytes) -> bytes:
        plan = self.plan
        events = _EVENTS.fullmatch(path)
        items = plan.inject.get(events[1], []) if events else []
        fake_cursor = plan.cursor is not None and re.fullmatch(plan.cursor_paths, path)
        if not items and not fake_cursor:
            return body
        page = json.loads(body)
        data = [json.dumps(item).encode() for item in page.get("data", [])]
        query = request.query_params
        if items and not query.getlist("types[]"):
            if query.get("order") == "desc" and not query.get("page"):
                data = [*items, *data]
            elif query.get("order") != "desc" and not page.get("next_page"):
                data = [*data, *items]
        next_page = page.get("next_page")
        if fake_cursor:
            self._pages += 1
            next_page = _FAKE_PAGE + ("same" if plan.cursor == "same" else str(self._pages))
        rest = {k: v for k, v in page.items() if k not in ("data", "next_page")}
        tail = b"".join(b"," + json.dumps(k).encode() + b":" + json.dumps(v).encode()
                        for k, v in rest.items())  # fmt: skip
        return (
            b'{"data":[' + b",".join(data) + b'],"next_page":' + json.dumps(next_page).encode()
            + tail + b"}"
        )  # fmt: skip

    async def forward_stream(self, request: Request) -> Response:
        upstream_request = self.client.build_request(
            "GET", request.url.path, params=request.query_params, headers=_headers(request)
        )
        upstream = await self.client.send(upstream_request, stream=True)
        if upstream.status_code != 200:
            body = await upstream.aread()
            await upstream.aclose()
            return Response(body, upstream.status_code, media_type="application/json")

        async def relay() -> Any:
            try:
                async for chunk in upstream.aiter_raw():
                    yield chunk
            finally:
                await upstream.aclose()

        return StreamingResponse(relay(), media_type="text/event-stream")


def _headers(request: Request) -> dict[str, str]:
    keep = ("x-api-key", "anthropic-version", "anthropic-beta", "content-type", "accept")
    return {k: v for k, v in request.headers.items() if k in keep}


async def _junk(size: int) -> Any:
    """An SSE frame whose one line never ends: `size` characters, then the stream stays open."""
    yield b"event: agent.message\ndata: "
    chunk = b"x" * (1 << 20)
    sent = 0
    while sent < size:
        yield chunk
        sent += len(chunk)
    await asyncio.sleep(3600)


class HostileServer:
    """The proxy on 127.0.0.1:<free port>, in a daemon thread.

    Args:
        upstream: the sim's base URL.
    """

    def __init__(self, upstream: str) -> None:
        self.plan = HostilePlan()
        self.app = HostileApp(upstream, self.plan)
        self._loopback = LoopbackServer(self.app, "hostile server")
        self.base_url = ""

    @property
    def requests(self) -> list[Seen]:
        return self.app.requests

    def start(self) -> HostileServer:
        self.base_url = self._loopback.start()
        return self

    def stop(self) -> None:
        self._loopback.stop()

    def reads(self, path: str = r".*") -> list[Seen]:
        """GET requests (reads, stream opens included) whose path matches."""
        return [r for r in self.requests if r.method == "GET" and re.fullmatch(path, r.path)]
