"""Query-string parsing the way the real API reads it (protocol §1.2).

Arrays arrive as ``key[]=v`` (the SDK's bracket format), as percent-encoded ``key%5B%5D=v``
(docs' curl examples) or as repeated ``key=v``; all three mean the same list. Range filters are
literal bracketed keys (``created_at[gte]``). Booleans are ``true``/``false``.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import parse_qsl

from drover.sim.wire.errors import invalid
from drover.sim.wire.ids import parse_rfc3339

#: The range operators a ``created_at[...]`` filter may use.
RANGE_OPS = ("gt", "gte", "lt", "lte")


class Query:
    """A parsed query string: every key maps to the list of its values, brackets folded.

    Args:
        raw: The raw (still percent-encoded) query string, e.g. ``scope["query_string"]``.
    """

    def __init__(self, raw: bytes | str) -> None:
        text = raw.decode("latin-1") if isinstance(raw, bytes) else raw
        self._values: dict[str, list[str]] = {}
        # parse_qsl decodes %5B%5D before we look at the key, so both spellings fold together.
        for key, value in parse_qsl(text, keep_blank_values=True):
            name = key[:-2] if key.endswith("[]") else key
            self._values.setdefault(name, []).append(value)

    def __contains__(self, key: str) -> bool:
        return key in self._values

    def get(self, key: str) -> str | None:
        """The last value given for ``key`` (later values win), or ``None``."""
        values = self._values.get(key)
        return values[-1] if values else None

    def get_list(self, key: str) -> list[str]:
        """Every value given for ``key`` (``key[]=a&key[]=b`` → ``["a", "b"]``)."""
        return list(self._values.get(key, ()))

    def get_bool(self, key: str, default: bool = False) -> bool:
        """Parse ``true``/``false``; anything else is a 400."""
        value = self.get(key)
        if value is None or value == "":
            return default
        lowered = value.lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0"):
            return False
        raise invalid(f"{key}: expected true or false, got {value!r}")

    def get_int(self, key: str, *, minimum: int | None = None) -> int | None:
        """Parse an integer (``None`` if absent); a non-integer or one below ``minimum`` → 400."""
        value = self.get(key)
        if value is None or value == "":
            return None
        try:
            number = int(value)
        except ValueError:
            raise invalid(f"{key}: expected an integer, got {value!r}") from None
        if minimum is not None and number < minimum:
            raise invalid(f"{key}: must be at least {minimum}")
        return number

    def get_enum(
        self, key: str, allowed: tuple[str, ...], default: str | None = None
    ) -> str | None:
        """A single value that must be one of ``allowed`` (400 otherwise)."""
        value = self.get(key)
        if value is None or value == "":
            return default
        if value not in allowed:
            raise invalid(f"{key}: expected one of {', '.join(allowed)}, got {value!r}")
        return value

    def get_enum_list(self, key: str, allowed: frozenset[str] | tuple[str, ...]) -> list[str]:
        """A list whose every value must be one of ``allowed`` (400 otherwise)."""
        values = self.get_list(key)
        for value in values:
            if value not in allowed:
                raise invalid(f"{key}[]: unknown value {value!r}")
        return values

    def time_range(self, field: str = "created_at") -> TimeRange:
        """Parse ``field[gt|gte|lt|lte]`` (RFC 3339) into a :class:`TimeRange`; bad times → 400."""
        bounds: dict[str, datetime] = {}
        for op in RANGE_OPS:
            value = self.get(f"{field}[{op}]")
            if value is None or value == "":
                continue
            try:
                # An unencoded "+00:00" offset arrives as " 00:00"; read it as the sender meant.
                bounds[op] = parse_rfc3339(value.replace(" ", "+"))
            except ValueError:
                raise invalid(f"{field}[{op}]: not an RFC 3339 timestamp: {value!r}") from None
        return TimeRange(**bounds)


class TimeRange:
    """An optional ``gt``/``gte``/``lt``/``lte`` window on a timestamp field."""

    def __init__(
        self,
        gt: datetime | None = None,
        gte: datetime | None = None,
        lt: datetime | None = None,
        lte: datetime | None = None,
    ) -> None:
        self.gt, self.gte, self.lt, self.lte = gt, gte, lt, lte

    def __bool__(self) -> bool:
        return any(b is not None for b in (self.gt, self.gte, self.lt, self.lte))

    def contains(self, stamp: str | None) -> bool:
        """Whether an RFC 3339 ``stamp`` lies in the window (``None`` stamps never match a set
        window: a queued event has no ``processed_at`` to compare)."""
        if not self:
            return True
        if stamp is None:
            return False
        moment = parse_rfc3339(stamp)
        return not (
            (self.gt is not None and moment <= self.gt)
            or (self.gte is not None and moment < self.gte)
            or (self.lt is not None and moment >= self.lt)
            or (self.lte is not None and moment > self.lte)
        )
