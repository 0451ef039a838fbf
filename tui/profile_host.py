"""`ProfileHost`: the open profile — its mirror, its engine, and what the header says of them.

`open_profile` opens a profile's mirror and asks the engine factory for its engine; without an
API key the mirror opens read-only on an `OfflineEngine` (you can review, not answer), and a
mirror of another account opens offline. `sub_title` is the header note every list shows:
the profile, offline or read-only and why, sync stopped.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work

from drover.config.errors import ConfigError, CredentialError
from drover.config.paths import mirror_path
from drover.store.account import MirrorAccountError
from drover.store.api import MirrorReads
from drover.store.mirror import Mirror
from drover.sync.connection import ConnectionState
from drover.sync.engines import Engine, EngineSource, OfflineEngine
from drover.tui.heap import HeapPolicy
from drover.tui.screens.fleet import read_snapshot

if TYPE_CHECKING:
    from textual.app import App

    from drover.config.rules import Rule
    from drover.config.settings import Config
    from drover.tui.attention.monitor import AttentionMonitor
    from drover.tui.change_feed import ChangeFeed
    from drover.tui.reads import ReadPool
    from drover.tui.signals import Signal

    _Base = App[None]
else:
    _Base = object

NO_KEY = "no API key"
"""The read-only reason of a profile opened without a key."""


class ProfileHost(_Base):
    """Mixin for `DroverApp`: open, connect, close and switch profiles."""

    if TYPE_CHECKING:
        profile: str
        data_dir: Path | None
        config_path: Path | None
        engines: EngineSource | None
        mirror: Mirror | None
        engine: Engine | None
        connections: dict[str, ConnectionState]
        heap: HeapPolicy
        connections_changed: Signal[dict[str, ConnectionState]]
        feed: ChangeFeed
        reads: ReadPool
        attention: AttentionMonitor
        readonly_reason: str | None
        first_fleet: object

        def now(self) -> datetime: ...

        async def stop_launches(self) -> None: ...
        def without_config(self) -> bool: ...
        def profile_rules(self) -> dict[str, Rule]: ...
        def check_keys(self) -> None: ...

        settings: Config

        _readonly_flag: bool
        _sync_failure_told: bool
        _store: tuple[str, str | None]

    @property
    def reader(self) -> MirrorReads | None:
        """The open mirror's reader (every screen reads through it), or None."""
        return self.mirror.reader if self.mirror is not None else None

    @work(exclusive=True, group="profile", exit_on_error=False)
    async def open_profile(self, name: str) -> None:
        """Open `name`'s mirror (creating it if new), start its sync engine, show the fleet."""
        location = self._mirror_location(name)
        mirror = await self.reads.run(Mirror.open, location, on_change=self.feed.notice_change)
        await self._close_profile()
        self.profile, self.mirror = name, mirror
        self._sync_failure_told = False
        self.attention.open(self)
        self.readonly_reason = "--readonly" if self._readonly_flag else None
        first_paint = self.current_mode != "sessions"
        if first_paint:
            # Read the first screenful now, so the fleet's first paint shows the mirror's rows,
            # and show it before the engine is built: resolving the account and key and
            # loading the HTTP stack take longer than the read (issue 13's start time).
            self.sub_title = name
            today = self.now().date().isoformat()
            rows = self.size.height  # a screenful: what the list would fetch for its window
            self.first_fleet = await self.reads.run(read_snapshot, mirror.reader, today, rows)
            await self.switch_mode("sessions")
            painted = asyncio.Event()
            self.call_after_refresh(painted.set)  # the frame is on the terminal first
            await painted.wait()
            self.heap.first_paint()
            self.check_keys()
        engine = await self._connect(name, mirror)
        self.engine = engine
        if not self.readonly:
            engine.set_rules(self.profile_rules())  # the app's config is the user's
        self.sub_title = self._header_note(engine)
        self.screen.refresh_bindings()  # mutating keys hide when read-only
        engine.board.subscribe(self._connections_observer)
        await engine.start()
        self.sub_title = self._header_note(engine)  # after start: it may only observe
        # Everything start-up made lives as long as the app: out of the collector's full
        # passes, then the followers' objects once they are up (`drover.tui.heap`).
        self.heap.engine_started()
        reload = getattr(self.screen, "reload", None)
        if reload is not None:
            reload()

    def _mirror_location(self, name: str) -> str | Path:
        """`--store` for the start profile, else where the config puts the profile's mirror
        (a shared PostgreSQL one, or its file under the data dir)."""
        store = self._store[1] if name == self._store[0] else None
        if store is None and self.without_config():
            # No config, no store: the file, found without the config models (start time).
            return mirror_path(name, self.data_dir, create=True)
        from drover.config.settings import Config, load_config

        try:
            config = load_config(self.config_path)
        except ConfigError:
            config = Config()
        return store or config.mirror_location(name, self.data_dir, create=True)

    async def _connect(self, name: str, mirror: Mirror) -> Engine:
        """The profile's live engine, or an offline one (saying why) when it cannot have one."""
        if self.engines is None:
            return OfflineEngine(mirror.writer, "offline review")
        prepare = getattr(self.engines, "prepare", None)
        if prepare is not None:  # its slow part off the loop: the fleet stays drawn and live
            await asyncio.to_thread(prepare, name)
        try:
            return await self.engines.engine(
                name,
                mirror,
                on_preview=self.feed.on_preview,
                on_foreign_change=self.feed.notice_change,  # another process follows
                role="drover tui",
                apply_rules=not self._readonly_flag,  # --readonly applies no rule
                clock=self.now,
            )
        except CredentialError as exc:
            # No key: the mirror is there to review, and nothing can be answered from here.
            self.readonly_reason = NO_KEY
            self.notify(f"Profile {name}: {exc}. Showing its mirror read-only.",
                        severity="warning", timeout=15)  # fmt: skip
            return OfflineEngine(mirror.writer, NO_KEY)
        except (ConfigError, MirrorAccountError) as exc:
            self.notify(f"Profile {name}: {exc}. Showing its mirror offline.", severity="error",
                        timeout=30)  # fmt: skip
            return OfflineEngine(mirror.writer, str(exc))

    def _header_note(self, engine: Engine) -> str:
        """The header's subtitle: the profile, and whatever qualifies what it shows."""
        from drover.sync.viewer import ViewerEngine  # loaded by then: off the first paint's imports

        parts = [self.profile]
        if isinstance(engine, ViewerEngine):
            parts.append("viewer")  # the hub follows: `followed by drover hub on …` below
        elif isinstance(engine, OfflineEngine):
            parts.append("offline" + (f" ({NO_KEY})" if engine.reason == NO_KEY else ""))
        elif engine.account is not None and engine.account.overrides:
            parts.append("from " + ", ".join(engine.account.overrides))
        if engine.followed_by is not None:
            parts.append(f"followed by {engine.followed_by.describe()}")
        if self.readonly:
            parts.append("read-only")
        return " · ".join(parts)

    @property
    def readonly(self) -> bool:
        """Nothing may be changed: `--readonly`, or no API key to act with."""
        return self.readonly_reason is not None

    async def _close_profile(self) -> None:
        engine, mirror = self.engine, self.mirror
        self.engine = self.mirror = None
        self.connections = {}
        if engine is not None:
            await self.stop_launches()  # each is left paused, to resume later
            await engine.stop()
        if mirror is not None:
            async with self.reads.closing():  # never close connections under a running read
                await asyncio.to_thread(mirror.close)

    def switch_profile(self, name: str) -> None:
        """`:profile NAME`: re-open everything on another profile's mirror."""
        if not name:
            self.notify(f"Current profile: {self.profile}. Usage: :profile NAME")
            return
        self.open_profile(name)

    def profile_names(self) -> list[str]:
        """Profiles from the config file, plus the current one."""
        from drover.config.settings import ConfigError, load_config

        try:
            names = set(load_config(self.config_path).profiles)
        except ConfigError:
            names = set()
        return sorted(names | {self.profile})

    def _check_sync(self) -> None:
        """Say once, where the user looks, that sync stopped for good (e.g. a rejected key);
        the views keep working on the mirror."""
        fatal = self.engine.fatal if self.engine is not None else None
        if fatal is None or self._sync_failure_told:
            return
        self._sync_failure_told = True
        hint = ""
        if fatal.reason in ("unauthorized", "forbidden"):
            hint = f" Run `drover login --profile {self.profile}`."
        self.notify(
            f"Sync stopped: {fatal.detail}.{hint} Showing the mirror meanwhile.",
            severity="error",
            timeout=30,
        )
        self.sub_title = f"{self.profile} · sync stopped"

    def _connections_observer(self, batch: Mapping[str, ConnectionState]) -> None:
        self.connections.update(batch)
        self.heap.connections(self.connections)
        self.connections_changed.publish(dict(batch))
