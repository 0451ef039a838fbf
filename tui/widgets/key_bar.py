"""`KeyBar`: the footer's key hints as ONE widget (Textual's `Footer` is one widget per key).

Opening a screen is paid in widgets styled: `Footer` builds a widget per binding and rebuilds
all of them each time the active bindings change (mount, focus moving to the transcript, items
arriving), about half of what opening a session cost. This bar renders the same hints as a
single line of `Content` and just repaints when the bindings change. Clicking a hint presses
its key, as with `Footer`.

A narrow terminal gets whole hints only: the ones that fit, in order, and then `? Help` (which
lists every key), never a hint cut after its key.
"""

from __future__ import annotations

from textual import events
from textual.content import Content
from textual.widgets import Static


class KeyBar(Static):
    """Key hints of the screen's active bindings (those with `show=True`), one per action."""

    DEFAULT_CSS = """
    KeyBar { dock: bottom; height: 1; background: $footer-background; }
    """

    def __init__(self) -> None:
        super().__init__()
        self._spans: list[tuple[int, int, str]] = []

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, _screen: object) -> None:
        self.refresh()

    def render(self) -> Content:
        hints: list[tuple[str, str, bool, str]] = []  # (key, description, enabled, key name)
        seen: set[str] = set()
        for _node, binding, enabled, _tooltip in self.screen.active_bindings.values():
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            key = f" {self.app.get_key_display(binding)} "
            hints.append((key, f"{binding.description} ", enabled, binding.key.split(",")[0]))
        help_hint = next((h for h in hints if h[3] == "question_mark"), None)
        room = self.size.width or 10_000
        if help_hint is not None and sum(len(h[0]) + len(h[1]) for h in hints) > room:
            hints.remove(help_hint)
            room -= len(help_hint[0]) + len(help_hint[1])
        parts: list[str | tuple[str, str]] = []
        self._spans = []
        x = 0
        for key, text, enabled, name in hints:
            width = len(key) + len(text)
            if x + width > room:
                break
            dim = "" if enabled else " dim"
            parts += [(key, f"bold $footer-key-foreground{dim}"),
                      (text, f"$footer-description-foreground{dim}")]  # fmt: skip
            self._spans.append((x, x + width, name))
            x += width
        if help_hint is not None and room < (self.size.width or 10_000):
            key, text, _enabled, name = help_hint
            parts += [(key, "bold $footer-key-foreground"),
                      (text, "$footer-description-foreground")]  # fmt: skip
            self._spans.append((x, x + len(key) + len(text), name))
        return Content.assemble(*parts)

    async def on_click(self, event: events.Click) -> None:
        """Press the key of the hint under the pointer."""
        for start, end, key in self._spans:
            if start <= event.x < end:
                await self.app.simulate_key(key)
                return
