"""Theme files of your own: ``themes/*.toml`` beside ``config.toml``.

One theme per file; every colour is optional except ``primary``, and ``[variables]`` sets
drover's session colours (and any Textual theme variable)::

    # ~/.config/drover/themes/nord.toml
    name = "nord"                      # default: the file name without .toml
    dark = true
    primary = "#88C0D0"
    accent = "#EBCB8B"
    background = "#2E3440"
    foreground = "#D8DEE9"

    [variables]
    session-needs-you = "#EBCB8B"
    session-error = "#BF616A"

This module only reads and checks the files (no Textual here); the TUI turns each
:class:`ThemeSpec` into a Textual theme and lists it with drover's own in `:theme`.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from drover.config.paths import config_file

__all__ = ["THEMES_DIR", "ThemeFile", "ThemeSpec", "load_user_themes", "themes_dir"]

THEMES_DIR = "themes"
"""The folder, beside the config file, that holds theme files."""

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


@dataclass(frozen=True, slots=True)
class ThemeSpec:
    """A checked theme file: its name and the keyword arguments of a Textual `Theme`."""

    name: str
    path: Path
    fields: dict[str, object] = field(default_factory=dict)


def themes_dir(config_path: str | os.PathLike[str] | None = None) -> Path:
    """The folder of theme files for the config file at `config_path`."""
    return config_file(config_path).parent / THEMES_DIR


def load_user_themes(
    config_path: str | os.PathLike[str] | None = None,
) -> tuple[list[ThemeSpec], list[str]]:
    """Read every ``themes/*.toml`` beside the config file.

    Returns:
        The valid themes (sorted by file name) and one message per file that was skipped
        (naming the file and what is wrong with it).
    """
    folder = themes_dir(config_path)
    specs: list[ThemeSpec] = []
    problems: list[str] = []
    if not folder.is_dir():
        return specs, problems
    for path in sorted(folder.glob("*.toml")):
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
            theme = ThemeFile.model_validate(data)
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            problems.append(f"theme file {path.name}: {exc}")
            continue
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first.get("loc", ())) or "(top level)"
            problems.append(f"theme file {path.name}: {where}: {first.get('msg')}")
            continue
        name = theme.name or path.stem
        fields = theme.model_dump(exclude_none=True, exclude={"name"})
        specs.append(ThemeSpec(name, path, fields))
    return specs, problems
