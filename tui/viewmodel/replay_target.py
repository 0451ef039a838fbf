"""Where replay's "go to" prompt points: an event id or a time, parsed from what was typed.

Accepted: an event id (`sevt_…`), a clock time on the session's first day (`14:05`,
`14:05:30`; UTC, like every time drover shows), a full ISO 8601 time, an offset from the
current event (`+10m`, `-30s`, `+1h30m`) or a fraction of the run (`50%`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from drover.api.timestamps import parse_timestamp

_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_OFFSET = re.compile(r"^([+-])((?:\d+[hms])+)$")
_OFFSET_PART = re.compile(r"(\d+)([hms])")
_PERCENT = re.compile(r"^(\d{1,3}(?:\.\d+)?)%$")
_EVENT_ID = re.compile(r"^[a-z]+_[A-Za-z0-9_-]+$")
HINT = "an event id (sevt_…), 14:05, 2026-05-12T14:05Z, +10m / -30s, or 50%"


@dataclass(frozen=True, slots=True)
class Target:
    """A parsed go-to: exactly one of `event_id` and `when` is set."""

    event_id: str | None = None
    when: datetime | None = None


def parse_target(text: str, *, start: datetime, end: datetime, current: datetime | None) -> Target:
    """Parse a go-to target for a run spanning `start`..`end`.

    Raises:
        ValueError: the text is none of the accepted forms (the message lists them).
    """
    value = text.strip()
    if not value:
        raise ValueError(f"type {HINT}")
    if match := _CLOCK.match(value):
        hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
        if hour > 23 or minute > 59 or second > 59:
            raise ValueError(f"{value!r} is not a time of day")
        when = start.astimezone(UTC).replace(hour=hour, minute=minute, second=second, microsecond=0)
        # A run that crosses midnight: a clock time before the start means the next day.
        if when < start and when + timedelta(days=1) <= end:
            when += timedelta(days=1)
        return Target(when=when)
    if match := _OFFSET.match(value):
        delta = sum(
            (timedelta(**{_UNITS[unit]: int(n)}) for n, unit in _OFFSET_PART.findall(match[2])),
            timedelta(),
        )
        return Target(when=(current or start) + (delta if match[1] == "+" else -delta))
    if match := _PERCENT.match(value):
        fraction = float(match[1]) / 100
        if fraction > 1:
            raise ValueError("a percentage is 0–100%")
        return Target(when=start + (end - start) * fraction)
    if _EVENT_ID.match(value):
        return Target(event_id=value)
    when = parse_timestamp(value)
    if when is None:
        raise ValueError(f"{value!r} is not {HINT}")
    return Target(when=when)


_UNITS = {"h": "hours", "m": "minutes", "s": "seconds"}
