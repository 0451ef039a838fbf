"""`DroverApp`: composes screens, routes navigation, owns the mirror, sync and their workers.

Data flow: the store's change notices and sync's previews go to a `ChangeFeed`, which a
timer flushes at most `CHANGE_FLUSH_HZ` times a second into one `mirror_changed` /
`preview_changed` Signal each; every visible screen pulls what it shows from the mirror in
workers. Connection states from sync arrive already coalesced and are re-published on
`connections_changed`. Actions go to sync's outbox through `submit_action`; never HTTP here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from textual import events, work
from textual.actions import SkipAction
from textual.app import App
from textual.binding import Binding
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, TextArea
from textual.worker import Worker, WorkerState

from drover.store.mirror import Mirror
from drover.sync.connection import ConnectionState
from drover.sync.engines import (
    ActionKind,
    Engine,
    EngineSource,
    NotConnectedError,
)
from drover.themes import variable_defaults
from drover.tui.appearance import Appearance
from drover.tui.attention.emit import Emitter
from drover.tui.attention.monitor import AttentionMonitor
from drover.tui.change_feed import ChangeFeed
from drover.tui.commands import DroverCommands, command_completions, run_command
from drover.tui.heap import HeapPolicy
from drover.tui.launch_control import LaunchControl
from drover.tui.profile_host import NO_KEY, ProfileHost
from drover.tui.reads import ReadPool
from drover.tui.screens.base import DroverScreen
from drover.tui.screens.confirm import QuitDialog
from drover.tui.screens.fleet import FleetScreen
from drover.tui.screens.help import HelpScreen
from drover.tui.screens.prompt import KeyBuffer, PromptScreen
from drover.tui.session_control import SessionControl
from drover.tui.signals import Signal
from drover.tui.steer_control import SteerControl

CHANGE_FLUSH_HZ = 4
"""Most mirror-change refreshes per second (several notices in one window become one)."""


def _deployments() -> DroverScreen:
    from drover.tui.screens.deployments import DeploymentsScreen

    return DeploymentsScreen()


def _vaults() -> DroverScreen:
    from drover.tui.screens.vaults import VaultsScreen

    return VaultsScreen()


def _memory() -> DroverScreen:
    from drover.tui.screens.memory import MemoryScreen

    return MemoryScreen()


def _rules() -> DroverScreen:
    from drover.tui.screens.rules import RulesScreen

    return RulesScreen()


class DroverApp(ProfileHost, Appearance, SessionControl, SteerControl, LaunchControl, App[None]):
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
        "agents": lambda: _resources("agents"),
        "envs": lambda: _resources("environments"),
        "grid": lambda: _grid(),
        "launches": lambda: _launches(),
        "deployments": _deployments,
        "vaults": _vaults,
        "memory": _memory,
        "rules": _rules,
    }
    BINDINGS = [  # noqa: RUF012
        # Priority: `:` opens the prompt before the keys typed after it reach the list.
        Binding(
            "colon", "command_line", "Command", key_display=":", priority=True, id="app.command"
        ),
        Binding("question_mark", "help", "Help", key_display="?", id="app.help"),
        Binding("ctrl+q", "quit", "Quit", id="app.quit"),
        Binding("ctrl+f", "search", "Search", key_display="^f", show=False, id="app.search"),
        Binding(
            "exclamation_mark",
            "pause_rules",
            "Pause/resume rules",
            key_display="!",
            show=False,
            id="rules.pause",
        ),
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
        self._readonly_flag = readonly
        self.readonly_reason: str | None = "--readonly" if readonly else None
        """Why nothing may be changed (`--readonly`, no API key), or None: acting is allowed."""
        self._clock = clock or (lambda: datetime.now(UTC))
        self.mirror: Mirror | None = None
        self.engine: Engine | None = None
        self.connections: dict[str, ConnectionState] = {}
        self.heap = HeapPolicy()
        """Freezes long-lived objects out of the collector's full passes (`drover.tui.heap`)."""
        self._sync_failure_told = False
        self.feed = ChangeFeed(self)
        """Store change notices and sync previews, coalesced per tick."""
        self.mirror_changed = self.feed.mirror_changed
        self.preview_changed = self.feed.preview_changed
        self.previews = self.feed.previews
        self.connections_changed: Signal[dict[str, ConnectionState]] = Signal(
            self, "connections-changed"
        )
        self.first_fleet: object = None
        """The fleet's first screenful, read with the mirror (see `FleetScreen`)."""
        self.key_buffer = KeyBuffer()
        """Keys typed while a prompt opens (replayed into it)."""
        self._holds = 0
        self.prompt_history: dict[str, list[str]] = {}
        """Lines typed at each prompt (`:`, `/`) this run, oldest first."""
        self.reads = ReadPool()
        """Where screens run mirror reads (tracked, so closing waits for them)."""
        self.preview_focus: str | None = None
        """The session a live view under any session screen (the grid) wants previews for."""
        self._load_appearance(theme)
        self.sub_title = profile + (" · read-only" if readonly else "")
        """The header note: the profile, and whatever qualifies what is shown (offline,
        read-only, a budget crossed); `FleetSummary` and the other list headers show it."""
        self.focused_session_id: str | None = None
        """The session being looked at (session screen, focused grid pane): never announced."""
        self.attention = AttentionMonitor.for_app(self, attention_emitter, desktop_notifications)
        self._init_launches()

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
        self.tell_config_problems()
        self.open_profile(self.profile)

    async def on_unmount(self) -> None:
        await self._close_profile()
        self.reads.shutdown()
        self.heap.release()  # what open_profile froze becomes collectable again

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place worker failures are reported to the user."""
        if event.state == WorkerState.ERROR:
            error = event.worker.error
            self.notify(f"{event.worker.name} failed: {error}", severity="error", timeout=10)

    # -- navigation --------------------------------------------------------------------------------

    def go(self, mode: str) -> None:
        """Switch to a top-level view (`:sessions`, `:inbox`, `:agents`, `:envs`, `:grid`,
        `:launches`, `:deployments`, `:vaults`, `:memory`)."""
        if mode not in self.MODES:
            self.notify(f":{mode} is not built yet — use :sessions or :inbox", severity="warning")
            return
        self.switch_mode(mode)

    def open_session(self, session_id: str) -> None:
        """Push the transcript of one session and focus sync's previews on it."""
        from drover.tui.screens.session import SessionScreen  # on first use: start time

        SessionScreen.open(self, session_id)
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

    async def on_event(self, event: events.Event) -> None:
        # While a prompt opens, keys wait for it instead of reaching the screen under it.
        if isinstance(event, events.Key) and self.key_buffer.keys is not None:
            self.key_buffer.keys.append(event)
            return
        await super().on_event(event)

    def open_prompt(self, prompt: PromptScreen, done: Callable[[str | None], None]) -> None:
        """Push a prompt; keys typed before its input has focus are held and replayed."""
        prompt.key_buffer = self.key_buffer
        self.key_buffer.hold()
        self._holds += 1
        hold = self._holds
        self.set_timer(2.0, lambda: self._release_keys(hold))
        self.push_screen(prompt, done)

    def _release_keys(self, hold: int) -> None:
        """Never hold keys for long: a prompt that did not open lets them go (dropped)."""
        if hold == self._holds and self.key_buffer.holding:
            self.key_buffer.take()

    def action_command_line(self) -> None:
        """Open the `:` prompt (not over a dialog, nor while typing in a text field)."""
        if isinstance(self.screen, ModalScreen) or isinstance(self.focused, Input | TextArea):
            raise SkipAction()

        def run(line: str | None) -> None:
            if line:
                run_command(self, line)

        prompt = PromptScreen(
            ":",
            placeholder="sessions · inbox · grid · agents · q   (tab completes, ↑ history)",
            history=self.prompt_history.setdefault(":", []),
            completions=command_completions(self),
        )
        self.open_prompt(prompt, run)

    def action_search(self) -> None:
        """`ctrl+f`: search every run (`:search`)."""
        run_command(self, "search")

    def action_help(self) -> None:
        """Show every binding active on the current screen."""
        self.push_screen(HelpScreen.for_screen(self))

    # -- quitting --------------------------------------------------------------------------------

    async def action_quit(self) -> None:
        """Quit (`ctrl+q`, `:q`); first warn when actions in the outbox are not delivered yet.

        They are not lost: the outbox is in the mirror, and the next run of drover on this
        profile (or `drover sync`) sends them. `ctrl+q` again, `y` or `enter` quits anyway.
        """
        if isinstance(self.screen, QuitDialog) or self.reader is None:
            self.exit()
            return
        reader = self.reader
        pending = await self.reads.run(lambda: reader.outbox(unfinished=True))
        if not pending:
            self.exit()
            return
        sessions = sorted({row.session_id for row in pending})
        question = (
            f"{len(pending)} action(s) for {len(sessions)} session(s) are not delivered yet. "
            f"They stay in profile {self.profile}'s outbox and go out the next time drover "
            "runs on it (or `drover sync`). Quit now?"
        )
        details = [f"{r.kind.replace('_', ' ')} → {r.session_id} ({r.state})" for r in pending]

        def answer(result: str | None) -> None:
            if result is not None:
                self.exit()

        self.push_screen(QuitDialog(question, "Quit", details=details[:12]), answer)

    # -- acting ------------------------------------------------------------------------------------

    def refuse_readonly(self, what: str) -> None:
        """Tell the user an action was refused because drover runs read-only, and why."""
        why = self.readonly_reason or "read-only"
        hint = ""
        if why == NO_KEY:
            hint = f" Run `drover login --profile {self.profile}` to act."
        self.notify(f"Read-only ({why}): {what} refused.{hint}", severity="warning")

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


# The screens below load when first opened, not with the app: the fleet's first paint waits
# for every module imported here (issue 13: start within 2x a minimal Textual app).
def _resources(kind: str) -> Screen[None]:
    from drover.tui.screens.resources import ResourceScreen

    return ResourceScreen(kind)


def _launches() -> Screen[None]:
    from drover.tui.screens.launches import LaunchesScreen

    return LaunchesScreen()


def _grid() -> Screen[None]:
    from drover.tui.screens.grid import GridScreen

    return GridScreen()
