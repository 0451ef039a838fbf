"""Which wire items are storable events, and why the others are not.

One rule for history pages and stream frames alike, so a bad item is judged the same way
wherever it arrives. A storable event is a JSON object with a non-empty string ``type``,
nested at most :data:`MAX_EVENT_DEPTH` levels. The depth cap exists because a prompt-injected
tool input can be a couple of kilobytes of brackets: ``json`` raises ``RecursionError`` near a
thousand levels, and everything downstream (text extraction, re-encoding, rendering) walks
events recursively. Real events are a handful of levels deep; tool inputs rarely pass twenty.
"""

from __future__ import annotations

__all__ = ["MAX_EVENT_DEPTH", "json_kind", "screen_event"]

MAX_EVENT_DEPTH = 100


def json_kind(value: object) -> str:
    """The JSON name of a decoded value's kind (for messages)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object" if isinstance(value, dict) else type(value).__name__


def _too_deep(value: object, limit: int) -> bool:
    """Whether `value` nests containers more than `limit` levels (iterative: no recursion)."""
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(node, dict):
            children: list[object] = list(node.values())
        elif isinstance(node, list):
            children = node
        else:
            continue
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def screen_event(item: object, *, max_depth: int = MAX_EVENT_DEPTH) -> str | None:
    """Why `item` cannot be stored as an event, or None when it can.

    Args:
        item: one decoded element of a history page's ``data`` or a stream frame's payload.
        max_depth: the deepest container nesting accepted.
    """
    if not isinstance(item, dict):
        return f"not a JSON object ({json_kind(item)})"
    if "type" not in item:
        return "no `type`"
    etype = item["type"]
    if not isinstance(etype, str):
        return f"`type` is not a string ({json_kind(etype)})"
    if not etype:
        return "empty `type`"
    if _too_deep(item, max_depth):
        return f"nested deeper than {max_depth} levels"
    return None
