"""Where drover keeps its files: the one module every other part asks.

Precedence for each path: an explicit argument (the CLI passes its flags) → an environment
variable (``DROVER_CONFIG`` for the config *file*, ``DROVER_DATA_DIR`` for the data *dir*) →
the platform default from platformdirs (``user_config_dir("drover")/config.toml`` and
``user_data_dir("drover")``). Tests redirect everything with the env vars or arguments.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

from drover.config.errors import InvalidProfileName

__all__ = [
    "APP_NAME",
    "CONFIG_ENV",
    "DATA_DIR_ENV",
    "InvalidProfileName",
    "config_file",
    "data_dir",
    "mirror_path",
    "validate_profile_name",
]

APP_NAME = "drover"
CONFIG_ENV = "DROVER_CONFIG"
DATA_DIR_ENV = "DROVER_DATA_DIR"

# Profile names become directory names and keyring usernames: keep them boring.
_PROFILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def validate_profile_name(name: str) -> str:
    """Return ``name`` if it is a valid profile name, else raise InvalidProfileName.

    Valid: 1–64 characters of letters, digits, ``_``, ``.``, ``-``, starting with a letter
    or digit (so never ``..`` or a path).
    """
    if not _PROFILE_NAME.match(name) or name.endswith("."):
        raise InvalidProfileName(
            f"invalid profile name {name!r}: use letters, digits, '_', '.', '-' "
            "(at most 64, starting with a letter or digit)"
        )
    return name


def _env(env: Mapping[str, str] | None, key: str) -> str | None:
    value = (os.environ if env is None else env).get(key)
    return value or None


def _first_of(*candidates: str | os.PathLike[str] | None) -> Path | None:
    """The first path given (flag before environment), with ``~`` expanded."""
    for candidate in candidates:
        if candidate:
            return Path(candidate).expanduser()
    return None


def config_file(
    explicit: str | os.PathLike[str] | None = None,
    *,
    env: Mapping[str, str] | None = None,
) -> Path:
    """Path of the TOML config file (it need not exist).

    Args:
        explicit: a path given on the command line; wins over everything.
        env: environment to consult (default ``os.environ``).
    """
    found = _first_of(explicit, _env(env, CONFIG_ENV))
    if found is not None:
        return found
    import platformdirs  # only when no flag or variable names the file

    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "config.toml"


def data_dir(
    explicit: str | os.PathLike[str] | None = None,
    *,
    env: Mapping[str, str] | None = None,
) -> Path:
    """Directory holding the per-profile mirrors (it need not exist).

    Args:
        explicit: a directory given on the command line; wins over everything.
        env: environment to consult (default ``os.environ``).
    """
    found = _first_of(explicit, _env(env, DATA_DIR_ENV))
    if found is not None:
        return found
    import platformdirs  # only when no flag or variable names the folder

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def mirror_path(
    profile: str,
    data: str | os.PathLike[str] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    create: bool = False,
) -> Path:
    """``<data_dir>/<profile>/mirror.db``.

    Args:
        profile: the profile name (validated; it becomes a directory name).
        data: explicit data dir (else :func:`data_dir` precedence applies).
        env: environment to consult.
        create: make the profile directory (mode 0700) if missing.
    """
    folder = data_dir(data, env=env) / validate_profile_name(profile)
    if create:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder / "mirror.db"
