"""`Appearance`: what the user's config changes about the app — themes, keys and aliases.

Read once at start from `config.toml` (`drover.config.settings.Config`) and the theme files
beside it (`drover.config.user_themes`): drover's themes plus the user's are registered, the
`[keys]` table becomes Textual's keymap (every drover binding has an id, `?` lists them), and
`[aliases]` feed the `:` line. A broken config never stops the app: it starts with the
defaults and says what was wrong once it runs.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.binding import Binding
from textual.theme import Theme

from drover.config.errors import ConfigError
from drover.config.paths import config_file
from drover.themes import DEFAULT_THEME, THEMES

if TYPE_CHECKING:
    from textual.app import App

    from drover.config.settings import Config

    _Base = App[None]
else:
    _Base = object


_SCREEN_MODULES = (
    "cost", "deployments", "export_dialog", "grid", "launch_dialog", "launch_progress",
    "launch_record", "launches", "memory", "new_session", "replay", "resource_detail",
    "resources", "rules", "search", "session", "session_picker", "steer_dialogs", "vaults",
    "viewer",
)  # fmt: skip


def known_binding_ids() -> set[str]:
    """Every binding id declared by drover's screens and widgets (what `[keys]` may name)."""
    for name in _SCREEN_MODULES:  # some load on first use; their ids count all the same
        importlib.import_module(f"drover.tui.screens.{name}")
    ids: set[str] = set()
    for module_name, module in list(sys.modules.items()):
        if not module_name.startswith("drover.tui") or module is None:
            continue
        for value in vars(module).values():
            if isinstance(value, type) and value.__module__ == module_name:
                for binding in getattr(value, "BINDINGS", ()):
                    if isinstance(binding, Binding) and binding.id:
                        ids.add(binding.id)
    return ids


class Appearance(_Base):
    """Mixin for `DroverApp`: settings, themes (drover's and the user's), keymap, aliases."""

    config_path: Path | None

    def _load_appearance(self, theme: str | None) -> None:
        """Read the config and theme files; register themes; pick the theme; set the keymap.

        Args:
            theme: a theme forced for this run (`--theme`), not saved.
        """
        self.config_problems: list[str] = []
        """What was wrong with the config or a theme file (told once the app runs)."""
        self._settings: Config | None = None
        # With no config file the defaults are known without loading the config's records
        # (`drover.config.settings`): `settings` reads them when first asked.
        self._has_config = has_config = config_file(self.config_path).exists()
        chosen = self.settings.theme if has_config else None
        keys = dict(self.settings.keys) if has_config else {}
        self.user_theme_names: list[str] = []
        """Themes from the user's theme files, in file order."""
        for drover_theme in THEMES:
            self.register_theme(drover_theme)
        from drover.config.user_themes import load_user_themes

        specs, problems = load_user_themes(self.config_path)
        self.config_problems += problems
        for spec in specs:
            try:
                self.register_theme(Theme(spec.name, **spec.fields))  # type: ignore[arg-type]
            except Exception as exc:  # Textual rejects a colour it cannot parse
                self.config_problems.append(f"theme file {spec.path.name}: {exc}")
                continue
            self.user_theme_names.append(spec.name)
        self._persist_theme = theme is None
        wanted = theme or chosen or DEFAULT_THEME
        if wanted not in self.available_themes:
            self.config_problems.append(f"no theme {wanted!r}; using {DEFAULT_THEME}")
            wanted = DEFAULT_THEME
        self.theme = wanted
        self.set_keymap(keys)

    @property
    def settings(self) -> Config:
        """The config (`config.toml`), read on first use; a broken one gives the defaults
        (and a problem to tell)."""
        if self._settings is None:
            from drover.config.settings import Config, load_config

            try:
                self._settings = load_config(self.config_path)
            except ConfigError as exc:
                self._settings = Config()
                self.config_problems.append(f"{exc} — using the defaults")
        return self._settings

    @settings.setter
    def settings(self, config: Config) -> None:
        """Replace the config read (after drover itself wrote the file: a saved rule)."""
        self._settings = config

    def without_config(self) -> bool:
        """There is no config file and the defaults have not been loaded: what the config
        would give (no caps, no rules) is known without loading its models (start time)."""
        return self._settings is None and not self._has_config

    def tell_config_problems(self) -> None:
        """Say, once the app runs, what in the config could not be used (`[keys]` entries
        naming no binding are told by `check_keys`, after the first paint)."""
        for problem in self.config_problems:
            self.notify(problem, title="config", severity="warning", timeout=15)

    @work(thread=True, exclusive=True, group="config-keys", exit_on_error=False)
    def check_keys(self) -> None:
        """Say which `[keys]` entries name no binding. Checking loads every screen's module
        (~0.3 s of a start with a `[keys]` table, issue 13), so the app asks for it once the
        fleet is on screen, and it runs on a thread."""
        keys = set(self.settings.keys) if self._settings is not None else set()
        unknown = sorted(keys - known_binding_ids()) if keys else []
        if unknown:
            problem = f"[keys] names no binding: {', '.join(unknown)} (`?` lists the ids)"
            self.call_from_thread(
                self.notify, problem, title="config", severity="warning", timeout=15
            )

    def drover_theme_names(self) -> list[str]:
        """drover's own themes, then the user's, for `:theme` and the palette."""
        return [t.name for t in THEMES] + self.user_theme_names

    def set_theme(self, name: str) -> None:
        """Switch theme by name (`:theme NAME` and the palette); saved to the config."""
        if name not in self.available_themes:
            self.notify(f"No theme {name!r}; try {', '.join(self.drover_theme_names())}")
            return
        self._persist_theme = True
        self.theme = name

    def watch_theme(self, name: str) -> None:
        if self.is_running and self._persist_theme:
            self._save_theme(name)

    @work(thread=True, exclusive=True, group="theme", exit_on_error=False)
    def _save_theme(self, name: str) -> None:
        from drover.config.editor import save_theme

        try:
            save_theme(name, self.config_path)
        except Exception as exc:  # a bad config file must not break theme switching
            self.call_from_thread(self.notify, f"Theme not saved: {exc}", severity="warning")

    def budget_caps(self, profile: str | None = None) -> list[tuple[str, str | None, int]]:
        """The user's budget caps in force for `profile` (default: the open one)."""
        if self.without_config():
            return []  # no config file, no caps: the header's first paint loads no models
        return self.settings.budgets_for(profile or getattr(self, "profile", None)).caps()

    def alias(self, name: str) -> str | None:
        """The command line a user alias stands for (`[aliases]` in the config), if any."""
        return self.settings.aliases.get(name)
