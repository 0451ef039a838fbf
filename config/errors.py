"""Errors of drover.config. Each carries a complete, user-facing message (no traceback
needed): the CLI prints ``str(error)`` and exits non-zero."""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "CredentialError",
    "InvalidProfileName",
    "KeyringUnavailableError",
    "MissingApiKeyError",
]


class ConfigError(Exception):
    """The config file (or a profile named on the command line) cannot be used."""


class InvalidProfileName(ConfigError, ValueError):
    """A profile name that cannot safely be used as a directory or keyring user name."""


class CredentialError(Exception):
    """Base of the key-lookup errors. Messages never contain a key."""


class MissingApiKeyError(CredentialError):
    """No API key from the flag, the environment or the keyring."""


class KeyringUnavailableError(CredentialError):
    """The OS keyring cannot store or delete a key (e.g. a headless machine)."""
