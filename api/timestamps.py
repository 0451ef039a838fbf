"""Timestamps as the API writes them (RFC 3339, usually with a ``Z`` suffix)."""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["parse_timestamp"]


def parse_timestamp(value: object) -> datetime | None:
    """Parse an RFC 3339 timestamp into an aware UTC-based datetime.

    Args:
        value: the wire value; anything but a well-formed timestamp string gives None (a
            missing or malformed timestamp is data to tolerate, never a crash).

    Returns:
        The moment (naive input is taken as UTC), or None.
    """
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
