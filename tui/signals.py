"""`Signal`: Textual's signal, forgetting removed subscribers whenever another one subscribes.

Textual drops a removed node's subscription only when the signal next publishes, and each
subscription's callback holds its node. Offline nothing publishes `mirror_changed`,
`preview_changed` or `connections_changed`, so every session and replay screen ever opened
stayed in memory with its widgets and events (~0.5 MB a screen, without end: P9, issue 13).
Pruning at `subscribe` as well bounds what is kept to the screens still on the stack.
"""

from __future__ import annotations

from typing import TypeVar

from textual.dom import DOMNode
from textual.signal import Signal as TextualSignal
from textual.signal import SignalCallbackType

__all__ = ["Signal"]

T = TypeVar("T")


class Signal(TextualSignal[T]):
    """A signal whose subscribers are dropped once removed, whether or not it publishes."""

    def subscribe(
        self, node: DOMNode, callback: SignalCallbackType[T], immediate: bool = False
    ) -> None:
        """Subscribe `node` (see Textual's `Signal.subscribe`), after forgetting every node
        removed since (the test `publish` applies: not running, not attached, or pruning)."""
        for gone in [n for n in self._subscriptions if not _live(n)]:
            self._subscriptions.pop(gone, None)
        super().subscribe(node, callback, immediate)


def _live(node: DOMNode) -> bool:
    return node.is_running and node.is_attached and not node._pruning
