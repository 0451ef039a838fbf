"""`ProfileEngines`: the one way from a profile name to a client, a rate budget and an engine.

Every entry point builds through it: the CLI commands, the TUI, `drover demo` and `:profile`
switching. Given a profile name it reads that profile from the config and its key from the OS
keyring; the start profile alone also takes the command line's and the environment's overrides
(`Overrides`). Before an engine may write into a mirror, the mirror is bound to the engine's
account (endpoint + workspace): a mirror holding another account refuses
(`drover.store.account.MirrorAccountError`), so two accounts can never mix in one file.

On a shared mirror (PostgreSQL) only the processes that follow the fleet — `drover hub`, and
`drover sync` — get a `SyncEngine` (they take turns through a database lock, team-wide). Every
other drover there is a viewer (`drover.sync.viewer.ViewerEngine`): it needs no key, sends no
API request, and its actions wait in the shared outbox for the hub.

Typical use::

    engines = ProfileEngines(load_config(), data_dir(), overrides=Overrides.from_command_line())
    engine = await engines.open_engine()          # the start profile, on its own mirror
    await engine.run_until_idle()
    await engine.stop()
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from drover.api.client import ManagedAgentsClient
from drover.api.rate_budget import RateBudget
from drover.config import Config, MissingApiKeyError, Profile, ResolvedKey, resolve_api_key
from drover.config.paths import mirror_path
from drover.store.location import is_postgres
from drover.store.mirror import Mirror
from drover.store.writer import ChangeCallback
from drover.sync.account import Account, Overrides
from drover.sync.engine import STREAM_HEADROOM, SyncEngine
from drover.sync.follow_lock import FOLLOW_LOCK_FILE, FollowLock, FollowRight
from drover.sync.shared_lock import SharedFollowLock
from drover.sync.viewer import ViewerEngine

__all__ = ["DEFAULT_MAX_FOLLOWERS", "FOLLOWER_ROLES", "ProfileEngines"]

DEFAULT_MAX_FOLLOWERS = 500
"""Sessions followed at once (the P1 target); the stream pool is sized from it."""
FOLLOWER_ROLES = frozenset({"drover hub", "drover sync"})
"""The roles that follow a shared mirror's fleet with the API; every other one is a viewer."""
DISPLAY_NAME_ENV = "DROVER_DISPLAY_NAME"
"""Overrides a profile's `display_name` (the name actions are recorded under)."""
RATE_WINDOW_FILE = "rate-window"
"""The shared sliding windows' files in a profile's folder (``rate-window.read``, ``.create``)."""


class ProfileEngines:
    """Builds the clients and engines of a config's profiles.

    Args:
        config: the loaded config (profiles, limits).
        data_dir: where mirrors live.
        start: the profile drover starts on (default: the config's `default_profile`).
        overrides: what replaces the start profile's endpoint and key (flags, environment).
        keyring_backend: the OS keyring to read keys from (default: keyring's own choice).
        on_key: called with every key resolved (the CLI registers them for log redaction).
    """

    def __init__(
        self,
        config: Config,
        data_dir: Path,
        *,
        start: str | None = None,
        overrides: Overrides | None = None,
        keyring_backend: Any = None,
        on_key: Callable[[str], None] | None = None,
    ) -> None:
        self.config = config
        self.data_dir = data_dir
        self.start = start or config.default_profile
        self.overrides = overrides or Overrides()
        self._keyring = keyring_backend
        self._on_key = on_key

    @classmethod
    def endpoint(
        cls, base_url: str, api_key: str, data_dir: Path, *, name: str = "default", **profile: Any
    ) -> ProfileEngines:
        """One profile on `base_url` with `api_key` (scripts, tests, benchmarks).

        Args:
            base_url: the API root (e.g. a sim's).
            api_key: its key.
            data_dir: where the mirror lives.
            name: the profile's name.
            **profile: further `drover.config.Profile` fields (`read_per_minute`, …).
        """
        config = Config(
            default_profile=name, profiles={name: Profile(base_url=base_url, **profile)}
        )
        return cls(config, data_dir, overrides=Overrides(api_key=api_key))

    # -- resolving ----------------------------------------------------------------------------

    def account(self, name: str | None = None) -> Account:
        """Resolve a profile: endpoint, workspace, limits and key (None when there is none).

        Raises:
            ConfigError: the profile is not defined, or the config is invalid.
            InvalidProfileName: the name cannot be a profile's.
        """
        name = name or self.start
        overrides = self.overrides if name == self.start else Overrides()
        profile = self.config.resolve(name, base_url=overrides.base_url)
        key: ResolvedKey | None = None
        problem: str | None = None
        if overrides.api_key:
            key = ResolvedKey(overrides.api_key, overrides.key_source)
        else:
            try:  # the keyring only: the environment's key belongs to the start profile
                key = resolve_api_key(name, env={}, backend=self._keyring)
            except MissingApiKeyError as exc:
                problem = str(exc)
        if key is not None and self._on_key is not None:
            self._on_key(key.value)
        return Account(profile, key, problem, overrides.names)

    def display_name(self, name: str | None = None) -> str | None:
        """The name a profile's actions are recorded under (`DROVER_DISPLAY_NAME`, else the
        profile's `display_name`), or None."""
        given = os.environ.get(DISPLAY_NAME_ENV, "").strip()
        if given:
            return given[:80]
        profile = self.config.profiles.get(name or self.start)
        return profile.display_name if profile is not None else None

    def viewer(
        self, name: str | None, mirror: Mirror, *, owns_mirror: bool = False
    ) -> ViewerEngine:
        """The engine of a viewer of a shared mirror: no key, no API (see the module docstring)."""
        return ViewerEngine(
            mirror.writer,
            mirror.reader,
            actor_name=self.display_name(name),
            owned=(mirror,) if owns_mirror else (),
        )

    def mirror_path(self, name: str | None = None, *, create: bool = False) -> Path:
        """A profile's mirror file (`create`: make its folder, mode 0700)."""
        return mirror_path(name or self.start, self.data_dir, create=create)

    def mirror_location(self, name: str | None = None, *, create: bool = False) -> str | Path:
        """Where a profile's mirror lives: its `store` (a shared PostgreSQL mirror; `--store`
        replaces the start profile's), else its file (`mirror_path`).
        """
        name = name or self.start
        store = self.overrides.store if name == self.start else None
        return store or self.config.mirror_location(name, self.data_dir, create=create)

    # -- building -----------------------------------------------------------------------------

    def client(
        self, account: Account, *, max_followers: int = DEFAULT_MAX_FOLLOWERS, **options: Any
    ) -> ManagedAgentsClient:
        """A client for the account, under a rate budget made from its profile's limits.

        The budget's sliding windows live in the profile's folder beside its mirror, so every
        drover process on the profile (the TUI, `drover sync`, each `drover send`, their start-up
        probes) draws from one budget.

        Raises:
            MissingApiKeyError: the account has no key.
        """
        profile = account.profile
        if "rate_budget" not in options:
            shared = self.mirror_path(account.name, create=True).with_name(RATE_WINDOW_FILE)
            options["rate_budget"] = RateBudget(
                profile.create_per_minute,
                profile.read_per_minute,
                create_burst=profile.create_burst,
                shared_path=shared,
            )
        options.setdefault("max_streams", max_followers + STREAM_HEADROOM)
        return ManagedAgentsClient(
            profile.base_url,
            account.require_key().value,
            workspace_id=profile.workspace_id,
            **options,
        )

    async def engine(
        self,
        name: str | None,
        mirror: Mirror,
        *,
        owns_mirror: bool = False,
        max_followers: int = DEFAULT_MAX_FOLLOWERS,
        client_options: dict[str, Any] | None = None,
        **options: Any,
    ) -> SyncEngine | ViewerEngine:
        """The engine of profile `name` over `mirror`, once the mirror is bound to its account;
        on a shared mirror, a viewer's unless `options["role"]` follows (`FOLLOWER_ROLES`).

        Args:
            name: the profile (None: the start profile).
            mirror: the profile's mirror (opened by the caller).
            owns_mirror: the engine closes the mirror when it stops.
            max_followers: cap on sessions followed at once.
            client_options: further `ManagedAgentsClient` arguments.
            **options: further `SyncEngine` arguments (`on_preview`, `board`, `auto_follow`, …).

        Raises:
            MissingApiKeyError: the profile has no key.
            MirrorAccountError: the mirror holds another account's sessions.
        """
        if mirror.shared and options.get("role") not in FOLLOWER_ROLES:
            return self.viewer(name, mirror, owns_mirror=owns_mirror)
        return await self._engine(
            self.account(name), mirror, owns_mirror, max_followers, client_options, options
        )

    async def _engine(
        self,
        account: Account,
        mirror: Mirror,
        owns_mirror: bool,
        max_followers: int,
        client_options: dict[str, Any] | None,
        options: dict[str, Any],
    ) -> SyncEngine:
        account.require_key()
        await mirror.writer.bind_account(account.binding)
        client = self.client(account, max_followers=max_followers, **(client_options or {}))
        owned: tuple[Any, ...] = (client, mirror) if owns_mirror else (client,)
        # Beside the mirror's file; a shared mirror's followers take turns team-wide, through
        # a lock in the database (the hub holds it).
        lock: FollowRight
        if mirror.folder is None:
            lock = SharedFollowLock(mirror.follow_lock(), mirror.reader)
        else:
            lock = FollowLock(mirror.folder / FOLLOW_LOCK_FILE)
        options.setdefault("follow_lock", lock)
        # A launch's lock is per machine: beside the mirror's file, or in the profile's folder.
        folder = mirror.folder or self.mirror_path(account.name, create=True).parent
        options.setdefault("launch_folder", folder)
        options.setdefault("rules", self.config.rules_for(account.name))  # its own only
        return SyncEngine(
            client,
            mirror.writer,
            mirror.reader,
            account=account,
            max_followers=max_followers,
            owned=owned,
            **options,
        )

    async def open_engine(
        self,
        name: str | None = None,
        *,
        on_change: ChangeCallback | None = None,
        **options: Any,
    ) -> SyncEngine | ViewerEngine:
        """An engine on its own mirror of profile `name` (closed when the engine stops); on a
        shared mirror, a viewer's (no key needed) unless `options["role"]` follows.

        Raises:
            MissingApiKeyError: the profile has no key.
            MirrorAccountError: the mirror holds another account's sessions.
        """
        location = self.mirror_location(name)
        if is_postgres(location) and options.get("role") not in FOLLOWER_ROLES:
            shared = Mirror.open(location, on_change=on_change)
            return self.viewer(name, shared, owns_mirror=True)
        account = self.account(name)
        account.require_key()  # fail before touching the disk
        mirror = Mirror.open(self.mirror_location(account.name, create=True), on_change=on_change)
        max_followers = options.pop("max_followers", DEFAULT_MAX_FOLLOWERS)
        client_options = options.pop("client_options", None)
        try:
            return await self._engine(account, mirror, True, max_followers, client_options, options)
        except BaseException:
            mirror.close()
            raise
