"""`ThemeFile`: what one user theme file (`themes/*.toml`, see `drover.config.user_themes`)
may say. Its own module so that a start with no theme files never loads pydantic."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = ["ThemeFile"]

_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$")


class ThemeFile(BaseModel):
    """What one theme file may say (Textual's theme fields, colours as `#rrggbb`)."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    """The theme's name in `:theme` (default: the file name)."""
    dark: bool = True
    """A dark theme (Textual derives shades differently for light ones)."""
    primary: str
    """The main colour: cursor, borders, highlights."""
    secondary: str | None = None
    """A second brand colour."""
    accent: str | None = None
    """Contrasting highlights (filters, marks)."""
    warning: str | None = None
    """Warnings."""
    error: str | None = None
    """Errors."""
    success: str | None = None
    """Success."""
    foreground: str | None = None
    """Text."""
    background: str | None = None
    """The screen's background."""
    surface: str | None = None
    """Widgets' background."""
    panel: str | None = None
    """Header lines and panels."""
    variables: dict[str, str] = Field(default_factory=dict)
    """Theme variables: drover's `session-running`, `session-idle`, `session-needs-you`,
    `session-error`, `session-terminated`, or any of Textual's."""

    @field_validator(
        "primary", "secondary", "accent", "warning", "error", "success", "foreground",
        "background", "surface", "panel",
    )  # fmt: skip
    @classmethod
    def _colour(cls, value: str | None) -> str | None:
        if value is not None and not _COLOUR.match(value):
            raise ValueError(f"{value!r} is not a colour like #88C0D0")
        return value
