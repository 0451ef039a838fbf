"""Search facets: the values `agent:`, `type:`, `after:`… take, validated and normalised.

Shared by the query parser (`drover.store.search_query`), the read API's keyword facets and the
CLI flags, so a facet means the same whichever way it was given. Nothing here touches SQLite.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from datetime import UTC, date, datetime, timedelta

FACETS = ("agent", "session", "status", "type", "tool", "outcome", "after", "before")
"""The filter keys, in the order the UI lists them."""
STATUSES = ("idle", "running", "rescheduling", "terminated")
OUTCOMES = ("met", "not_met", "evaluating", "any")
"""`outcome:` values: the verdict of a session's current outcome (`drover.store.outcomes`), or
`any` for every session with one. `not-met`, `unmet` and the server's own `result` words
(`satisfied`, `failed`, …) are read as the verdict they belong to."""
_OUTCOME_WORDS = {
    "met": "met", "satisfied": "met", "not_met": "not_met", "unmet": "not_met",
    "failed": "not_met", "max_iterations_reached": "not_met", "interrupted": "not_met",
    "evaluating": "evaluating", "pending": "evaluating", "running": "evaluating",
    "needs_revision": "evaluating", "any": "any",
}  # fmt: skip

EVENT_TYPES = (
    "user.message", "user.interrupt", "user.tool_confirmation", "user.custom_tool_result",
    "user.define_outcome", "user.tool_result", "system.message", "agent.custom_tool_use",
    "agent.message", "agent.thinking", "agent.mcp_tool_use", "agent.mcp_tool_result",
    "agent.tool_use", "agent.tool_result", "agent.thread_message_received",
    "agent.thread_message_sent", "agent.thread_context_compacted", "session.error",
    "session.status_rescheduled", "session.status_running", "session.status_idle",
    "session.status_terminated", "session.thread_created", "session.thread_status_running",
    "session.thread_status_idle", "session.thread_status_terminated",
    "session.thread_status_rescheduled", "session.updated", "session.usage", "session.deleted",
    "span.model_request_start", "span.model_request_end", "span.outcome_evaluation_start",
    "span.outcome_evaluation_ongoing", "span.outcome_evaluation_end", "workflow_run.created",
    "workflow_run.status_running", "workflow_run.status_idle", "workflow_run.status_ended",
    "workflow_run.error", "workflow_run.phase_started", "workflow_run.phase_ended",
)  # fmt: skip
"""The persisted event types of the protocol (§6.9), for resolving short `type:` forms.
A full `domain.action` value is taken as given, so types newer than this list still work."""


class SearchSyntaxError(ValueError):
    """A search the user typed cannot be run; the message says why and what to type instead."""


@dataclass(frozen=True)
class SearchFilters:
    """Facets that narrow a search. Empty tuples / None mean "any".

    Attributes:
        agents: agent ids or names (names compare case-insensitively).
        sessions: session ids.
        statuses: session statuses (the session's current status).
        types: exact event types (short forms already resolved).
        tools: tool names: tool-use events of that name and events that refer to one.
        outcomes: verdicts of the session's current outcome (`OUTCOMES`).
        after: inclusive lower bound on `processed_at` (`YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SS`,
            UTC).
        before: exclusive upper bound on `processed_at`, same forms.
    """

    agents: tuple[str, ...] = ()
    sessions: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    tools: tuple[str, ...] = ()
    after: str | None = None
    before: str | None = None
    outcomes: tuple[str, ...] = ()

    @classmethod
    def build(
        cls,
        *,
        agent: str | Iterable[str] | None = None,
        session_id: str | Iterable[str] | None = None,
        status: str | Iterable[str] | None = None,
        types: str | Iterable[str] | None = None,
        tool: str | Iterable[str] | None = None,
        after: str | None = None,
        before: str | None = None,
        outcome: str | Iterable[str] | None = None,
    ) -> SearchFilters:
        """Validate keyword facets (as the CLI flags and the read API give them).

        Raises:
            SearchSyntaxError: an unknown status or type, or a bad date.
        """
        built = cls(
            agents=_many(agent),
            sessions=_many(session_id),
            statuses=tuple(_status(s) for s in _many(status)),
            types=tuple(t for value in _many(types) for t in resolve_types(value)),
            tools=_many(tool),
            outcomes=tuple(dict.fromkeys(_outcome(o) for o in _many(outcome))),
            after=parse_bound(after, "after") if after else None,
            before=parse_bound(before, "before") if before else None,
        )
        return built.checked()

    def merged(self, other: SearchFilters) -> SearchFilters:
        """Both sets of facets: values of one facet add up; date ranges intersect."""
        afters = [b for b in (self.after, other.after) if b]
        befores = [b for b in (self.before, other.before) if b]
        return replace(
            self,
            **{
                f.name: tuple(dict.fromkeys((*getattr(self, f.name), *getattr(other, f.name))))
                for f in fields(self)
                if f.name not in ("after", "before")
            },
            after=max(afters) if afters else None,
            before=min(befores) if befores else None,
        ).checked()

    def checked(self) -> SearchFilters:
        """Reject an empty date range (`after` not earlier than `before`)."""
        if self.after and self.before and self.after >= self.before:
            raise SearchSyntaxError(
                f"after:{self.after} is not earlier than before:{self.before}; nothing can match"
            )
        return self

    @property
    def active(self) -> bool:
        """True when any facet narrows the search."""
        return any(getattr(self, f.name) for f in fields(self))

    def describe(self) -> list[str]:
        """The active facets as tokens (`agent:x`, `after:2026-05-01`), for a status line."""
        out: list[str] = []
        for key, values in (
            ("agent", self.agents),
            ("session", self.sessions),
            ("status", self.statuses),
            ("type", self.types),
            ("tool", self.tools),
            ("outcome", self.outcomes),
        ):
            out.extend(f"{key}:{_quote_if_needed(v)}" for v in values)
        if self.after:
            out.append(f"after:{self.after}")
        if self.before:
            out.append(f"before:{self.before}")
        return out


def resolve_types(value: str) -> tuple[str, ...]:
    """Turn a `type:` value into exact event types.

    A value with a dot is exact (`agent.tool_use`, or a type newer than `EVENT_TYPES`). A short
    form matches known types by domain (`span`), by action (`tool_use` → `agent.tool_use`) or by
    an action ending in `_value` (`tool_use` also gives `agent.mcp_tool_use` and
    `agent.custom_tool_use`; `result` gives every tool result).

    Raises:
        SearchSyntaxError: a short form that names no known type.
    """
    value = value.strip().lower()
    if "." in value:
        return (value,)
    found = tuple(
        t
        for t in EVENT_TYPES
        if (parts := t.split(".", 1))
        and (parts[0] == value or parts[1] == value or parts[1].endswith("_" + value))
    )
    if not found:
        raise SearchSyntaxError(
            f"unknown event type {value}; use a full type like agent.tool_use or a short form "
            "like message, tool_use, result, error, span"
        )
    return found


def _outcome(value: str) -> str:
    word = value.strip().lower().replace("-", "_")
    if word not in _OUTCOME_WORDS:
        raise SearchSyntaxError(f"unknown outcome {value}; use {', '.join(OUTCOMES)}")
    return _OUTCOME_WORDS[word]


def _status(value: str) -> str:
    status = value.strip().lower()
    if status not in STATUSES:
        raise SearchSyntaxError(f"unknown status {value}; use {', '.join(STATUSES)}")
    return status


_RELATIVE = re.compile(r"^-?(\d{1,6})\s*([smhdw])$", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def relative_moment(text: str, now: datetime | None = None) -> datetime | None:
    """The moment a relative date names (`7d`, `24h`, `-30m`, `2w`, `90s`: that long ago).

    Returns:
        The UTC moment, or None when ``text`` is not a relative date.
    """
    match = _RELATIVE.match(text.strip())
    if match is None:
        return None
    seconds = int(match.group(1)) * _UNIT_SECONDS[match.group(2).lower()]
    return (now or datetime.now(UTC)) - timedelta(seconds=seconds)


def parse_bound(value: str, key: str, now: datetime | None = None) -> str:
    """Normalise a date or time for comparing with `processed_at` as text.

    Dates stay `YYYY-MM-DD`; times become UTC `YYYY-MM-DDTHH:MM:SS` (fractions dropped, so
    the bound compares correctly whatever fraction digits the server wrote). A relative date
    (`7d`, `24h`, `-30m`: that long before ``now``) becomes the time it names.

    Raises:
        SearchSyntaxError: not an ISO 8601 date or time, nor a relative one.
    """
    text = value.strip()
    moment = relative_moment(text, now)
    if moment is None:
        try:
            if len(text) == 10:
                return date.fromisoformat(text).isoformat()
            moment = datetime.fromisoformat(text.replace("z", "Z"))
        except ValueError:
            raise SearchSyntaxError(
                f"bad date {value!r} in {key}:; use YYYY-MM-DD, a time like "
                "2026-05-01T12:00:00Z, or how long ago: 30m, 24h, 7d, 2w"
            ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def day_after(bound: str) -> str:
    """`until:DAY` includes the whole day: the exclusive bound is the next day."""
    if len(bound) == 10:
        return (date.fromisoformat(bound) + timedelta(days=1)).isoformat()
    return bound


def _many(value: str | Iterable[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else list(value)
    return tuple(dict.fromkeys(v.strip() for v in items if v and v.strip()))


def _quote_if_needed(value: str) -> str:
    return f'"{value}"' if any(c.isspace() for c in value) else value
