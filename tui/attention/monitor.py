"""`AttentionMonitor`: feeds mirror reads to the `AttentionTracker` and announces what it finds.

Owned by the App (it must outlive screens): `open` takes a baseline when a profile opens (the
sessions needing you and a mark, never every session: `AttentionTracker.prime`) and
`watch` subscribes `changed` to each coalesced `mirror_changed` batch; both read rows on the
App's `ReadPool` and run under one lock, so a change that lands while the baseline is still
being read is compared against it instead of racing it. The session in focus (`focused()`: the open
session screen, or a grid pane the grid sets through `DroverApp.focused_session_id`) is never
announced. After every batch the window title counter is refreshed (only when it changed).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any

from drover.tui.attention.budgets import BudgetAlerts
from drover.tui.attention.emit import Emitter, TerminalEmitter
from drover.tui.attention.tracker import AttentionTracker, Transition, snapshot, window_title

if TYPE_CHECKING:
    from textual.app import App

    from drover.tui.app import DroverApp

BUDGET_CHECK_SECONDS = 5.0
"""Most one look at your budgets per this many seconds (a few sums over the per-day table)."""
BURST = 3
"""Transitions announced one by one per batch; beyond that, one summary announcement (sync
catching up after a night away must not fire fifty desktop notifications)."""


def coalesce(transitions: list[Transition]) -> list[Transition]:
    """At most `BURST` transitions, then one summary of the rest."""
    if len(transitions) <= BURST + 1:
        return transitions
    rest = transitions[BURST:]
    urgent = next((t.category for t in rest if t.category != "done"), rest[0].category)
    summary = Transition("", urgent, f"{len(rest)} more sessions", "see the inbox (:inbox)")
    return [*transitions[:BURST], summary]


def terminal_writer(app: App[Any]) -> Callable[[str], None]:
    """A `write(str)` onto the App's terminal, dropped while headless or not running.

    Textual 8 has no public "write raw bytes" call; `App.bell` and `App.copy_to_clipboard`
    write through the running driver the same way, so this follows them.
    """

    def write(sequence: str) -> None:
        driver = app._driver
        if driver is not None and not app.is_headless:
            driver.write(sequence)

    return write


def terminal_emitter(app: App[Any], desktop: bool = True) -> TerminalEmitter:
    """The real emitter on `app`'s terminal."""
    return TerminalEmitter(terminal_writer(app), ring=app.bell, desktop=desktop)


class AttentionMonitor:
    """Tracks attention transitions for the open profile.

    Args:
        emitter: where announcements and the terminal title go.
        focused: returns the session id the user is looking at (or None).
        set_title: shows the title inside the app (`App.title`).
        base_title: the title without a counter.
    """

    def __init__(
        self,
        emitter: Emitter,
        focused: Callable[[], str | None],
        set_title: Callable[[str], None],
        base_title: str = "drover",
    ) -> None:
        self.emitter = emitter
        self.tracker = AttentionTracker()
        self._focused = focused
        self._set_title = set_title
        self._base = base_title
        self._title: str | None = None
        self._lock = asyncio.Lock()
        self.budgets = BudgetAlerts()
        """Your budgets' levels, for announcing a crossing (`drover.tui.attention.budgets`)."""
        self._budgets_read_at: float | None = None

    @classmethod
    def for_app(
        cls, app: DroverApp, emitter: Emitter | None = None, desktop: bool | None = None
    ) -> AttentionMonitor:
        """The monitor of a `DroverApp` (real terminal emitter unless one is injected).

        Args:
            app: the app (its `focused_session_id` and `title` are used).
            emitter: a stand-in emitter (tests).
            desktop: desktop notifications on/off; None reads `desktop_notifications` from
                the app's config file (default on).
        """
        if desktop is None:  # the config's flag, on by default (and for a broken config)
            desktop = True if app.without_config() else app.settings.desktop_notifications
        return cls(
            emitter or terminal_emitter(app, desktop),
            focused=lambda: app.focused_session_id,
            set_title=lambda title: setattr(app, "title", title),
            base_title=app.TITLE or "drover",
        )

    def watch(self, app: DroverApp) -> None:
        """Subscribe to the app's coalesced mirror changes (call once the app runs)."""
        app.mirror_changed.subscribe(
            app,
            lambda ids: app.run_worker(
                self.changed(app, ids), group="attention", exit_on_error=False
            ),
        )

    def open(self, app: DroverApp) -> None:
        """A profile was opened: forget the old one's states and take a new baseline."""
        self.tracker = AttentionTracker()
        self.budgets = BudgetAlerts()
        self._budgets_read_at = None
        app.run_worker(self.prime(app), group="attention", exit_on_error=False)

    async def prime(self, app: DroverApp) -> None:
        """Take the baseline (announces nothing): the sessions needing you, which the title
        counts, and the mark that tells of any other session whether it changed category
        since (`MirrorReader.attention_baseline`; the others are read when they change)."""
        async with self._lock:
            reader = app.reader
            if reader is None:
                return
            mark, rows = await app.reads.run(reader.attention_baseline)
            self.tracker.prime((snapshot(row) for row in rows), mark)
            await self.check_budgets(app)
            self._refresh_title()

    async def changed(self, app: DroverApp, ids: Collection[str]) -> list[Transition]:
        """Compare the changed sessions with their last state; announce the transitions."""
        async with self._lock:
            reader = app.reader
            if reader is None:
                return []
            rows = await app.reads.run(reader.fleet_rows, list(ids))
            transitions = self.tracker.update(
                (snapshot(row) for row in rows.values()), focused=self._focused()
            )
            for transition in coalesce(transitions):
                self.emitter.alert(transition)
            crossed = await self.check_budgets(app)
            self._refresh_title()
            return transitions + crossed

    async def check_budgets(self, app: DroverApp, *, force: bool = False) -> list[Transition]:
        """Announce your budgets that crossed 80% or 100% since the last look (at most one
        look per `BUDGET_CHECK_SECONDS`; the first is the baseline)."""
        reader, caps = app.reader, app.budget_caps()
        now = asyncio.get_running_loop().time()
        last = self._budgets_read_at
        if reader is None or not caps:
            return []
        if not force and last is not None and now - last < BUDGET_CHECK_SECONDS:
            return []
        self._budgets_read_at = now
        today = app.now().date().isoformat()
        states = await app.reads.run(reader.cost_budgets, caps, today=today)
        crossed = self.budgets.update(states, today)
        for transition in crossed:
            self.emitter.alert(transition)
        return crossed

    def toggle_mute(self, session_id: str) -> bool:
        """Mute/unmute a session; the title counter follows at once."""
        muted = self.tracker.toggle_mute(session_id)
        self._refresh_title()
        return muted

    def is_muted(self, session_id: str) -> bool:
        """Whether a session is muted."""
        return session_id in self.tracker.muted

    def _refresh_title(self) -> None:
        title = window_title(self._base, self.tracker.waiting())
        if title != self._title:
            self._title = title
            self._set_title(title)
            self.emitter.set_title(title)
