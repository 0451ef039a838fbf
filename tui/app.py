"""`DroverApp`: composes screens, routes navigation, owns the mirror, sync and their workers.

Data flow: the store's change notices and sync's previews go to a `ChangeFeed`, which a
timer flushes at most `CHANGE_FLUSH_HZ` times a second into one `mirror_changed` /
`preview_changed` Signal each; every visible screen pulls what it shows from the mirror in
workers. Connection states from sync arrive already coalesced and are re-published on
`connections_changed`. Actions go to sync's outbox through `submit_action`; never HTTP here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.signal import Signal
from textual.worker import Worker, WorkerState

from drover.config.errors import ConfigError, CredentialError
from drover.config.settings import load_theme, save_theme
from drover.store.account import MirrorAccountError
from drover.store.api import MirrorReads
from drover.store.mirror import Mirror
from drover.sync.connection import ConnectionState
from drover.sync.engines import (
    ActionKind,
    Engine,
    EngineSource,
    NotConnectedError,
    OfflineEngine,
)
from drover.themes import DEFAULT_THEME, THEMES, variable_defaults
from drover.tui.attention.emit import Emitter
from drover.tui.attention.monitor import AttentionMonitor
from drover.tui.change_feed import ChangeFeed
from drover.tui.commands import DroverCommands, run_command
from drover.tui.reads import ReadPool
from drover.tui.screens.fleet import FleetScreen
from drover.tui.screens.grid import GridScreen
from drover.tui.screens.help import HelpScreen
from drover.tui.screens.prompt import PromptScreen
from drover.tui.screens.resources import ResourceScreen
from drover.tui.screens.session import SessionScreen
from drover.tui.session_control import SessionControl

CHANGE_FLUSH_HZ = 4
"""Most mirror-change refreshes per second (several notices in one window become one)."""


class DroverApp(SessionControl, App[None]):
    """The drover TUI.

    Args:
        profile: the profile whose mirror to open.
        data_dir: where mirrors live (default: `drover.config.paths.data_dir` precedence).
        config_path: the config file (theme persistence, profile list).
        engines: builds each profile's sync engine (`drover.sync.profiles.ProfileEngines`);
            None = offline review.
        clock: "now" for ages and today's spend (inject a fixed one for snapshots).
        readonly: refuse every action that would change a session.
        theme: force a theme instead of the saved one (not persisted unless changed later).
        attention_emitter: where attention alerts go (default: this terminal + notify-send).
        desktop_notifications: OS notifications on/off (default: the config's flag, on).
        store: the start profile's mirror when a team shares it (a `postgresql://` URL);
            default: the profile's `store` in the config, else its file under `data_dir`.
    """

    CSS_PATH = "app.tcss"
    TITLE = "drover"
    COMMANDS = App.COMMANDS | {DroverCommands}
    MODES = {  # noqa: RUF012
        "sessions": FleetScreen,
        "inbox": lambda: FleetScreen(needs_only=True),
        "agents": lambda: ResourceScreen("agents"),
        "envs": lambda: ResourceScreen("environments"),
        "grid": GridScreen,
    }
    BINDINGS = [  # noqa: RUF012
        Binding("colon", "command_line", "Command", key_display=":"),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("ctrl+q", "quit", "Quit"),
        Binding("ctrl+f", "search", "Search", key_display="^f", show=False),
    ]

    def __init__(
        self,
        *,
        profile: str = "default",
        data_dir: Path | None = None,
        config_path: Path | None = None,
        engines: EngineSource | None = None,
        clock: Callable[[], datetime] | None = None,
        readonly: bool = False,
        theme: str | None = None,
        attention_emitter: Emitter | None = None,
        desktop_notifications: bool | None = None,
        store: str | None = None,
    ) -> None:
        super().__init__()
        self.profile = profile
        self._store = (profile, store)  # `--store`: the start profile's shared mirror
        self.data_dir = data_dir
        self.config_path = config_path
        self.engines = engines
        self.readonly = readonly
        self._clock = clock or (lambda: datetime.now(UTC))
        self.mirror: Mirror | None = None
        self.engine: Engine | None = None
        self.connections: dict[str, ConnectionState] = {}
        self._sync_failure_told = False
        self.feed = ChangeFeed(self)
        """Store change notices and sync previews, coalesced per tick."""
        self.mirror_changed = self.feed.mirror_changed
        self.preview_changed = self.feed.preview_changed
        self.previews = self.feed.previews
        self.connections_changed: Signal[dict[str, ConnectionState]] = Signal(
            self, "connections-changed"
        )
        self.reads = ReadPool()
        """Where screens run mirror reads (tracked, so closing waits for them)."""
        self.preview_focus: str | None = None
        """The session a live view under any session screen (the grid) wants previews for."""
        for drover_theme in THEMES:
            self.register_theme(drover_theme)
        self._persist_theme = theme is None
        self.theme = theme or load_theme(config_path) or DEFAULT_THEME
        if self.theme not in self.available_themes:
            self.theme = DEFAULT_THEME
        self.sub_title = profile + (" · read-only" if readonly else "")
        self.focused_session_id: str | None = None
        """The session being looked at (session screen, focused grid pane): never announced."""
        self.attention = AttentionMonitor.for_app(self, attention_emitter, desktop_notifications)

    def get_theme_variable_defaults(self) -> dict[str, str]:
        """drover's `session-*` variables, for themes that don't set them."""
        return {**super().get_theme_variable_defaults(), **variable_defaults()}

    def now(self) -> datetime:
        """The injected clock's current time."""
        return self._clock()

    def on_mount(self) -> None:
        self.set_interval(1 / CHANGE_FLUSH_HZ, self.feed.flush)
        self.set_interval(1.0, self._check_sync)
        self.attention.watch(self)
        self.open_profile(self.profile)

    async def on_unmount(self) -> None:
        await self._close_profile()
        self.reads.shutdown()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place worker failures are reported to the user."""
        if event.state == WorkerState.ERROR:
            error = event.worker.error
            self.notify(f"{event.worker.name} failed: {error}", severity="error", timeout=10)

    # -- profile, mirror and sync ----------------------------------------------------------------

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
        engine = await self._connect(name, mirror)
        self.engine = engine
        self.sub_title = self._header_note(engine)
        engine.board.subscribe(self._connections_observer)
        await engine.start()
        if self.current_mode != "sessions":
            await self.switch_mode("sessions")
        reload = getattr(self.screen, "reload", None)
        if reload is not None:
            reload()

    def _mirror_location(self, name: str) -> str | Path:
        """`--store` for the start profile, else where the config puts the profile's mirror."""
        from drover.config.settings import Config, ConfigError, load_config

        try:
            config = load_config(self.config_path)
        except ConfigError:
            config = Config()
        store = self._store[1] if name == self._store[0] else None
        return store or config.mirror_location(name, self.data_dir, create=True)

    async def _connect(self, name: str, mirror: Mirror) -> Engine:
        """The profile's live engine, or an offline one (saying why) when it cannot have one."""
        if self.engines is None:
            return OfflineEngine(mirror.writer, "offline review")
        try:
            return await self.engines.engine(name, mirror, on_preview=self.feed.on_preview)
        except (ConfigError, CredentialError, MirrorAccountError) as exc:
            self.notify(f"Profile {name}: {exc}. Showing its mirror offline.", severity="error",
                        timeout=30)  # fmt: skip
            return OfflineEngine(mirror.writer, str(exc))

    def _header_note(self, engine: Engine) -> str:
        """The header's subtitle: the profile, and whatever qualifies what it shows."""
        parts = [self.profile]
        if isinstance(engine, OfflineEngine):
            parts.append("offline")
        elif engine.account is not None and engine.account.overrides:
            parts.append("from " + ", ".join(engine.account.overrides))
        if self.readonly:
            parts.append("read-only")
        return " · ".join(parts)

    async def _close_profile(self) -> None:
        engine, mirror = self.engine, self.mirror
        self.engine = self.mirror = None
        self.connections = {}
        if engine is not None:
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
        self.connections_changed.publish(dict(batch))

    # -- navigation --------------------------------------------------------------------------------

    def go(self, mode: str) -> None:
        """Switch to a top-level view (`:sessions`, `:inbox`, `:agents`, `:envs`, `:grid`)."""
        if mode not in self.MODES:
            self.notify(f":{mode} is not built yet — use :sessions or :inbox", severity="warning")
            return
        self.switch_mode(mode)

    def open_session(self, session_id: str) -> None:
        """Push the transcript of one session and focus sync's previews on it."""
        self.push_screen(SessionScreen(session_id))
        self._focus(session_id)

    def open_replay(self, session_id: str, at_seq: int | None = None) -> None:
        """Replay a mirrored session from `at_seq` (default: its first event)."""
        from drover.tui.screens.replay import ReplayScreen

        self.push_screen(ReplayScreen(session_id, at_seq=at_seq))

    def session_closed(self) -> None:
        """The session screen was popped: previews go back to the live view under it, if any."""
        self._focus(self.preview_focus)

    def focus_previews(self, session_id: str | None) -> None:
        """A live view (the grid's focused pane) wants previews for `session_id` (None: none)."""
        self.preview_focus = session_id
        self._focus(session_id)

    def _focus(self, session_id: str | None) -> None:
        self.focused_session_id = session_id
        if self.engine is not None:
            self.engine.set_focus(session_id)

    def action_command_line(self) -> None:
        """Open the `:` prompt."""

        def run(line: str | None) -> None:
            if line:
                run_command(self, line)

        self.push_screen(PromptScreen(":", placeholder="sessions · inbox · grid · agents · q"), run)

    def action_search(self) -> None:
        """`ctrl+f`: search every run (`:search`)."""
        run_command(self, "search")

    def action_help(self) -> None:
        """Show every binding active on the current screen."""
        self.push_screen(HelpScreen.for_screen(self))

    # -- themes ------------------------------------------------------------------------------------

    def drover_theme_names(self) -> list[str]:
        """drover's own themes, for the palette."""
        return [t.name for t in THEMES]

    def set_theme(self, name: str) -> None:
        """Switch theme by name (`:theme NAME` and the palette)."""
        if name not in self.available_themes:
            self.notify(f"No theme {name!r}; try {', '.join(self.drover_theme_names())}")
            return
        self._persist_theme = True
        self.theme = name

    def watch_theme(self, name: str) -> None:
        if self.is_running and self._persist_theme:
            self._save_theme(name)

    @work(thread=True, exclusive=True, group="theme", exit_on_error=False)
    def _save_theme(self, name: str) -> None:
        try:
            save_theme(name, self.config_path)
        except Exception as exc:  # a bad config file must not break theme switching
            self.call_from_thread(self.notify, f"Theme not saved: {exc}", severity="warning")

    # -- acting ------------------------------------------------------------------------------------

    def refuse_readonly(self, what: str) -> None:
        """Tell the user an action was refused because drover runs read-only."""
        self.notify(f"Read-only mode: {what} refused.", severity="warning")

    def submit_action(
        self, session_id: str, kind: ActionKind, payload: Mapping[str, Any], *, quiet: bool = False
    ) -> None:
        """Queue an action in sync's outbox (refused read-only); `quiet`: no "queued" notice."""
        if self.readonly:
            self.refuse_readonly(kind)
            return
        self._submit(session_id, kind, dict(payload), quiet)

    @work(group="actions", exit_on_error=False)
    async def _submit(
        self, session_id: str, kind: ActionKind, payload: dict[str, Any], quiet: bool = False
    ) -> None:
        if self.engine is None:
            self.notify("No mirror open; nothing was sent.", severity="error")
            return
        try:
            await self.engine.submit_action(session_id, kind, **payload)
        except NotConnectedError as exc:
            self.notify(str(exc), severity="error")
            return
        if not quiet:
            self.notify(f"{kind} queued for {session_id}")
