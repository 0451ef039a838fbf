"""What every data command shares: options, the per-invocation context and error rendering.

A command module registers its parser with :func:`add_common` and wraps its body with
:func:`command`; the body receives a :class:`Context` (profile, paths, lazily resolved key,
client/engine/mirror factories) and returns an exit code. Expected failures — no key, a
rejected key, an unreachable API, an unknown session — become one ``drover: …`` line (plus a
hint) on stderr and exit code 1 (2 for usage errors); a traceback appears only with
``--debug``. Only the standard library loads at import time (drover.config, the api, the
store and sync load inside the functions that need them), so ``drover --help`` stays fast.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import logging
import os
import re
import sys
import traceback
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from drover.cli.errors import EXIT_FAIL, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, CliError
from drover.cli.ids import resolve_ids
from drover.cli.logs import remember_secret, setup_logging, teardown_logging
from drover.cli.output import clean_block, clean_line, scrubbed_output

__all__ = [
    "EXIT_FAIL",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "CliError",
    "Context",
    "add_common",
    "as_cli_error",
    "command",
    "emit_json",
    "rejected_key",
    "unreachable",
]

log = logging.getLogger("drover.cli")
T = TypeVar("T")


def add_common(parser: argparse.ArgumentParser, *, json_output: bool = True) -> None:
    """Add the options every profile-bound command takes."""
    group = parser.add_argument_group("profile and paths")
    group.add_argument(
        "--profile",
        metavar="NAME",
        help="profile (default: the config's default_profile, else 'default')",
    )
    group.add_argument(
        "--base-url",
        metavar="URL",
        help="API root for this run (default: "
        "ANTHROPIC_BASE_URL, then the profile's, then https://api.anthropic.com)",
    )
    group.add_argument(
        "--api-key",
        metavar="KEY",
        help="API key for this run; visible to "
        "other users in `ps` — prefer ANTHROPIC_API_KEY or `drover login` "
        "(the OS keyring)",
    )
    group.add_argument(
        "--data-dir",
        metavar="DIR",
        help="where mirrors and drover.log live "
        "(default: DROVER_DATA_DIR, then the platform data dir)",
    )
    group.add_argument(
        "--config",
        metavar="FILE",
        help="config file (default: DROVER_CONFIG, then the platform config dir)",
    )
    group.add_argument(
        "--store",
        metavar="URL",
        help="a team's shared mirror for this run, postgresql://… without a password "
        "(default: the profile's `store`, else its file under the data dir)",
    )
    group.add_argument(
        "--debug", action="store_true", help="show tracebacks and log DEBUG detail to drover.log"
    )
    if json_output:
        parser.add_argument("--json", action="store_true", help="machine-readable output")


def emit_json(value: Any) -> None:
    """Print one JSON document on its own line (control characters escaped by json)."""
    print(json.dumps(value, default=str), flush=True)


@dataclass
class Context:
    """One invocation's profile, paths and lazily built resources.

    Only the profile's name and the paths are known from the start; the config, the resolved
    profile and the engine factory are built on first use, so a command that only reads the
    mirror (`drover ls --offline`, the TUI's first paint) never loads the config models, the
    HTTP client or the keyring.

    Attributes:
        args: the parsed arguments.
        config_path: the config file in use (it need not exist).
        data_dir: the data directory.
        new_profile: the profile may be one the config does not define yet (`drover login`).
    """

    args: argparse.Namespace
    config_path: Path
    data_dir: Path
    new_profile: bool = False
    _name: str | None = field(default=None, repr=False)
    _config: Any = field(default=None, repr=False)
    _profile: Any = field(default=None, repr=False)
    _engines: Any = field(default=None, repr=False)
    _account: Any = field(default=None, repr=False)

    @classmethod
    def from_args(cls, args: argparse.Namespace, *, new_profile: bool = False) -> Context:
        """Check the arguments and find the profile's name (the rest is read when needed).

        Args:
            args: the parsed arguments.
            new_profile: resolve a profile the config does not define yet with the built-in
                defaults (``drover login`` creates profiles) instead of failing.

        Raises:
            ConfigError: a config file that cannot be read for the default profile's name.
            InvalidProfileName: the profile's name is not one drover accepts.
        """
        from drover.config.paths import config_file, data_dir, validate_profile_name

        base_url = getattr(args, "base_url", None)
        if base_url and not re.match(r"^https?://[^\s/]+", base_url):
            raise CliError(
                f"--base-url must start with http:// or https://, not {base_url!r}",
                code=EXIT_USAGE,
            )
        store = getattr(args, "store", None)
        if store:
            from drover.config.settings import check_store

            try:
                check_store(store)
            except ValueError as exc:
                raise CliError(f"--store: {exc}", code=EXIT_USAGE) from None
        # Known from the start, so masked even in a failure before any key is resolved.
        remember_secret(getattr(args, "api_key", None))
        remember_secret(os.environ.get("ANTHROPIC_API_KEY"))
        ctx = cls(args, config_file(args.config), data_dir(args.data_dir), new_profile)
        ctx._name = validate_profile_name(args.profile or ctx._default_profile())
        return ctx

    def _default_profile(self) -> str:
        """The config's `default_profile`, read without validating the whole file (that
        happens when the config itself is needed); a file that cannot be read this way is
        loaded in full, so its error is the usual one."""
        try:
            text = self.config_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return "default"
        except (OSError, UnicodeDecodeError):
            return str(self.config.default_profile)
        import tomllib

        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            return str(self.config.default_profile)
        value = data.get("default_profile", "default")
        return value if isinstance(value, str) else str(self.config.default_profile)

    @property
    def config(self) -> Any:
        """The loaded config (``drover.config.Config``), read on first use.

        Raises:
            ConfigError: a malformed config file.
        """
        if self._config is None:
            from drover.config.settings import load_config

            self._config = load_config(self.config_path)
        return self._config

    @property
    def name(self) -> str:
        """The profile name."""
        assert self._name is not None
        return self._name

    @property
    def profile(self) -> Any:
        """The resolved profile (name, base URL, workspace, rate limits), on first use.

        Raises:
            ConfigError: a malformed config file or an unknown profile.
        """
        if self._profile is None:
            self._profile = self._probe().resolve(self.name, base_url=self._overrides().base_url)
        return self._profile

    @property
    def engines(self) -> Any:
        """Builds this invocation's clients and engines (the one factory), on first use."""
        if self._engines is None:
            from drover.sync.profiles import ProfileEngines

            self._engines = ProfileEngines(
                self._probe(),
                self.data_dir,
                start=self.name,
                overrides=self._overrides(),
                on_key=remember_secret,
            )
        return self._engines

    def engine_source(self) -> Any:
        """The engine factory, built when first asked for an engine (the TUI asks after its
        first paint, so its start never waits for the HTTP stack)."""
        return _LazyEngines(self)

    def _probe(self) -> Any:
        config = self.config
        if self.new_profile and self.name not in config.profiles:
            import copy

            from drover.config.settings import Profile

            config = copy.deepcopy(config)
            config.profiles[self.name] = Profile()  # validated by resolve()
        return config

    def _overrides(self) -> Any:
        from drover.sync.account import Overrides

        return Overrides.from_command_line(
            getattr(self.args, "base_url", None),
            getattr(self.args, "api_key", None),
            store=getattr(self.args, "store", None),
        )

    @property
    def account(self) -> Any:
        """The profile resolved with its key (``drover.sync.account.Account``), once."""
        if self._account is None:
            self._account = self.engines.account(self.name)
        return self._account

    @property
    def key_source(self) -> str | None:
        """Where the key came from (``explicit``, ``env``, ``keyring``), if there is one."""
        key = self.account.key
        return key.source if key is not None else None

    @property
    def api_key(self) -> str:
        """The API key (flag → ANTHROPIC_API_KEY → keyring), registered for log redaction.

        Raises:
            MissingApiKeyError: none found; the message says how to fix it.
        """
        return str(self.account.require_key().value)

    @property
    def mirror_location(self) -> str | Path:
        """This profile's mirror: its file (whose folder is created, mode 0700), or the
        PostgreSQL URL of a shared one (`--store`, the profile's `store`)."""
        return self.locate_mirror(create=True)

    def locate_mirror(self, *, create: bool = False) -> str | Path:
        """This profile's mirror (`create`: its folder too): `--store`, else what the config
        says (`Config.mirror_location`). Never through the engine factory, which would load
        the HTTP stack for an offline read (`drover ls --offline`: a quarter of a second)."""
        store: str | None = getattr(self.args, "store", None)
        if store is not None:
            return store
        if not self.config_path.exists():  # the defaults: no need for the config models
            from drover.config.paths import mirror_path

            path: Path = mirror_path(self.name, self.data_dir, create=create)
            return path
        location: str | Path = self._probe().mirror_location(
            self.name, self.data_dir, create=create
        )
        return location

    def client(self, **options: Any) -> Any:
        """A ``ManagedAgentsClient`` for the profile (close it with ``aclose``)."""
        return self.engines.client(self.account, **options)

    async def probe(self, session_id: str | None = None) -> dict[str, Any] | None:
        """One quick authenticated read, so a bad key, a dead endpoint or an unknown session
        fails at once with a clear message instead of inside a retrying sync loop.

        Args:
            session_id: fetch this session (None: list one session).

        Returns:
            The session object when ``session_id`` was given.

        Raises:
            CliError: the session does not exist.
            AuthenticationError, ConnectionFailed, ApiError: rendered by :func:`command`.
        """
        from drover.api.errors import NotFoundError
        from drover.api.retry import RetryPolicy

        # One quick retry only: the engines behind the commands retry for as long as it takes.
        client = self.client(retry=RetryPolicy(max_retries=1, base_delay=0.2))
        try:
            if session_id is None:
                await client.list_sessions(limit=1)
                return None
            return await client.retrieve_session(session_id)
        except NotFoundError:
            raise self.no_session(session_id or "") from None
        finally:
            await client.aclose()

    async def engine(self, **options: Any) -> Any:
        """A ``SyncEngine`` on the profile's own mirror (closed by its ``stop``).

        Raises:
            MirrorAccountError: the mirror holds another account (rendered by :func:`command`).
        """
        return await self.engines.open_engine(self.name, **options)

    def reader(self) -> Any | None:
        """A reader (``MirrorReads``) on the profile's mirror, or None when nothing is mirrored
        yet (see :func:`drover.cli.disk.open_reader`)."""
        from drover.cli.disk import open_reader

        return open_reader(self)

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine to completion (Ctrl-C cancels it, then raises KeyboardInterrupt)."""
        import asyncio  # ~50 ms: not at import time, so `drover --help` stays quick

        return asyncio.run(coro)

    def no_session(self, session_id: str) -> CliError:
        """The error for an id the server (or the mirror) does not know."""
        return CliError(
            f"no session {session_id} in profile {self.name!r}",
            hint="`drover ls` lists the sessions; --profile selects another account",
        )


class _LazyEngines:
    """Stands for `Context.engines` until something is asked of it."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ctx.engines, name)

    def prepare(self, name: str | None = None) -> None:
        """Build the factory and resolve profile `name`'s account once, so what is slow
        in them (importing the HTTP stack and the config models, finding the keyring) can be
        done on a thread while the TUI's loop draws (the TUI calls this before `engine`).
        Failures are left for `engine` to raise, where they are handled."""
        try:
            engines = self._ctx.engines
            engines.account(name)
        except Exception:  # `engine` raises it again, on the loop
            return


def command(
    body: Callable[[Context], int | None] | None = None,
    *,
    new_profile: bool = False,
    scrub_output: bool = True,
) -> Any:
    """Wrap a command body: build the context, log to the data dir, render expected errors.

    Use as ``@command`` or ``@command(new_profile=True)`` (see :meth:`Context.from_args`).
    Everything the body prints has the process's known keys masked (``scrub_output=False``
    for the TUI, which owns the terminal); every message is printed once, inert and redacted.
    """
    if body is None:
        return functools.partial(command, new_profile=new_profile, scrub_output=scrub_output)

    @functools.wraps(body)
    def run(args: argparse.Namespace) -> int:
        guard = scrubbed_output() if scrub_output else contextlib.nullcontext()
        with guard:
            return _run(body, args, new_profile)

    return run


def _run(body: Callable[[Context], int | None], args: argparse.Namespace, new_profile: bool) -> int:
    debug = bool(getattr(args, "debug", False))
    handler = None
    ctx: Context | None = None
    try:
        ctx = Context.from_args(args, new_profile=new_profile)
        handler = setup_logging(ctx.data_dir, debug=debug)
        log.debug("drover %s (profile %s)", args.command, ctx.name)
        resolve_ids(ctx)  # unique prefixes of mirrored session and event ids
        return int(body(ctx) or EXIT_OK)
    except KeyboardInterrupt:
        print("drover: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        raise  # the reader of stdout went away: `main` ends quietly
    except Exception as exc:
        error = as_cli_error(exc, ctx)
        if error is None:  # a bug: the traceback is the useful output, but never a key
            log.exception("%s failed unexpectedly", args.command)
            print(clean_block(traceback.format_exc()), file=sys.stderr)
            print(f"drover: {args.command} failed unexpectedly (a bug)", file=sys.stderr)
            return EXIT_FAIL
        log.error("%s failed: %s", args.command, error.message)
        if debug:
            print(clean_block(traceback.format_exc()), file=sys.stderr)
        print(f"drover: {clean_line(error.message)}", file=sys.stderr)
        if error.hint:
            print(f"  hint: {clean_line(error.hint)}", file=sys.stderr)
        return error.code
    finally:
        teardown_logging(handler)


def as_cli_error(exc: BaseException, ctx: Context | None) -> CliError | None:
    """The user-facing form of an expected failure; None for anything else (a bug)."""
    from drover.api.errors import (
        AuthenticationError,
        ConnectionFailed,
        DroverApiError,
        PermissionDeniedError,
    )
    from drover.config.errors import ConfigError, CredentialError, InvalidProfileName

    profile = ctx.name if ctx is not None else "default"
    if isinstance(exc, CliError):
        return exc
    if isinstance(exc, InvalidProfileName):
        return CliError(str(exc), code=EXIT_USAGE)
    if isinstance(exc, ConfigError | CredentialError):
        return CliError(str(exc))  # their messages already say what to do
    if isinstance(exc, AuthenticationError):
        return rejected_key(profile, ctx.key_source if ctx is not None else None)
    if isinstance(exc, PermissionDeniedError):
        return CliError(f"the key for profile {profile!r} is not allowed to do this: {exc.message}")
    if isinstance(exc, ConnectionFailed):
        return unreachable(ctx.profile.base_url if ctx is not None else "the API", str(exc))
    if isinstance(exc, DroverApiError):
        return CliError(f"the API call failed: {exc}")
    from drover.store.account import MirrorAccountError
    from drover.store.location import MirrorUnavailableError

    if isinstance(exc, MirrorUnavailableError):
        return CliError(str(exc), hint="is the database up, and does libpq find its password?")
    if isinstance(exc, MirrorAccountError):
        return CliError(
            f"profile {profile!r}: {exc}",
            hint="point the profile back at that account, or use another --data-dir",
        )
    from drover.store.outbox import ActionTakenError

    if isinstance(exc, ActionTakenError):  # a teammate answered the call first
        return CliError(f"{exc}; yours was not sent")
    from drover.sync.imported import ImportedSessionError

    if isinstance(exc, ImportedSessionError):
        return CliError(str(exc), hint="`drover tail --offline` and `drover export` read it")
    from drover.cli.disk import disk_error

    return disk_error(exc, ctx)


def rejected_key(profile: str, source: str | None) -> CliError:
    """The message for a 401, pointing at where the rejected key came from."""
    if source == "env":
        hint = "the key came from ANTHROPIC_API_KEY: fix or unset it"
    elif source == "explicit":
        hint = "the key came from --api-key"
    else:
        hint = None
    return CliError(
        f"the API rejected the key for profile {profile!r} — run `drover login "
        f"--profile {profile}`",
        hint=hint,
    )


def unreachable(base_url: str, detail: str) -> CliError:
    """The message for a request that got no HTTP response."""
    lowered = detail.lower()
    # httpx reports a refused loopback connection as "All connection attempts failed".
    if "refused" in lowered or "all connection attempts failed" in lowered:
        reason = "connection refused"
    elif "timed out" in lowered or "timeout" in lowered:
        reason = "timed out"
    elif "name or service" in lowered or "nodename" in lowered or "getaddrinfo" in lowered:
        reason = "host name not found"
    else:
        reason = detail.split(": ", 1)[-1] or "no response"
    return CliError(
        f"cannot reach {base_url} : {reason} — is the API (or `drover sim`) running?",
        hint="--base-url or ANTHROPIC_BASE_URL picks another endpoint",
    )
