"""Edit ``config.toml`` in place: change the keys asked for and keep every other byte.

drover writes its config in three places (the theme when you switch it, a profile on
``drover login``, a rule made from a row with `Y`). All go through :func:`update_config`,
which parses the file with tomlkit (a style-preserving TOML library), sets or removes exactly
the keys given, validates the result against :class:`drover.config.settings.Config` and
replaces the file atomically. Comments,
blank lines, key order, number formats (``1200`` stays ``1200``) and tables nobody touched
stay as they were; no default is ever written in.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, MutableMapping
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.exceptions import TOMLKitError

from drover.config.errors import ConfigError
from drover.config.paths import config_file
from drover.config.settings import validate_text

__all__ = ["REMOVE", "ConfigKey", "remove_rule", "save_rule", "save_theme", "update_config"]

ConfigKey = tuple[str, ...]
"""A key's path from the top of the file: ``("theme",)``, ``("profiles", "work", "base_url")``."""


class _Remove:
    def __repr__(self) -> str:
        return "REMOVE"


REMOVE: Any = _Remove()
"""Pass as a value to delete that key (a table left empty by it stays, as written)."""


def update_config(
    changes: Mapping[ConfigKey, Any], path: str | os.PathLike[str] | None = None
) -> Path:
    """Set (or remove) some keys of the config file, leaving everything else byte for byte.

    Args:
        changes: key path → new value (a str, number, bool, or a dict for a new table;
            ``{}`` creates an empty table when missing and leaves an existing one alone;
            :data:`REMOVE` deletes the key).
        path: the config file (see :func:`drover.config.paths.config_file`); created when
            missing, with only the keys given.

    Returns:
        The path of the config file.

    Raises:
        ConfigError: the existing file is not valid TOML, or the result would not be a valid
            config (the file is then left untouched).
        OSError: the file could not be written.
    """
    file = config_file(path)
    try:
        before = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        before = ""
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file {file}: {exc}") from None
    try:
        document = tomlkit.parse(before)
    except TOMLKitError as exc:
        validate_text(file, before)  # raises the message load_config would give
        raise ConfigError(f"invalid config file {file}: {exc}") from None
    # New tables go at the end of the file: tomlkit would slot `[profiles.new]` in after the
    # last `[profiles.*]`, under any comment that introduced the table after it.
    appendix = tomlkit.document()
    for key, value in changes.items():
        tables = key if isinstance(value, Mapping) else key[:-1]
        _apply(document if _tables_exist(document, tables) else appendix, key, value)
    after = tomlkit.dumps(document)
    if appendix:
        separator = "" if not after.strip() else "\n" if after.endswith("\n") else "\n\n"
        after = (after if after.strip() else "") + separator + tomlkit.dumps(appendix)
    if after == before and file.exists():
        return file
    validate_text(file, after)  # an edit that would make the config invalid is not written
    _write_atomically(file, after)
    return file


def save_theme(name: str, path: str | os.PathLike[str] | None = None) -> None:
    """Persist `name` as the theme; nothing else in the file changes.

    Raises:
        ConfigError: the existing config file is invalid (it is then not overwritten).
        OSError: the file could not be written.
    """
    update_config({("theme",): name}, path)


def _tables_exist(document: tomlkit.TOMLDocument, tables: ConfigKey) -> bool:
    node: Any = document
    for part in tables:
        if not isinstance(node, Mapping) or part not in node:
            return False
        node = node[part]
    return True


def _apply(document: tomlkit.TOMLDocument, key: ConfigKey, value: Any) -> None:
    if not key:
        raise ValueError("empty config key")
    node: MutableMapping[str, Any] = document
    for index, part in enumerate(key[:-1]):
        child = node.get(part)
        if child is None:
            if value is REMOVE:
                return
            # `[profiles.work]` without a bare `[profiles]` header above it: a table is a
            # super table unless it is the one that holds the value's key.
            holds_value = index == len(key) - 2 and not isinstance(value, Mapping)
            child = tomlkit.table(is_super_table=not holds_value)
            node[part] = child
        if not isinstance(child, MutableMapping):
            raise ConfigError(f"config key {'.'.join(key[: index + 1])} is not a table")
        node = child
    last = key[-1]
    if value is REMOVE:
        if last in node:
            del node[last]
    elif isinstance(value, Mapping) and not value:
        if last not in node:
            node[last] = tomlkit.table()
    elif last not in node or node[last] != value:
        node[last] = value


def _write_atomically(file: Path, text: str) -> None:
    file.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".config-", suffix=".toml", dir=file.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        if file.exists():
            os.chmod(tmp, file.stat().st_mode & 0o777)
        os.replace(tmp, file)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_rule(
    profile: str, name: str, rule: Mapping[str, Any], path: str | os.PathLike[str] | None = None
) -> Path:
    """Add (or replace) the rule `name` of `profile`: `[profiles.PROFILE.rules.NAME]`.

    Args:
        profile: the profile it belongs to.
        name: the rule's name.
        rule: its fields as `drover.config.rules.Rule` takes them (None values left out).

    Raises:
        ConfigError: the existing file is invalid, or the rule would make it invalid (the file
            is then left untouched).
        OSError: the file could not be written.
    """
    key: ConfigKey = ("profiles", profile, "rules", name)
    update_config({key: REMOVE}, path)
    return update_config({key: {k: v for k, v in rule.items() if v is not None}}, path)


def remove_rule(profile: str, name: str, path: str | os.PathLike[str] | None = None) -> Path:
    """Delete the rule `name` of `profile` (nothing else changes)."""
    return update_config({("profiles", profile, "rules", name): REMOVE}, path)
