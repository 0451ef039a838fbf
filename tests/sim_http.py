"""Helpers for tests that talk to the sim over HTTP: raw calls and raw SSE reading (httpx)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx


def api(sim: Any, method: str, path: str, **kw: Any) -> Any:
    """One raw call to the sim's /v1 API (test setup and server-side checks)."""
    response = httpx.request(method, f"{sim.base_url}{path}", headers=sim.headers, timeout=10, **kw)
    response.raise_for_status()
    return response.json()


def api_past_idle(sim: Any, method: str, path: str, timeout: float = 5.0) -> Any:
    """An archive or delete sent right after the session idled, repeated through the sim's
    post-idle race (the 400 for a running session, on by default) as any client must."""
    deadline = time.monotonic() + timeout
    while True:
        response = httpx.request(method, f"{sim.base_url}{path}", headers=sim.headers, timeout=10)
        racing = response.status_code == 400 and "running" in response.text
        if not racing or time.monotonic() > deadline:
            response.raise_for_status()
            return response.json()
        time.sleep(0.1)


def server_events(sim: Any, sid: str, etype: str) -> list[dict[str, Any]]:
    """A session's events of one type, as the server has them."""
    params = [("types[]", etype), ("limit", "1000")]
    return api(sim, "GET", f"/v1/sessions/{sid}/events", params=params)["data"]


class RawStream:
    """Reads an open httpx streaming response as raw bytes, remembering everything seen."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.raw = b""
        self._chunks: Iterator[bytes] = response.iter_raw()

    def read_until(self, done: Callable[[bytes], bool], timeout: float = 5.0) -> bytes:
        """Read chunks until ``done(all_bytes_so_far)``; fail after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while not done(self.raw):
            if time.monotonic() > deadline:
                raise AssertionError(f"stream condition not met; got {self.raw!r}")
            self.raw += next(self._chunks)
        return self.raw

    def read_to_end(self) -> bytes:
        for chunk in self._chunks:
            self.raw += chunk
        return self.raw

    def events(self) -> list[dict]:
        """The JSON of every complete ``data:`` frame seen so far (a cut tail is skipped)."""
        complete = self.raw.split(b"\n\n")[:-1]
        return [
            json.loads(block.split(b"data: ", 1)[1])
            for block in complete
            if b"\ndata: " in block or block.startswith(b"data: ")
        ]
