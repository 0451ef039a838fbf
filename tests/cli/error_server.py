"""A hostile Managed Agents endpoint for the CLI tests (imported as ``error_server``).

Real HTTP on loopback (the standard library's threading server): requests matching a rule get
an error envelope whose every field carries terminal escapes (window title, OSC 52 clipboard,
clear screen), bidi overrides, zero-width characters and the caller's own API key — plain,
URL-encoded and wrapped over two lines. Anything else gets the smallest valid answer (an empty
list, an idle session, an echo of sent events).
"""

from __future__ import annotations

import json
import re
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ESCAPES = "\x1b]0;pwned\x07\x1b]52;c;ZWNobyBwd25lZA==\x07\x1b[2J\x1b[31m"
INVISIBLE = "\u202erm -rf ~\u202c\u2066\u200b\u200d"
# What must never reach a terminal or a file raw.
FORBIDDEN = ("\x1b", "\x07", "\u202e", "\u202c", "\u2066", "\u200b", "\u200d")


def hostile_message(key: str) -> str:
    wrapped = f"{key[: len(key) // 2]}\n{key[len(key) // 2 :]}"
    encoded = urllib.parse.quote(key, safe="").replace("-", "%2D").replace("_", "%5F")
    return f"{ESCAPES}denied{INVISIBLE} for key {key} ({encoded}) [{wrapped}]"


@dataclass
class Rule:
    """Answer ``status`` with the hostile envelope to requests matching method and path."""

    status: int
    method: str = ".*"
    path: str = ".*"


@dataclass
class HostileState:
    rules: list[Rule] = field(default_factory=list)
    seen: list[tuple[str, str]] = field(default_factory=list)


class _Handler(BaseHTTPRequestHandler):
    state: HostileState

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def _answer(self) -> None:
        path = urllib.parse.urlsplit(self.path).path
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        self.state.seen.append((self.command, path))
        key = self.headers.get("x-api-key", "")
        for rule in self.state.rules:
            if re.fullmatch(rule.method, self.command) and re.fullmatch(rule.path, path):
                message = hostile_message(key)
                envelope = {
                    "type": "error",
                    "error": {
                        "type": f"{ESCAPES}invalid_request_error",
                        "message": message,
                        "details": {"error_code": f"{INVISIBLE}code"},
                    },
                    "request_id": f"req_{ESCAPES}{key}",
                }
                headers = {"retry-after": "0"} if rule.status == 429 else {}
                return self._json(rule.status, envelope, headers)
        return self._json(200, self._normal(path, body))

    def _normal(self, path: str, body: bytes) -> Any:
        match = re.fullmatch(r"/v1/sessions/([^/]+)", path)
        if match and self.command == "GET":
            return {"type": "session", "id": match[1], "status": "idle", "title": "t"}
        if re.fullmatch(r"/v1/sessions/[^/]+/events", path) and self.command == "POST":
            sent = json.loads(body or b"{}").get("events", [])
            return {"data": [{**e, "id": f"sevt_{n}", "processed_at": None} for n, e in
                             enumerate(sent)]}  # fmt: skip
        return {"data": [], "next_page": None}

    def _json(self, status: int, value: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        for name, text in (headers or {}).items():
            self.send_header(name, text)
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_DELETE = _answer


class ErrorServer:
    """The server in a daemon thread on 127.0.0.1:<free port>; ``stop()`` shuts it down."""

    def __init__(self) -> None:
        self.state = HostileState()
        handler = type("Handler", (_Handler,), {"state": self.state})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def fail(self, status: int, method: str = ".*", path: str = ".*") -> None:
        """Answer matching requests with the hostile envelope from now on."""
        self.state.rules.append(Rule(status, method, path))

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
