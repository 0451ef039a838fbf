"""`DeferredEngine`: the demo paints before its sim is up; sync starts when it is."""

from __future__ import annotations

import asyncio
import concurrent.futures
from typing import Any

from drover.sync.connection import ConnectionBoard, ConnectionState
from drover.sync.deferred import DeferredEngine
from drover.sync.engines import NotConnectedError


class _Engine:
    """Records what the deferred engine forwards; publishes on the board it was built with."""

    account = None
    fatal = None
    followed_by = None

    def __init__(self, board: ConnectionBoard) -> None:
        self.board = board
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
    server: concurrent.futures.Future[str] = concurrent.futures.Future()
    built: list[_Engine] = []

    async def build(url: str, board: ConnectionBoard) -> Any:
        built.append(_Engine(board))
        return built[-1]

    deferred = DeferredEngine(server, build, lambda exc: None)
    seen: list[dict[str, ConnectionState]] = []
    deferred.board.subscribe(seen.append)  # before any engine exists
    await deferred.start()  # returns at once: nothing to connect to yet
    deferred.set_focus("sesn_1")
    action = asyncio.create_task(deferred.submit_action("sesn_1", "interrupt"))
    await asyncio.sleep(0)
    assert not action.done() and built == []
    server.set_result("http://sim")
    assert await action == 1
    engine = built[0]
    assert engine.calls == [("start",), ("focus", "sesn_1"), ("act", "sesn_1", "interrupt", {})]
    engine.board.set("sesn_1", "live")  # the real engine publishes on the deferred's board
    await asyncio.sleep(0.2)
    assert seen and seen[-1]["sesn_1"].state == "live"
    await deferred.stop()
    assert engine.calls[-1] == ("stop",)


async def test_a_server_that_never_starts_is_reported_once() -> None:
    server: concurrent.futures.Future[str] = concurrent.futures.Future()
    failures: list[BaseException] = []

    async def build(url: str, board: ConnectionBoard) -> Any:
        raise AssertionError("never built")

    deferred = DeferredEngine(server, build, failures.append)
    await deferred.start()
    server.set_exception(RuntimeError("port in use"))
    assert await deferred.ready() is None
    assert [str(f) for f in failures] == ["port in use"]
    try:
        await deferred.archive_session("sesn_1")
    except NotConnectedError as exc:
        assert "port in use" in str(exc)
    else:
        raise AssertionError("an action without a server must say why it failed")
    await deferred.stop()
