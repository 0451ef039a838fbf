"""Finding the API key without ever writing it anywhere.

Lookup order (:func:`resolve_api_key`): an explicit value (``--api-key``) → env
``ANTHROPIC_API_KEY`` → the OS keyring (service ``drover``, username = profile name) → a
:class:`MissingApiKeyError` whose message tells the user what to do. Keyring failures of any
kind (no backend on a headless machine, a locked or crashed Secret Service, D-Bus errors)
are caught: they never surface as tracebacks, only as that one message. The key itself is
never logged, never put in an exception message and never written to a file by drover.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from drover.config.errors import KeyringUnavailableError, MissingApiKeyError
from drover.config.paths import validate_profile_name

if TYPE_CHECKING:  # keyring loads on first use (~30 ms): a key from the environment needs none
    import keyring.backend

__all__ = [
    "API_KEY_ENV",
    "KEYRING_SERVICE",
    "ResolvedKey",
    "delete_key",
    "get_api_key",
    "resolve_api_key",
    "store_key",
]

log = logging.getLogger("drover.config")

KEYRING_SERVICE = "drover"
API_KEY_ENV = "ANTHROPIC_API_KEY"

KeySource = Literal["explicit", "env", "keyring"]


@dataclass(frozen=True, slots=True)
class ResolvedKey:
    """A key and where it came from (for ``drover login --status`` style output).

    The value is hidden from ``repr`` so it cannot leak through logging of this object.
    """

    value: str = field(repr=False)
    source: KeySource


def _backend(backend: keyring.backend.KeyringBackend | None) -> keyring.backend.KeyringBackend:
    if backend is not None:
        return backend
    import keyring

    return keyring.get_keyring()


def _describe(exc: BaseException) -> str:
    # The class name is enough to tell "no backend" from "locked"; messages from D-Bus can
    # be long, and we never want anything secret-adjacent in ours.
    return type(exc).__name__


def resolve_api_key(
    profile: str = "default",
    explicit: str | None = None,
    *,
    env: Mapping[str, str] | None = None,
    backend: keyring.backend.KeyringBackend | None = None,
) -> ResolvedKey:
    """Find the API key for ``profile``.

    Args:
        profile: profile name (the keyring username).
        explicit: a key given on the command line.
        env: environment to consult (default ``os.environ``).
        backend: keyring backend to use (default: keyring's configured one).

    Raises:
        MissingApiKeyError: no key anywhere; the message says how to fix it.
    """
    if explicit and explicit.strip():
        return ResolvedKey(explicit.strip(), "explicit")
    from_env = (os.environ if env is None else env).get(API_KEY_ENV, "").strip()
    if from_env:
        return ResolvedKey(from_env, "env")
    validate_profile_name(profile)
    note = ""
    try:
        stored = _backend(backend).get_password(KEYRING_SERVICE, profile)
    except Exception as exc:  # any keyring/D-Bus failure means "no key from the keyring"
        log.debug("keyring lookup failed for profile %r: %s", profile, _describe(exc))
        stored, note = None, f" (the OS keyring is unavailable: {_describe(exc)})"
    if stored and stored.strip():
        return ResolvedKey(stored.strip(), "keyring")
    raise MissingApiKeyError(
        f"no API key for profile {profile!r}: run `drover login --profile {profile}` "
        f"or set {API_KEY_ENV}{note}"
    )


def get_api_key(
    profile: str = "default",
    explicit: str | None = None,
    *,
    env: Mapping[str, str] | None = None,
    backend: keyring.backend.KeyringBackend | None = None,
) -> str:
    """The key value only; see :func:`resolve_api_key`."""
    return resolve_api_key(profile, explicit, env=env, backend=backend).value


def store_key(
    profile: str,
    key: str,
    *,
    backend: keyring.backend.KeyringBackend | None = None,
) -> None:
    """Save ``key`` in the OS keyring for ``profile`` (for ``drover login``).

    Raises:
        ValueError: the key is empty.
        KeyringUnavailableError: the keyring cannot store it; the message suggests the
            environment variable instead.
    """
    validate_profile_name(profile)
    key = key.strip()
    if not key:
        raise ValueError("the API key is empty")
    try:
        _backend(backend).set_password(KEYRING_SERVICE, profile, key)
    except Exception as exc:
        raise KeyringUnavailableError(
            f"cannot save the API key for profile {profile!r} in the OS keyring "
            f"({_describe(exc)}); set {API_KEY_ENV} instead"
        ) from None


def delete_key(
    profile: str,
    *,
    backend: keyring.backend.KeyringBackend | None = None,
) -> bool:
    """Remove the stored key of ``profile``. Returns False if there was none.

    Raises:
        KeyringUnavailableError: the keyring cannot be reached.
    """
    validate_profile_name(profile)
    kr = _backend(backend)
    try:
        kr.delete_password(KEYRING_SERVICE, profile)
    except _password_delete_error():
        return False
    except Exception as exc:
        raise KeyringUnavailableError(
            f"cannot delete the API key for profile {profile!r} from the OS keyring "
            f"({_describe(exc)})"
        ) from None
    return True


def _password_delete_error() -> type[Exception]:
    import keyring.errors

    return keyring.errors.PasswordDeleteError
