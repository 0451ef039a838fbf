"""``drover login``: check an API key and keep it in the OS keyring, never in a file.

The key is read with ``getpass`` from a terminal, or from stdin when piped (``--key-stdin``
makes that explicit), verified with one cheap authenticated request (list one agent) unless
``--no-verify``, then stored in the keyring (service ``drover``, user = profile). The config
file records the profile (and ``--base-url``), never the key.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from drover.cli.common import EXIT_USAGE, CliError, Context, add_common, command, unreachable
from drover.cli.logs import remember_secret

_HEADLESS_HINT = (
    "set ANTHROPIC_API_KEY in the environment instead (drover reads it before "
    "the keyring and never writes keys anywhere else)"
)


def register(subparsers: Any) -> None:
    """Add the ``login`` subcommand."""
    p = subparsers.add_parser(
        "login", help="verify an API key and store it in the OS keyring",
        description="Read an API key (hidden prompt, or stdin when piped), verify it against "
        "the profile's API and store it in the OS keyring. The config file records the "
        "profile, never the key.",
    )  # fmt: skip
    add_common(p, json_output=False)
    p.add_argument(
        "--key-stdin",
        action="store_true",
        help="read the key from the first line of stdin (for scripts)",
    )
    p.add_argument(
        "--no-verify", action="store_true", help="store the key without checking it against the API"
    )
    p.set_defaults(run=run)


@command(new_profile=True)
def run(ctx: Context) -> int:
    """Verify and store the key, then record the profile."""
    from drover.config import API_KEY_ENV, store_key

    _require_keyring()
    key = _read_key(ctx.args)
    remember_secret(key)
    if not ctx.args.no_verify:
        ctx.run(_verify(ctx, key))
    store_key(ctx.name, key)  # KeyringUnavailableError carries the env-var advice
    _record_profile(ctx)
    checked = "not verified" if ctx.args.no_verify else f"verified against {ctx.profile.base_url}"
    print(
        f"drover: key for profile {ctx.name!r} stored in the OS keyring ({checked}); "
        f"profile recorded in {ctx.config_path}"
    )
    if os.environ.get(API_KEY_ENV):
        print(
            f"  note: {API_KEY_ENV} is set and takes precedence over the stored key",
            file=sys.stderr,
        )
    return 0


def _record_profile(ctx: Context) -> None:
    """Add the profile to the config file (and its --base-url); the key never goes there.

    The file is edited in place (`drover.config.editor`): a new profile gets its own
    `[profiles.NAME]` table, an existing one only a changed `base_url`; nothing else moves.
    """
    from drover.config.editor import update_config

    current = ctx.config.profiles.get(ctx.name)  # --base-url was checked by Context.from_args
    changes: dict[tuple[str, ...], object] = {("profiles", ctx.name): {}}
    if ctx.args.base_url and (current is None or current.base_url != ctx.args.base_url):
        changes[("profiles", ctx.name, "base_url")] = ctx.args.base_url
    update_config(changes, ctx.config_path)


def _require_keyring() -> None:
    """Fail before asking for a key when there is nowhere to keep it (a headless machine)."""
    import keyring
    from keyring.backends import fail

    try:
        backend = keyring.get_keyring()
    except Exception as exc:  # a broken backend configuration is the same situation
        raise CliError(
            f"no usable OS keyring ({type(exc).__name__})", hint=_HEADLESS_HINT
        ) from None
    if isinstance(backend, fail.Keyring):
        raise CliError(
            "no OS keyring is available here (no Secret Service, Keychain or "
            "Credential Locker backend)",
            hint=_HEADLESS_HINT,
        )


def _read_key(args: argparse.Namespace) -> str:
    """The key from --api-key, stdin (piped or --key-stdin) or a hidden prompt."""
    if args.api_key:
        key = args.api_key
    elif args.key_stdin or not sys.stdin.isatty():
        key = sys.stdin.readline()
    else:
        import getpass

        try:
            key = getpass.getpass(f"API key for profile {args.profile or 'default'}: ")
        except EOFError:  # Ctrl-D at the prompt
            key = ""
    key = key.strip()
    if not key:
        raise CliError(
            "no API key given",
            code=EXIT_USAGE,
            hint="type or paste it at the prompt, or pipe it: "
            '`printf %s "$KEY" | drover login --key-stdin`',
        )
    return key


async def _verify(ctx: Context, key: str) -> None:
    """One authenticated read; a rejection or an unreachable API stores nothing."""
    from drover.api.errors import AuthenticationError, ConnectionFailed, PermissionDeniedError
    from drover.api.retry import RetryPolicy
    from drover.config import ResolvedKey
    from drover.sync.account import Account

    candidate = Account(ctx.profile, ResolvedKey(key, "explicit"))
    client = ctx.engines.client(candidate, retry=RetryPolicy(max_retries=1, base_delay=0.2))
    try:
        await client.list_agents(limit=1)
    except AuthenticationError:
        raise CliError(
            f"the API at {ctx.profile.base_url} rejected this key; nothing was stored",
            hint="check the key, or --base-url for another endpoint",
        ) from None
    except PermissionDeniedError as exc:
        raise CliError(
            f"this key may not use Managed Agents ({exc.message}); nothing was stored"
        ) from None
    except ConnectionFailed as exc:
        error = unreachable(ctx.profile.base_url, str(exc))
        raise CliError(
            f"{error.message} (nothing was stored)",
            hint=f"{error.hint}; --no-verify stores the key unchecked",
        ) from None
    finally:
        await client.aclose()
