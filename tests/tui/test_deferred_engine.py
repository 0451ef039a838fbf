"""`DeferredEngine`: the demo paints before its sim is up; sync starts when it is."""

from __future__ import annotations

import asyncio
import concurrent.futures
from typing import Any

from drover.tui.deferred_engine import DeferredEngine


class _Board:
    def __init__(self) -> None:
        self.observers: list[Any] = []

    def subscribe(self, observer: Any) -> Any:
        self.observers.append(observer)
        return lambda: None


class _Engine:
    def __init__(self) -> None:
        self.board = _Board()
        self.calls: list[tuple[Any, ...]] = []

    async def start(self) -> None:
        self.calls.append(("start",))

    async def stop(self) -> None:
        self.calls.append(("stop",))

    def set_focus(self, session_id: str | None) -> None:
        self.calls.append(("focus", session_id))

    async def submit_action(self, session_id: str, kind: str, **payload: Any) -> int:
        self.calls.append(("act", session_id, kind, payload))
        return 1


async def test_calls_made_before_the_server_is_up_reach_the_engine() -> None:
    server: concurrent.futures.Future[Any] = concurrent.futures.Future()
    engine = _Engine()
    deferred = DeferredEngine(server, lambda url: engine, lambda exc: None)
    observer = object()
    deferred.board.subscribe(observer)
    await deferred.start()  # returns at once: nothing to connect to yet
    deferred.set_focus("sesn_1")
    action = asyncio.create_task(deferred.submit_action("sesn_1", "interrupt"))
    await asyncio.sleep(0)
    assert not action.done() and engine.calls == []
    server.set_result("http://sim")
    assert await action == 1
    assert engine.board.observers == [observer]
    assert engine.calls == [("start",), ("focus", "sesn_1"), ("act", "sesn_1", "interrupt", {})]
    await deferred.stop()
    assert engine.calls[-1] == ("stop",)


async def test_a_server_that_never_starts_is_reported_once() -> None:
    server: concurrent.futures.Future[Any] = concurrent.futures.Future()
    failures: list[BaseException] = []
    deferred = DeferredEngine(server, lambda url: _Engine(), failures.append)
    await deferred.start()
    server.set_exception(RuntimeError("port in use"))
    assert await deferred.ready() is None
    assert [str(f) for f in failures] == ["port in use"]
    await deferred.stop()
