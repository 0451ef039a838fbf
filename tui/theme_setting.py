"""Read and persist the chosen theme in drover's config file (`theme = "…"`)."""

from __future__ import annotations

from pathlib import Path

from drover.config.settings import ConfigError, load_config, save_config


def load_theme(config_path: Path | None) -> str | None:
    """The saved theme name, or None when the config has none or cannot be read."""
    try:
        return load_config(config_path).theme
    except ConfigError:
        return None


def save_theme(name: str, config_path: Path | None) -> None:
    """Persist `name` as the theme, leaving the rest of the config untouched.

    Raises:
        ConfigError: the existing config file is invalid (it is then not overwritten).
        OSError: the file could not be written.
    """
    config = load_config(config_path)
    if config.theme != name:
        config.theme = name
        save_config(config, config_path)
