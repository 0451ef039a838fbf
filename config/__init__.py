"""Profiles, paths and credentials: where drover keeps its config and mirror, and how it finds
an API key (flag/env, then the OS keyring) without ever writing one to disk.

The names below are imported on first use (PEP 562), so importing one light module of the
package (say `drover.config.paths`) does not load the rest (`drover ls` and the TUI's first
paint must not pay for what they do not use).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from drover.config.budgets import BudgetCaps as BudgetCaps
    from drover.config.budgets import Budgets as Budgets
    from drover.config.credentials import API_KEY_ENV as API_KEY_ENV
    from drover.config.credentials import KEYRING_SERVICE as KEYRING_SERVICE
    from drover.config.credentials import ResolvedKey as ResolvedKey
    from drover.config.credentials import delete_key as delete_key
    from drover.config.credentials import get_api_key as get_api_key
    from drover.config.credentials import resolve_api_key as resolve_api_key
    from drover.config.credentials import store_key as store_key
    from drover.config.errors import ConfigError as ConfigError
    from drover.config.errors import CredentialError as CredentialError
    from drover.config.errors import InvalidProfileName as InvalidProfileName
    from drover.config.errors import KeyringUnavailableError as KeyringUnavailableError
    from drover.config.errors import MissingApiKeyError as MissingApiKeyError
    from drover.config.paths import config_file as config_file
    from drover.config.paths import data_dir as data_dir
    from drover.config.paths import mirror_path as mirror_path
    from drover.config.paths import validate_profile_name as validate_profile_name
    from drover.config.settings import BASE_URL_ENV as BASE_URL_ENV
    from drover.config.settings import DEFAULT_BASE_URL as DEFAULT_BASE_URL
    from drover.config.settings import Config as Config
    from drover.config.settings import Profile as Profile
    from drover.config.settings import ResolvedProfile as ResolvedProfile
    from drover.config.settings import check_store as check_store
    from drover.config.settings import load_config as load_config
    from drover.config.settings import save_config as save_config

_EXPORTS = {
    "BudgetCaps": "drover.config.budgets",
    "Budgets": "drover.config.budgets",
    "API_KEY_ENV": "drover.config.credentials",
    "KEYRING_SERVICE": "drover.config.credentials",
    "ResolvedKey": "drover.config.credentials",
    "delete_key": "drover.config.credentials",
    "get_api_key": "drover.config.credentials",
    "resolve_api_key": "drover.config.credentials",
    "store_key": "drover.config.credentials",
    "ConfigError": "drover.config.errors",
    "CredentialError": "drover.config.errors",
    "InvalidProfileName": "drover.config.errors",
    "KeyringUnavailableError": "drover.config.errors",
    "MissingApiKeyError": "drover.config.errors",
    "config_file": "drover.config.paths",
    "data_dir": "drover.config.paths",
    "mirror_path": "drover.config.paths",
    "validate_profile_name": "drover.config.paths",
    "BASE_URL_ENV": "drover.config.settings",
    "DEFAULT_BASE_URL": "drover.config.settings",
    "Config": "drover.config.settings",
    "Profile": "drover.config.settings",
    "ResolvedProfile": "drover.config.settings",
    "check_store": "drover.config.settings",
    "load_config": "drover.config.settings",
    "save_config": "drover.config.settings",
}

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


def __getattr__(name: str) -> Any:
    """Import the module that defines `name` on first use (PEP 562)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
