"""`drover.tui.signals.Signal` forgets removed subscribers without waiting for a publish (P9:
offline nothing publishes, and every screen ever opened stayed in memory)."""

from __future__ import annotations

import gc
import weakref

from textual.app import App
from textual.screen import Screen

from drover.tui.signals import Signal


class _Listening(Screen[None]):
    """A screen that listens to its app's signal, as the session and replay screens do."""

    def __init__(self) -> None:
        super().__init__()
        self.heard: list[str] = []

    def on_mount(self) -> None:
        self.app.changed.subscribe(self, self.heard.append)  # type: ignore[attr-defined]


class _App(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.changed: Signal[str] = Signal(self, "changed")


async def test_a_closed_screen_is_forgotten_once_another_subscribes() -> None:
    app = _App()
    async with app.run_test() as pilot:
        first = _Listening()
        await app.push_screen(first)
        await pilot.pause()
        gone = weakref.ref(first)
        app.pop_screen()
        await pilot.pause()
        del first
        second = _Listening()
        await app.push_screen(second)
        await pilot.pause()
        gc.collect()
        assert gone() is None, "the closed screen is still held by the signal"
        app.changed.publish("news")
        await pilot.pause()
        assert second.heard == ["news"]  # the live subscriber still hears it


async def test_a_screen_under_the_top_one_keeps_its_subscription() -> None:
    app = _App()
    async with app.run_test() as pilot:
        under = _Listening()
        await app.push_screen(under)
        await app.push_screen(_Listening())
        await pilot.pause()
        app.changed.publish("news")
        await pilot.pause()
        assert under.heard == ["news"]
