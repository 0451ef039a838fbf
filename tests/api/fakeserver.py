"""A small, scriptable Managed Agents stand-in for the api client tests.

Test-only: real HTTP over loopback (uvicorn on 127.0.0.1, port 0, in a background thread),
so the client's httpx pools, SSE decoding and timeouts are exercised for real. It is not the
project's sim: just enough wire behaviour plus fault injection, scripted per test.

State is shared between the server thread and the test's event loop; every mutation is a
single list/dict operation under a lock, which is all the tests need.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from loopback import LoopbackServer
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

API_KEY = "sk-ant-test-SECRET-0123456789"
BETA = "managed-agents-2026-04-01"


@dataclass
class Fault:
    """One scripted misbehaviour for requests matching ``method`` and ``path`` (regex).

    ``action``: ``status`` (answer ``status``/``body``/``headers``), ``raw`` (answer ``body``
    bytes as-is), ``drop`` (cut the connection before handling), ``drop_after`` (handle the
    request, e.g. store a sent event, then cut the connection instead of answering),
    ``delay`` (sleep ``seconds`` then handle normally).
    """

    method: str
    path: str
    action: str
    status: int = 500
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    times: int = 1


@dataclass
class Recorded:
    """A request as the server saw it."""

    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    at: float
    raw_path: str = ""


class _Dropped(Exception):
    """Raised inside the app to make uvicorn abort the connection."""


class FakeState:
    """Everything a test can script or inspect."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.faults: list[Fault] = []
            self.requests: list[Recorded] = []
            self.events: dict[str, list[dict[str, Any]]] = {}
            self.sessions: list[dict[str, Any]] = []
            self.stream_script: list[Any] = []
            self.stream_scripts: dict[str, list[Any]] = {}
            self.answered: set[str] = set()
            self.status: dict[str, str] = {}  # session id -> status (default idle)
            self.ids = itertools.count(1)

    def add_fault(self, **kw: Any) -> Fault:
        fault = Fault(**kw)
        with self.lock:
            self.faults.append(fault)
        return fault

    def take_fault(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.times > 0 and fault.method == method and re.fullmatch(fault.path, path):
                    fault.times -= 1
                    return fault
        return None

    def new_id(self, prefix: str) -> str:
        return f"{prefix}_{next(self.ids):06d}"

    def calls(self, method: str, path_regex: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and re.fullmatch(path_regex, r.path)]


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def envelope(status: int, etype: str, message: str, code: str | None = None) -> JSONResponse:
    err: dict[str, Any] = {"type": etype, "message": message}
    if code:
        err["details"] = {"error_code": code}
    rid = "req_fake_" + str(int(time.time() * 1000))
    return JSONResponse(
        {"type": "error", "error": err, "request_id": rid},
        status_code=status,
        headers={"request-id": rid},
    )


class FakeApp:
    """The ASGI app."""

    def __init__(self, state: FakeState) -> None:
        self.state = state

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        st = self.state
        st.requests.append(
            Recorded(
                request.method,
                request.url.path,
                list(request.query_params.multi_items()),
                dict(request.headers),
                time.monotonic(),
                scope.get("raw_path", b"").decode(),
            )
        )
        response = await self.dispatch(request, send)
        if response is not None:
            response.headers.setdefault("request-id", "req_fake_ok")
            await response(scope, receive, send)

    async def dispatch(self, request: Request, send) -> Response | None:
        st = self.state
        if request.headers.get("x-api-key") != API_KEY:
            return envelope(401, "authentication_error", "invalid x-api-key")
        if BETA not in request.headers.get("anthropic-beta", ""):
            return envelope(404, "not_found_error", "beta header missing")
        await request.body()  # received in full before any scripted delay (and cached)
        fault = st.take_fault(request.method, request.url.path)
        if fault is not None:
            if fault.action == "status":
                body = fault.body
                if isinstance(body, (bytes, str)):
                    return Response(
                        body, fault.status, headers=fault.headers, media_type="text/html"
                    )
                return JSONResponse(body, fault.status, headers=fault.headers)
            if fault.action == "drop":
                await self.drop(send)
            if fault.action == "delay":
                await asyncio.sleep(fault.seconds)
        response = await self.handle(request)
        if fault is not None and fault.action == "drop_after":
            await self.drop(send)
        return response

    @staticmethod
    async def drop(send) -> None:
        # A declared body that never comes: uvicorn aborts the connection when we raise.
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-length", b"1000"), (b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": b"{", "more_body": True})
        raise _Dropped

    async def handle(self, request: Request) -> Response:
        st = self.state
        path = request.url.path
        m = re.fullmatch(r"/v1/sessions/([^/]+)/events", path)
        if m and request.method == "POST":
            return self.send_events(m[1], await request.json())
        if m and request.method == "GET":
            return self.list_events(m[1], request)
        if re.fullmatch(r"/v1/sessions/([^/]+)/(events|threads/[^/]+)/stream", path):
            return self.stream(path)
        m = re.fullmatch(r"/v1/sessions/([^/]+)", path)
        if m and request.method == "GET":
            status = st.status.get(m[1], "idle")
            return JSONResponse({"type": "session", "id": m[1], "status": status})
        if path == "/v1/sessions" and request.method == "GET":
            return self.paged(st.sessions, request)
        if request.method == "GET" and re.fullmatch(
            r"/v1/(agents|environments|sessions/[^/]+/(threads|resources)"
            r"|agents/[^/]+/versions|sessions/[^/]+/threads/[^/]+/events)",
            path,
        ):
            return JSONResponse({"data": [], "next_page": None})
        body = (await request.body()).decode() or None
        return JSONResponse(
            {
                "id": path.rsplit("/", 1)[-1],
                "method": request.method,
                "path": path,
                "body": json.loads(body) if body else None,
                "future_field": {"kept": True},
            }
        )

    def send_events(self, sid: str, body: dict[str, Any]) -> Response:
        st = self.state
        echoes = []
        for event in body.get("events", []):
            answered = event.get("tool_use_id") or event.get("custom_tool_use_id")
            if answered:
                if answered in st.answered:
                    return envelope(400, "invalid_request_error", "already answered")
                st.answered.add(answered)
            echo = {**event, "id": st.new_id("sevt"), "processed_at": now_iso()}
            echoes.append(echo)
        with st.lock:
            st.events.setdefault(sid, []).extend(echoes)
        return JSONResponse({"data": echoes})

    def list_events(self, sid: str, request: Request) -> Response:
        items = list(self.state.events.get(sid, []))
        types = request.query_params.getlist("types[]")
        if types:
            items = [e for e in items if e.get("type") in types]
        if request.query_params.get("order") == "desc":
            items.reverse()
        return self.paged(items, request)

    @staticmethod
    def paged(items: list[dict[str, Any]], request: Request) -> Response:
        limit = int(request.query_params.get("limit") or 1000)
        page = request.query_params.get("page")
        start = int(page.removeprefix("page_")) if page else 0
        chunk = items[start : start + limit]
        more = start + limit < len(items)
        body: dict[str, Any] = {
            "data": chunk,
            "next_page": f"page_{start + limit}" if more else None,
        }
        if request.url.path == "/v1/sessions":
            body["prev_page"] = f"page_{max(0, start - limit)}" if start else None
        return JSONResponse(body)

    def stream(self, path: str) -> Response:
        st = self.state
        script = st.stream_scripts.get(path, st.stream_script)

        async def chunks():
            for item in script:
                if isinstance(item, (int, float)):
                    await asyncio.sleep(item)
                elif item == "hang":
                    await asyncio.sleep(3600)
                elif item == "drop":
                    raise _Dropped
                else:
                    yield item.encode() if isinstance(item, str) else item

        return StreamingResponse(
            chunks(), media_type="text/event-stream", headers={"cache-control": "no-cache"}
        )


class FakeServer:
    """The fake API on loopback (see `loopback.LoopbackServer`)."""

    def __init__(self) -> None:
        self.state = FakeState()
        self._loopback = LoopbackServer(FakeApp(self.state), "fake server")
        self.url = ""

    def start(self) -> FakeServer:
        self.url = self._loopback.start()
        return self

    def stop(self) -> None:
        self._loopback.stop()


def sse(event: str, data: Any) -> str:
    """One SSE frame; ``data`` is JSON-encoded unless it is already a string."""
    payload = data if isinstance(data, str) else json.dumps(data)
    return f"event: {event}\ndata: {payload}\n\n"
