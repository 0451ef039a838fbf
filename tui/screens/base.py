"""`DroverScreen`: what every drover screen shares — read-only enforcement.

A screen lists the actions that change anything on the server in `MUTATING_ACTIONS`. In
read-only mode those bindings are hidden (so `?` and the footer don't offer them) and pressing
their key is refused with a notice instead of silently doing nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from textual import events
from textual.screen import Screen

if TYPE_CHECKING:
    from drover.tui.app import DroverApp


class DroverScreen(Screen[None]):
    """Base screen with read-only handling."""

    MUTATING_ACTIONS: ClassVar[frozenset[str]] = frozenset()
    """Action names (without `action_`) that send anything to the server."""

    @property
    def drover(self) -> DroverApp:
        """The app, typed."""
        return cast("DroverApp", self.app)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide mutating actions in read-only mode."""
        return not (action in self.MUTATING_ACTIONS and self.drover.readonly)

    def on_key(self, event: events.Key) -> None:
        """Refuse a hidden mutating binding's key with a notice (read-only mode)."""
        if not self.drover.readonly:
            return
        for binding in self._bindings.key_to_bindings.get(event.key, ()):
            if binding.action.split("(")[0] in self.MUTATING_ACTIONS:
                event.stop()
                self.drover.refuse_readonly(binding.description or binding.action)
                return
