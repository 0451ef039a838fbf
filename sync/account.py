"""A profile resolved into everything a client needs, and what may override it.

`ANTHROPIC_BASE_URL`, `ANTHROPIC_API_KEY`, `--base-url` and `--api-key` describe one account:
the one drover starts on. They never leak into another profile opened later (`:profile`), which
is read from the config and the keyring alone.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from drover.config import API_KEY_ENV, BASE_URL_ENV, MissingApiKeyError, ResolvedKey
from drover.config.credentials import KeySource
from drover.config.settings import ResolvedProfile
from drover.store.account import AccountBinding

__all__ = ["Account", "Overrides"]


@dataclass(frozen=True, slots=True)
class Overrides:
    """Values that replace the start profile's own endpoint and key.

    Attributes:
        base_url: the API root to use instead of the profile's.
        api_key: the key to use instead of the keyring's (never shown, never stored).
        key_source: where `api_key` came from, for error hints.
        names: how the header names what overrode the profile (`ANTHROPIC_BASE_URL`, …).
        store: the mirror's location to use instead of the profile's (`--store`).
    """

    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    key_source: KeySource = "explicit"
    names: tuple[str, ...] = ()
    store: str | None = None

    @classmethod
    def from_command_line(
        cls,
        base_url: str | None = None,
        api_key: str | None = None,
        env: Mapping[str, str] | None = None,
        store: str | None = None,
    ) -> Overrides:
        """Flags first, then the environment (`ANTHROPIC_BASE_URL`, `ANTHROPIC_API_KEY`)."""
        environ = os.environ if env is None else env
        names: list[str] = []
        url = base_url or environ.get(BASE_URL_ENV) or None
        if url:
            names.append("--base-url" if base_url else BASE_URL_ENV)
        key = (api_key or "").strip() or None
        source: KeySource = "explicit"
        if key is None and environ.get(API_KEY_ENV, "").strip():
            key, source = environ[API_KEY_ENV].strip(), "env"
        if key:
            names.append("--api-key" if source == "explicit" else API_KEY_ENV)
        return cls(url, key, source, tuple(names), store)


@dataclass(frozen=True, slots=True)
class Account:
    """One profile, resolved: endpoint, workspace, limits and key.

    Attributes:
        profile: the profile with every default and override applied.
        key: the API key and its source, or None when none was found.
        key_problem: why there is no key (a complete sentence saying what to do).
        overrides: what replaced the profile's own settings (empty for a profile as configured).
    """

    profile: ResolvedProfile
    key: ResolvedKey | None = field(repr=False)
    key_problem: str | None = None
    overrides: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """The profile name."""
        return self.profile.name

    @property
    def binding(self) -> AccountBinding:
        """What a mirror records as its account."""
        return AccountBinding.of(self.profile.base_url, self.profile.workspace_id)

    def require_key(self) -> ResolvedKey:
        """The key.

        Raises:
            MissingApiKeyError: there is none; the message says how to add one.
        """
        if self.key is None:
            raise MissingApiKeyError(self.key_problem or f"no API key for profile {self.name!r}")
        return self.key
