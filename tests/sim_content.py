"""Comparing sim runs by content: ids are unique per run (never seeded), so a reproducible run
is one whose objects match once every id is replaced by the order it first appeared in."""

from __future__ import annotations

import re
from typing import Any

#: An id as the sim issues them: a lowercase prefix, ``_011C`` and base62.
ID = re.compile(r"\b([a-z]+)_011C[0-9A-Za-z]{20}\b")


def canonical_ids(value: Any) -> Any:
    """``value`` with every id replaced by ``<prefix#n>`` (n = order of first appearance)."""
    seen: dict[str, str] = {}

    def name(match: re.Match) -> str:
        return seen.setdefault(match.group(0), f"<{match.group(1)}#{len(seen)}>")

    def walk(item: Any) -> Any:
        if isinstance(item, str):
            return ID.sub(name, item)
        if isinstance(item, list):
            return [walk(v) for v in item]
        if isinstance(item, dict):
            return {walk(k): walk(v) for k, v in item.items()}
        return item

    return walk(value)


def all_ids(value: Any) -> set[str]:
    """Every id anywhere inside ``value``."""
    found: set[str] = set()

    def walk(item: Any) -> None:
        if isinstance(item, str):
            found.update(m.group(0) for m in ID.finditer(item))
        elif isinstance(item, list):
            for v in item:
                walk(v)
        elif isinstance(item, dict):
            for k, v in item.items():
                walk(k)
                walk(v)

    walk(value)
    return found
