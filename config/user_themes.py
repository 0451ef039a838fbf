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
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from drover.config.paths import config_file

__all__ = ["THEMES_DIR", "ThemeSpec", "load_user_themes", "themes_dir"]

THEMES_DIR = "themes"
"""The folder, beside the config file, that holds theme files."""


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
    from drover.config.schema import SchemaError
    from drover.config.theme_file import ThemeFile  # most starts have no theme files to check

    for path in sorted(folder.glob("*.toml")):
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
            theme = ThemeFile.from_data(data)
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            problems.append(f"theme file {path.name}: {exc}")
            continue
        except SchemaError as exc:
            problems.append(f"theme file {path.name}: {exc}")
            continue
        name = theme.name or path.stem
        fields = theme.to_data(exclude_none=True)
        fields.pop("name", None)
        specs.append(ThemeSpec(name, path, fields))
    return specs, problems
