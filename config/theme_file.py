"""`ThemeFile`: what one user theme file (`themes/*.toml`, see `drover.config.user_themes`)
may say."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from drover.config.schema import Record, limits

__all__ = ["ThemeFile"]

_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$")


def _colour(value: str) -> str:
    if not _COLOUR.match(value):
        raise ValueError(f"{value!r} is not a colour like #88C0D0")
    return value


_A_COLOUR = limits(then=_colour)
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def _name(value: str) -> str:
    if not _NAME.fullmatch(value):
        raise ValueError(
            "letters, digits, '.', '_' and '-' (at most 64, starting with a letter or digit)"
        )
    return value


@dataclass(kw_only=True)
class ThemeFile(Record):
    """What one theme file may say (Textual's theme fields, colours as `#rrggbb`)."""

    name: str | None = field(default=None, metadata=limits(then=_name))
    """The theme's name in `:theme` (default: the file name)."""
    dark: bool = True
    """A dark theme (Textual derives shades differently for light ones)."""
    primary: str = field(metadata=_A_COLOUR)
    """The main colour: cursor, borders, highlights."""
    secondary: str | None = field(default=None, metadata=_A_COLOUR)
    """A second brand colour."""
    accent: str | None = field(default=None, metadata=_A_COLOUR)
    """Contrasting highlights (filters, marks)."""
    warning: str | None = field(default=None, metadata=_A_COLOUR)
    """Warnings."""
    error: str | None = field(default=None, metadata=_A_COLOUR)
    """Errors."""
    success: str | None = field(default=None, metadata=_A_COLOUR)
    """Success."""
    foreground: str | None = field(default=None, metadata=_A_COLOUR)
    """Text."""
    background: str | None = field(default=None, metadata=_A_COLOUR)
    """The screen's background."""
    surface: str | None = field(default=None, metadata=_A_COLOUR)
    """Widgets' background."""
    panel: str | None = field(default=None, metadata=_A_COLOUR)
    """Header lines and panels."""
    variables: dict[str, str] = field(default_factory=dict)
    """Theme variables: drover's `session-running`, `session-idle`, `session-needs-you`,
    `session-error`, `session-terminated`, or any of Textual's."""
