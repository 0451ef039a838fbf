"""Profiles, paths and credentials: where drover keeps its config and mirror, and how it finds
an API key (flag/env, then the OS keyring) without ever writing one to disk.

The names below are imported on first use (`drover.lazy`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from drover.lazy import lazy_exports

if TYPE_CHECKING:
    from drover.config.budgets import BudgetCaps, Budgets
    from drover.config.credentials import (
        API_KEY_ENV,
        KEYRING_SERVICE,
        ResolvedKey,
        delete_key,
        get_api_key,
        resolve_api_key,
        store_key,
    )
    from drover.config.errors import (
        ConfigError,
        CredentialError,
        InvalidProfileName,
        KeyringUnavailableError,
        MissingApiKeyError,
    )
    from drover.config.paths import config_file, data_dir, mirror_path, validate_profile_name
    from drover.config.settings import (
        BASE_URL_ENV,
        DEFAULT_BASE_URL,
        Config,
        Profile,
        ResolvedProfile,
        check_store,
        load_config,
        save_config,
    )

_EXPORTS = {
    "drover.config.budgets": ("BudgetCaps", "Budgets"),
    "drover.config.credentials": (
        "API_KEY_ENV",
        "KEYRING_SERVICE",
        "ResolvedKey",
        "delete_key",
        "get_api_key",
        "resolve_api_key",
        "store_key",
    ),
    "drover.config.errors": (
        "ConfigError",
        "CredentialError",
        "InvalidProfileName",
        "KeyringUnavailableError",
        "MissingApiKeyError",
    ),
    "drover.config.paths": ("config_file", "data_dir", "mirror_path", "validate_profile_name"),
    "drover.config.settings": (
        "BASE_URL_ENV",
        "DEFAULT_BASE_URL",
        "Config",
        "Profile",
        "ResolvedProfile",
        "check_store",
        "load_config",
        "save_config",
    ),
}
"""Each module and the names it defines that the package re-exports."""

__all__ = [
    "API_KEY_ENV",
    "BASE_URL_ENV",
    "DEFAULT_BASE_URL",
    "KEYRING_SERVICE",
    "BudgetCaps",
    "Budgets",
    "Config",
    "ConfigError",
    "CredentialError",
    "InvalidProfileName",
    "KeyringUnavailableError",
    "MissingApiKeyError",
    "Profile",
    "ResolvedKey",
    "ResolvedProfile",
    "check_store",
    "config_file",
    "data_dir",
    "delete_key",
    "get_api_key",
    "load_config",
    "mirror_path",
    "resolve_api_key",
    "save_config",
    "store_key",
    "validate_profile_name",
]


__getattr__ = lazy_exports(__name__, _EXPORTS)
