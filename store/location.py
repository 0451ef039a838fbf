"""A mirror's location: a file path (the embedded SQLite mirror) or a `postgresql://` URL (a
team's shared mirror), told apart by its form alone, and how to show one.

A URL is in libpq's form. Keep passwords out of it (they would sit in a config file or in
`ps`): libpq reads them from `PGPASSWORD` or `~/.pgpass`; `describe` hides one anyway wherever
a location is shown.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

__all__ = [
    "POSTGRES_SCHEMES",
    "MirrorUnavailableError",
    "describe",
    "has_password",
    "is_postgres",
    "require_driver",
]

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


class MirrorUnavailableError(ConnectionError):
    """A shared mirror's database cannot be reached, or refuses the login (the message names
    the location, its password hidden)."""


def is_postgres(location: str | Path) -> bool:
    """True when `location` names a PostgreSQL database rather than a file."""
    return isinstance(location, str) and location.lower().startswith(POSTGRES_SCHEMES)


def has_password(location: str | Path) -> bool:
    """True when a PostgreSQL URL carries a password (in the authority or as `password=`)."""
    if not is_postgres(location):
        return False
    parts = urlsplit(str(location))
    return parts.password is not None or "password=" in parts.query.lower()


def describe(location: str | Path) -> str:
    """The location as it may be shown or logged: a URL's password replaced by `***`."""
    if not has_password(location):
        return str(location)
    parts = urlsplit(str(location))
    netloc = parts.netloc
    if parts.password is not None:
        user, _, host = netloc.rpartition("@")
        netloc = f"{user.partition(':')[0]}:***@{host}"
    query = "&".join(
        "password=***" if item.lower().startswith("password=") else item
        for item in parts.query.split("&")
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def require_driver(location: str | Path) -> None:
    """Check that a PostgreSQL mirror can be opened here at all (psycopg is an extra).

    Raises:
        MirrorUnavailableError: psycopg is not installed; the message says how to install it.
    """
    if importlib.util.find_spec("psycopg") is None:
        raise MirrorUnavailableError(
            f"the mirror at {describe(location)} is in PostgreSQL, which needs psycopg: "
            "pip install 'drover[postgresql]'"
        )
