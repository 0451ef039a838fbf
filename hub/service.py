"""`Hub`: the engine, the webhook server and the heartbeat of `drover hub`, run together.

Start-up: open the profile's mirror (PostgreSQL for a team; an SQLite file works too), build
the engine through `ProfileEngines` with the role `drover hub` (it binds the mirror to the
account, takes the team-wide follow lock, polls, follows and delivers the shared outbox),
serve `POST /webhooks` and `GET /healthz`, and write a heartbeat into the mirror every
`heartbeat_seconds` (`drover hub status` reads it from anywhere).

With a webhook secret the session list is polled only every `poll_seconds` (a safety net):
webhooks wake what needs waking (`drover.hub.wake`). Without one, the engine polls as
`drover sync` does.

A second hub on the same mirror finds the follow lock taken and waits as a standby: it serves
its health (503) and heartbeat, delivers nothing itself, and takes over — in the engine it has
— once no other hub's heartbeat is fresh and the lock is free (a `drover sync` holding it
writes no heartbeat: each beat then costs a heartbeat read and one lock probe).

`stop` (SIGTERM, SIGINT) stops cleanly: the server stops taking webhooks, sends already on the
wire finish, the writer commits what is queued, the last heartbeat says the hub stopped, and
the lock is released. A hub killed outright loses nothing committed; its lock goes with its
connection, and the next one back-fills from the sync cursors.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import uvicorn

from drover.api.webhooks import WebhookEvent
from drover.hub.figures import HubFigures
from drover.hub.server import create_app
from drover.hub.wake import Waker
from drover.store.extract import now_key
from drover.store.mirror import Mirror
from drover.sync.engine import SyncEngine
from drover.sync.process_owner import ProcessOwner
from drover.sync.profiles import DEFAULT_MAX_FOLLOWERS, ProfileEngines
from drover.sync.viewer import HUB_STALE_SECONDS, hub_holder

__all__ = ["Hub", "HubOptions"]

log = logging.getLogger("drover.hub")


@dataclass(frozen=True)
class HubOptions:
    """How a hub runs.

    Attributes:
        name: its name in the heartbeat.
        host: the address its HTTP server binds.
        port: its port (0: any free one; read `Hub.port` once started).
        key: the webhook signing key (None: no webhooks; the engine polls as usual).
        poll_seconds: with webhooks, the safety poll of the session list.
        heartbeat_seconds: how often the heartbeat is written.
        max_followers: sessions followed at once.
    """

    name: str
    host: str = "127.0.0.1"
    port: int = 8790
    key: bytes | None = None
    poll_seconds: float = 120.0
    heartbeat_seconds: float = 5.0
    max_followers: int = DEFAULT_MAX_FOLLOWERS


class _Server(uvicorn.Server):
    """uvicorn without its own signal handlers: the hub's stop decides when to stop."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class Hub:
    """One profile's hub (see the module docstring).

    Args:
        engines: the profile factory (the CLI's).
        profile: the profile (None: the start profile).
        options: how it runs.
    """

    def __init__(self, engines: ProfileEngines, profile: str | None, options: HubOptions) -> None:
        self.engines = engines
        self.profile = profile
        self.options = options
        self.figures = HubFigures()
        self.engine: SyncEngine | None = None
        self.mirror: Mirror | None = None
        self.port = options.port
        self.started = asyncio.Event()
        """Set once the engine runs and the server listens."""
        self._waker: Waker | None = None
        self._holder = str(ProcessOwner.current())
        self._started_at = now_key()

    async def run(self, stop: asyncio.Event) -> None:
        """Run until `stop` is set, then stop cleanly.

        Raises:
            MissingApiKeyError: the profile has no key (the hub needs one).
            MirrorUnavailableError, MirrorAccountError: the mirror cannot be used.
            OSError: the address is in use.
        """
        location = self.engines.mirror_location(self.profile, create=True)
        self.mirror = await asyncio.to_thread(
            Mirror.open, location, on_change=self._committed, on_notice=self._heard
        )
        try:
            await self._run(stop)
        finally:
            await asyncio.to_thread(self.mirror.close)
            log.info("hub stopped", extra={"fields": {"event": "hub_stopped"}})

    async def _run(self, stop: asyncio.Event) -> None:
        engine = await self._start_engine()
        app = create_app(
            key=self.options.key,
            on_webhook=self.on_webhook,
            on_refused=lambda reason: self.figures.webhook(False, reason),
            health=self.health,
        )
        config = uvicorn.Config(
            app, host=self.options.host, port=self.options.port, log_config=None,
            access_log=False, lifespan="off", log_level="warning",
        )  # fmt: skip
        server = _Server(config)
        serving = asyncio.create_task(server.serve(), name="hub-http")
        while not server.started and not serving.done():
            await asyncio.sleep(0.02)
        if serving.done():  # the port is taken, or the address is not ours
            await self._stop_engine()
            serving.result()
            raise OSError(f"cannot listen on {self.options.host}:{self.options.port}")
        self.port = server.servers[0].sockets[0].getsockname()[1]
        heart = asyncio.create_task(self._heartbeats(), name="hub-heartbeat")
        log.info(
            "hub started", extra={"fields": {
                "event": "hub_started", "name": self.options.name, "listen":
                f"{self.options.host}:{self.port}", "webhooks": self.options.key is not None,
                "following": engine.followed_by is None}},
        )  # fmt: skip
        self.started.set()
        try:
            await stop.wait()
        finally:
            server.should_exit = True
            with contextlib.suppress(Exception):
                await asyncio.wait_for(serving, 10)
            heart.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heart
            await self._beat(stopping=True)
            await self._stop_engine()

    async def _start_engine(self) -> SyncEngine:
        assert self.mirror is not None
        polling: dict[str, Any] = {}
        if self.options.key is not None:
            polling = {"poll_min": self.options.poll_seconds, "poll_max": self.options.poll_seconds}
        engine = await self.engines.engine(
            self.profile, self.mirror, role="drover hub",
            max_followers=self.options.max_followers, **polling,
        )  # fmt: skip
        assert isinstance(engine, SyncEngine)  # the hub's role always follows
        await engine.start()
        self.engine = engine
        self._waker = Waker(engine, self.figures)
        if engine.followed_by is not None:
            log.warning(
                "standby: %s follows this mirror", engine.followed_by.describe(),
                extra={"fields": {"event": "hub_standby"}},
            )  # fmt: skip
        return engine

    async def _stop_engine(self) -> None:
        if self._waker is not None:
            await self._waker.stop()
        if self.engine is not None:
            await self.engine.stop()

    def _committed(self, session_id: str, high_water_seq: int) -> None:
        """A commit of this hub's writer: timed for the lag figures. Nothing to deliver comes
        of it (an action queued here wakes the outbox itself)."""
        self.figures.committed(session_id, high_water_seq)

    def _heard(self, session_id: str, high_water_seq: int) -> None:
        """Another process's commit (a viewer queueing an action): the outbox looks again.
        Not the hub's own ingest, so not part of its lag."""
        engine = self.engine
        if engine is not None:
            engine.outbox.poke()

    def on_webhook(self, event: WebhookEvent) -> None:
        """A verified webhook: counted, then acted on in the background."""
        self.figures.webhook(True)
        if self._waker is not None:
            self._waker.handle(event)

    async def health(self) -> tuple[bool, dict[str, Any]]:
        """(healthy, figures): healthy while it follows and sync has not stopped."""
        engine = self.engine
        if engine is None or self.mirror is None:
            return False, {"state": "starting"}
        outbox = await asyncio.to_thread(self.mirror.reader.outbox, unfinished=True)
        figures = self.figures.snapshot(engine, outbox)
        figures["name"] = self.options.name
        if engine.fatal is not None:
            figures["stopped"] = engine.fatal.detail
        return engine.fatal is None and engine.followed_by is None, figures

    async def _heartbeats(self) -> None:
        while True:
            try:
                figures = await self._beat()
                # A notice lost with the listener's connection (or a viewer of a file mirror,
                # which sends none) must not strand a row: look again while rows wait.
                if figures.get("outbox_depth") and self.engine is not None:
                    self.engine.outbox.poke()
                await self._take_over_if_free()
            except asyncio.CancelledError:
                raise
            except Exception:  # the database may be away for a moment: try next time
                log.exception("hub heartbeat failed", extra={"fields": {"event": "heartbeat"}})
            await asyncio.sleep(self.options.heartbeat_seconds)

    async def _beat(self, *, stopping: bool = False) -> dict[str, Any]:
        """Write the heartbeat; returns the figures it carries."""
        if self.mirror is None or self.engine is None:
            return {}
        with contextlib.suppress(Exception):
            await asyncio.to_thread(self.figures.measure_lag, self.mirror.reader)
        healthy, figures = await self.health()
        if stopping:
            figures["state"] = "stopped"
        following = healthy and not stopping
        await self.mirror.writer.hub_heartbeat(
            self.options.name, self._holder, self._started_at, following, figures
        )
        return figures

    async def _take_over_if_free(self) -> None:
        """A standby whose active hub went quiet starts following, in the same engine: while a
        `drover sync` (no heartbeat) holds the lock, each beat costs a heartbeat read and one
        lock probe on the lock's kept connection, nothing more."""
        engine, mirror = self.engine, self.mirror
        if engine is None or mirror is None or engine.followed_by is None:
            return
        rows = await asyncio.to_thread(mirror.reader.hub_status)
        others = [r for r in rows if r.holder != self._holder]
        if hub_holder(others, stale=HUB_STALE_SECONDS) is not None:
            return
        if await engine.follow_if_free():
            log.info("took over following", extra={"fields": {"event": "hub_took_over"}})
