"""``SimServer``: the sim (SimDomain + app + uvicorn) on a background thread with its own loop.

Typical use::

    with SimServer(SimConfig(pace="fast")) as sim:
        client = anthropic.Anthropic(api_key=sim.api_key, base_url=sim.base_url)
        ...
        sessions = sim.call(lambda: sim.domain.list_sessions())

``start()`` returns once the socket is bound (port 0 picks a free port; read it back from
``.port``). ``stop()`` drops open streams first, so uvicorn's graceful shutdown does not wait on
long-lived SSE connections.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import socket
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import uvicorn

from drover.sim.domain.facade import SimDomain
from drover.sim.http.app import create_app
from drover.sim.http.context import SimContext
from drover.sim.settings import BETA, FaultPlan, SimConfig

T = TypeVar("T")
_START_TIMEOUT = 10.0


class SimServer:
    """Run a sim server in-process.

    Args:
        config: Settings (``SimConfig()`` defaults: 127.0.0.1, port 0, realtime pace).
        domain: A ready domain to serve instead of building ``SimDomain`` from ``config``.
    """

    def __init__(self, config: SimConfig | None = None, *, domain: Any = None) -> None:
        self.config = config or SimConfig()
        self._domain = domain
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: uvicorn.Server | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self.port: int = 0
        self.context: SimContext | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> SimServer:
        """Start serving; block until the port is bound.

        Raises:
            RuntimeError: The server failed to start (e.g. port in use).
        """
        if self._thread is not None:
            raise RuntimeError("SimServer already started")
        # Binding here reports a busy port to the caller at once and tells us port 0's pick.
        try:
            sock = _bind(self.config.host, self.config.port)
        except OSError as exc:
            raise RuntimeError(
                f"cannot listen on {self.config.host}:{self.config.port}: {exc.strerror or exc}"
            ) from exc
        self.port = sock.getsockname()[1]
        self._thread = threading.Thread(
            target=self._run, args=(sock,), name="drover-sim", daemon=True
        )
        self._thread.start()
        # Populating a fleet happens before the port opens and may take a while.
        timeout = _START_TIMEOUT + 0.2 * self.config.fleet
        if not self._ready.wait(timeout) or self._error is not None:
            self.stop()
            raise RuntimeError(f"sim server failed to start: {self._error!r}") from self._error
        return self

    def stop(self) -> None:
        """Close every stream, shut uvicorn down and join the thread (idempotent)."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        if self._loop is not None and self._server is not None and self.context is not None:
            server, streams = self._server, self.context.streams

            def shutdown() -> None:
                streams.drop_all()
                server.should_exit = True

            with contextlib.suppress(RuntimeError):  # the loop already closed
                self._loop.call_soon_threadsafe(shutdown)
        thread.join(timeout=15)

    def __enter__(self) -> SimServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    async def __aenter__(self) -> SimServer:
        """Start from async code without blocking the caller's loop."""
        return await asyncio.to_thread(self.start)

    async def __aexit__(self, *exc_info: object) -> None:
        await asyncio.to_thread(self.stop)

    # -- access ----------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """``http://host:port`` (what ``ANTHROPIC_BASE_URL`` should be)."""
        host = self.config.host
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    @property
    def api_key(self) -> str:
        return self.config.api_key

    @property
    def headers(self) -> dict[str, str]:
        """Headers a raw httpx client needs for ``/v1`` calls (key, beta, version)."""
        return {
            "x-api-key": self.config.api_key,
            "anthropic-beta": BETA,
            "anthropic-version": "2023-06-01",
        }

    @property
    def domain(self) -> Any:
        """The served ``SimDomain``; touch it only through :meth:`call`."""
        return self.context.domain if self.context else self._domain

    @property
    def faults(self) -> FaultPlan:
        """The current fault plan (a copy; assign to change it)."""
        assert self.context is not None
        return FaultPlan(**self.context.faults.plan.to_dict())

    @faults.setter
    def faults(self, plan: FaultPlan) -> None:
        self.call(lambda: self.context.set_faults(plan))

    def call(self, fn: Callable[..., T], *args: Any, timeout: float = 30.0) -> T:
        """Run ``fn(*args)`` on the server's loop and return its result (coroutines awaited).

        The domain is not thread-safe; this is how tests inspect or poke it.
        """
        if self._loop is None or self._thread is None:
            raise RuntimeError("SimServer is not running")

        async def run() -> Any:
            result = fn(*args)
            if inspect.isawaitable(result):
                result = await result
            return result

        return asyncio.run_coroutine_threadsafe(run(), self._loop).result(timeout)

    # -- the server thread -------------------------------------------------------------------

    def _run(self, sock: socket.socket) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._serve(sock))
        except BaseException as exc:  # reported to start(); the thread must not die silently
            self._error = exc
        finally:
            self._ready.set()
            sock.close()  # uvicorn closes it on shutdown, but not if start-up failed
            loop.close()

    async def _serve(self, sock: socket.socket) -> None:
        domain = self._domain if self._domain is not None else self._build_domain()
        app = create_app(domain, self.config)
        self.context = app.state.sim
        uv_config = uvicorn.Config(
            app,
            host=self.config.host,
            port=self.config.port,
            log_level=self.config.log_level,
            access_log=False,
            lifespan="on",
            loop="asyncio",
            http="h11",
            timeout_graceful_shutdown=3,
            timeout_keep_alive=30,
        )
        server = uvicorn.Server(uv_config)
        self._server = server
        task = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started:
            if task.done():
                await task  # raises the startup error
                raise RuntimeError("uvicorn exited during start-up (see its log)")
            await asyncio.sleep(0.005)
        self._ready.set()
        await task

    def _build_domain(self) -> SimDomain:
        return SimDomain(
            seed=self.config.seed, pace=self.config.pace, scenarios_dir=self.config.scenarios_dir
        )


def _bind(host: str, port: int) -> socket.socket:
    """A listening-ready TCP socket bound to ``host:port`` (as uvicorn would bind it)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # An explicit IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on accepted sockets whose
    # proto says TCP, and without it Nagle + delayed ACKs add ~40 ms to every response.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock
