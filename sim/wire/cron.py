"""5-field POSIX cron expressions, as deployment schedules use them: parse, and list the next
times they fire in an IANA timezone.

Fields are minute, hour, day of month, month, day of week (0-7, 0 and 7 both Sunday); each is
``*``, a number, a range ``a-b``, a step ``*/n`` or ``a-b/n``, or a comma list of those. As in
POSIX cron, when both day fields are restricted a day matches if either does. Extended syntax
(seconds, years, ``L W # ?``, ``@daily``) is not supported, as the SDK documents.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))


class CronError(ValueError):
    """An expression or timezone the schedule cannot use."""


def _field(text: str, low: int, high: int) -> frozenset[int]:
    values: set[int] = set()
    for part in text.split(","):
        body, _, step_text = part.partition("/")
        step = int(step_text) if step_text.isdigit() and int(step_text) > 0 else None
        if step_text and step is None:
            raise CronError(f"bad step in {part!r}")
        if body == "*":
            start, end = low, high
        elif "-" in body:
            a, _, b = body.partition("-")
            if not (a.isdigit() and b.isdigit()):
                raise CronError(f"bad range {part!r}")
            start, end = int(a), int(b)
        elif body.isdigit():
            start = end = int(body)
            if step:
                end = high
        else:
            raise CronError(f"bad field {part!r}")
        if not low <= start <= end <= high:
            raise CronError(f"{part!r} is outside {low}-{high}")
        values.update(range(start, end + 1, step or 1))
    return frozenset(values)


class Cron:
    """A parsed expression in a timezone.

    Args:
        expression: Five space-separated fields.
        timezone: An IANA zone name.

    Raises:
        CronError: Either one is invalid.
    """

    def __init__(self, expression: str, timezone: str) -> None:
        fields = expression.split()
        if len(fields) != 5:
            raise CronError("expected 5 fields: minute hour day-of-month month day-of-week")
        try:
            self.zone = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise CronError(f"unknown IANA timezone {timezone!r}") from None
        parsed = [_field(f, low, high) for f, (low, high) in zip(fields, _RANGES, strict=True)]
        self.minutes, self.hours, self.days, self.months, weekdays = parsed
        self.weekdays = frozenset(d % 7 for d in weekdays)  # 7 is Sunday too
        self.any_day = fields[2] == "*"
        self.any_weekday = fields[4] == "*"

    def _day_matches(self, moment: datetime) -> bool:
        by_date = moment.day in self.days
        by_weekday = (moment.isoweekday() % 7) in self.weekdays
        if self.any_day or self.any_weekday:
            return by_date and by_weekday
        return by_date or by_weekday

    def next_after(self, moment: datetime, count: int = 1) -> list[datetime]:
        """The next ``count`` firing times strictly after ``moment`` (UTC-aware results)."""
        local = moment.astimezone(self.zone).replace(second=0, microsecond=0)
        found: list[datetime] = []
        probe = local + timedelta(minutes=1)
        for _ in range(366 * 24 * 60):  # at most a year of minutes
            if (
                probe.month in self.months
                and self._day_matches(probe)
                and probe.hour in self.hours
                and probe.minute in self.minutes
            ):
                found.append(probe.astimezone(ZoneInfo("UTC")))
                if len(found) == count:
                    break
            if probe.month not in self.months or not self._day_matches(probe):
                probe = (probe + timedelta(days=1)).replace(hour=0, minute=0)
            elif probe.hour not in self.hours:
                probe = (probe + timedelta(hours=1)).replace(minute=0)
            else:
                probe += timedelta(minutes=1)
        return found
