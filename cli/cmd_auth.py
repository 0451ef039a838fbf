"""``drover logout``, ``drover auth status`` and ``drover paths``: the account and the files.

* ``logout`` removes the profile's key from the OS keyring (``login`` put it there).
* ``auth status`` says, per profile, which endpoint it talks to and where its key would come
  from (``--api-key``, ``ANTHROPIC_API_KEY``, the keyring, or nowhere) — never any part of
  the key. ``--check`` asks the API whether it accepts the key (one cheap read).
* ``paths`` prints the config file, the data dir, the log file and the profile's mirror.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from drover.cli.common import Context, add_common, command, emit_json

_SOURCES = {
    "explicit": "--api-key",
    "env": "ANTHROPIC_API_KEY",
    "keyring": "the OS keyring",
}


def register(subparsers: Any) -> None:
    """Add ``logout``, ``auth status`` and ``paths``."""
    logout = subparsers.add_parser(
        "logout", help="remove the profile's API key from the OS keyring",
        description="Delete the profile's API key from the OS keyring (what `drover login` "
        "stored). The profile itself stays in the config file.",
    )  # fmt: skip
    add_common(logout, json_output=False)
    logout.set_defaults(run=run_logout)

    auth = subparsers.add_parser(
        "auth", help="the state of your API keys (auth status)",
        description="Show, for each profile, its endpoint and where its API key comes from.",
    )  # fmt: skip
    verbs = auth.add_subparsers(dest="auth_command", metavar="VERB")
    status = verbs.add_parser(
        "status", help="each profile's endpoint and key source (never the key)",
        description="For each profile (or --profile), its endpoint and where its API key "
        "comes from: --api-key, ANTHROPIC_API_KEY, the OS keyring, or nowhere. --check asks "
        "the API whether it accepts the key.",
    )  # fmt: skip
    add_common(status)
    status.add_argument("--check", action="store_true", help="verify the key with the API")
    status.set_defaults(run=run_status)

    paths = subparsers.add_parser(
        "paths", help="print the config file, data dir, log file and mirror paths",
        description="Print where drover keeps its files for this profile (after flags and "
        "DROVER_CONFIG / DROVER_DATA_DIR).",
    )  # fmt: skip
    add_common(paths)
    paths.set_defaults(run=run_paths)


@command
def run_logout(ctx: Context) -> int:
    """Delete the stored key."""
    from drover.config import API_KEY_ENV, delete_key

    if delete_key(ctx.name):
        print(f"drover: removed the API key of profile {ctx.name!r} from the OS keyring")
    else:
        print(f"drover: no API key was stored for profile {ctx.name!r}; nothing to remove")
    if os.environ.get(API_KEY_ENV):
        print(f"  note: {API_KEY_ENV} is set and still gives a key", file=sys.stderr)
    return 0


@command
def run_status(ctx: Context) -> int:
    """One line (or JSON object) per profile; exit 1 when the profile asked for has no key."""
    names = [ctx.name] if ctx.args.profile else sorted({ctx.name, *ctx.config.profiles})
    rows = [_status(ctx, name) for name in names]
    if ctx.args.check:
        for row in rows:
            if row["key_source"] is not None:
                row["accepted"] = ctx.run(_check(ctx, row["profile"]))
    if ctx.args.json:
        emit_json(rows)
    else:
        for row in rows:
            print(_line(row))
    current = next(row for row in rows if row["profile"] == ctx.name)
    return 0 if current["key_source"] is not None and current.get("accepted", True) else 1


def _status(ctx: Context, name: str) -> dict[str, Any]:
    account = ctx.engines.account(name)
    return {
        "profile": name,
        "current": name == ctx.name,
        "base_url": account.profile.base_url,
        "key_source": account.key.source if account.key is not None else None,
    }


def _line(row: dict[str, Any]) -> str:
    source = row["key_source"]
    key = f"key from {_SOURCES.get(source, source)}" if source else "no key"
    name = row["profile"] + (" (current)" if row["current"] else "")
    if "accepted" in row:
        key += ", accepted" if row["accepted"] else ", REJECTED by the API"
    elif source is None:
        key += f" — `drover login --profile {row['profile']}`"
    return f"{name}: {row['base_url']} · {key}"


async def _check(ctx: Context, name: str) -> bool:
    """Whether the API accepts the profile's key (any other failure is an error)."""
    from drover.api.errors import AuthenticationError
    from drover.api.retry import RetryPolicy

    client = ctx.engines.client(
        ctx.engines.account(name), retry=RetryPolicy(max_retries=1, base_delay=0.2)
    )
    try:
        await client.list_agents(limit=1)
    except AuthenticationError:
        return False
    finally:
        await client.aclose()
    return True


@command
def run_paths(ctx: Context) -> int:
    """Print the paths (and whether each exists)."""
    from drover.cli.logs import LOG_NAME

    paths = {
        "config": ctx.config_path,
        "data_dir": ctx.data_dir,
        "log": ctx.data_dir / LOG_NAME,
        "mirror": ctx.engines.mirror_path(ctx.name),
    }
    if ctx.args.json:
        emit_json({name: str(path) for name, path in paths.items()} | {"profile": ctx.name})
        return 0
    width = max(map(len, paths))
    for name, path in paths.items():
        missing = "" if path.exists() else "  (not created yet)"
        print(f"{name.replace('_', ' '):<{width}}  {path}{missing}")
    return 0
