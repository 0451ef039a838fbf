"""Typed rows returned by the read API (plain frozen dataclasses, no ORM), the cost ledger's
included: plain data that `drover.text` may format without loading any query module."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass
from typing import Any, Self, TypeAlias

from drover.store.event_raw import raw_json

# In its own module so that `drover ls` creates no other row class; named here too, with the
# rest of the read API's rows.
from drover.store.session_row import SessionRow as SessionRow

JSONObject: TypeAlias = dict[str, Any]
"""A wire object as mirrored (raw JSON: unknown fields kept, values checked where read)."""

SQLValue: TypeAlias = str | int | float | bytes | None
"""A value SQLite binds as a statement parameter or returns in a column."""


@dataclass(frozen=True)
class EventRow:
    """One stored event: local order, routing columns and the wire event as received."""

    seq: int
    id: str
    session_id: str
    thread_id: str | None
    on_primary: bool
    type: str
    processed_at: str | None
    event: JSONObject

    COLUMNS = "seq, id, session_id, thread_id, on_primary, type, processed_at, raw"

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Self:
        """Build from a row selected with `COLUMNS`."""
        seq, eid, sid, tid, primary, etype, pa, raw = row
        return cls(seq, eid, sid, tid, bool(primary), etype, pa, json.loads(raw_json(raw)))


@dataclass(frozen=True)
class SearchHit:
    """A search hit; `snippet` marks matches with `SNIPPET_OPEN`/`SNIPPET_CLOSE` (a search
    with facets only has no matches: its snippet is the start of the event's text).

    `title` and `agent_name` are the session's; `tool` is the tool a tool use calls, or the
    tool used by the event a result/confirmation answers (None for other events).
    """

    seq: int
    event_id: str
    session_id: str
    thread_id: str | None
    type: str
    processed_at: str | None
    snippet: str
    title: str | None = None
    agent_name: str | None = None
    tool: str | None = None


@dataclass(frozen=True)
class ThreadRow:
    """A session thread (from Thread objects and/or thread events)."""

    id: str
    session_id: str
    parent_thread_id: str | None
    agent_name: str | None
    status: str | None
    stop_reason: str | None
    list_cost_cents: int | None
    created_at: str | None
    raw: JSONObject | None


@dataclass(frozen=True)
class OutboxRow:
    """A user action and its delivery state."""

    id: int
    session_id: str
    kind: str
    payload: JSONObject
    state: str
    server_event_ids: list[str] | None
    error: str | None
    attempts: int
    created_at: str
    updated_at: str
    owner: str | None = None
    """The process sending it (``host:pid:token``), once claimed."""
    lease_until: float | None = None
    """Epoch seconds until which the owner's claim holds (it renews while it lives)."""
    actor_role: str | None = None
    """Who took the action: the database role that queued it (PostgreSQL) or the OS user."""
    actor_name: str | None = None
    """The name the actor goes by, if they gave one."""
    answer_ref: str | None = None
    """The tool use an answer answers (None for messages and interrupts)."""


@dataclass(frozen=True)
class SyncCursor:
    """How far a (session, thread) stream is known to be mirrored."""

    session_id: str
    thread_id: str | None
    last_processed_at: str | None
    last_seq: int
    updated_at: str


@dataclass(frozen=True)
class HeaderCounts:
    """Figures for the app header."""

    sessions: int
    running: int
    needs_you: int
    errored: int
    spend_today_cents: int


# -- the cost ledger (queries in `drover.store.ledger`) --------------------------------------

RUNTIME_CENTS_PER_HOUR = 8
"""Session runtime list price: $0.08 per hour of `active_seconds`."""
WARN_PERCENT = 80
"""A budget at or above this share of its cap is a warning; at 100% it is reached."""


@dataclass(frozen=True)
class LedgerRow:
    """Spend and usage of one group (a session, agent, environment, model or day) or of all.

    Attributes:
        key: the session id, agent id, environment id, model id or `YYYY-MM-DD` day; None
            for the totals, or when the group is unknown (a session with no environment).
        label: the session title, agent or environment name (None when unknown).
        sessions: sessions counted.
        list_cost_cents: list cost in cents (runtime included).
        input_tokens: uncached input tokens.
        output_tokens: output tokens.
        cache_read_tokens: input tokens read from the prompt cache.
        cache_write_tokens: input tokens written to the prompt cache.
        requests: model requests mirrored.
        active_seconds: runtime (seconds with a thread running).
        agent_name: session rows only: the session's agent.
        status: session rows only: the session's status.
        budget_cents: session rows only: the session's server budget, if any.
    """

    key: str | None
    label: str | None
    sessions: int
    list_cost_cents: int
    input_tokens: int
    output_tokens: int
    cache_read_tokens: int
    cache_write_tokens: int
    requests: int
    active_seconds: float
    agent_name: str | None = None
    status: str | None = None
    budget_cents: int | None = None

    @property
    def total_tokens(self) -> int:
        """Every token kind added up."""
        return (
            self.input_tokens
            + self.output_tokens
            + self.cache_read_tokens
            + (self.cache_write_tokens)
        )

    @property
    def runtime_hours(self) -> float:
        """Runtime in hours."""
        return self.active_seconds / 3600

    @property
    def runtime_cents(self) -> int:
        """Runtime's share of the list cost, in whole cents ($0.08/h, half up)."""
        return int(self.active_seconds * RUNTIME_CENTS_PER_HOUR / 3600 + 0.5)

    def as_json(self) -> JSONObject:
        """A JSON-ready dict: cents and tokens as ints, runtime in seconds and hours."""
        data = asdict(self)
        data["active_seconds"] = round(self.active_seconds, 3)
        data["runtime_hours"] = round(self.runtime_hours, 4)
        data["runtime_cost_cents"] = self.runtime_cents
        data["total_tokens"] = self.total_tokens
        return data


@dataclass(frozen=True)
class BudgetState:
    """How much of one budget is spent.

    Attributes:
        scope: `session` (the server's per-session budget), `daily` or `monthly` (the user's
            caps from the config, UTC day / calendar month to date).
        key: the session id, or the agent a user cap is limited to (None: every agent).
        label: the session title or agent name, when known.
        spent_cents: spent so far in the scope.
        cap_cents: the cap.
    """

    scope: str
    key: str | None
    label: str | None
    spent_cents: int
    cap_cents: int

    @property
    def percent(self) -> float:
        """Spent as a percentage of the cap."""
        return 100.0 * self.spent_cents / self.cap_cents if self.cap_cents > 0 else 100.0

    @property
    def level(self) -> str:
        """`reached` (at or over the cap), `warning` (at `WARN_PERCENT`% or more) or `ok`."""
        if self.spent_cents >= self.cap_cents:
            return "reached"
        return "warning" if self.spent_cents * 100 >= self.cap_cents * WARN_PERCENT else "ok"

    def as_json(self) -> JSONObject:
        """A JSON-ready dict with the level and percentage."""
        return {**asdict(self), "percent": round(self.percent, 1), "level": self.level}


@dataclass(frozen=True, slots=True)
class QuarantineRow:
    """A wire item kept aside because it is not a storable event (see `drover.store.quarantine`).

    Attributes:
        local_event_id: the `drover.quarantined` row that shows it in the transcript.
        raw: its first bytes (all of them up to 1 MiB); `size` is the whole item's.
    """

    id: int
    session_id: str
    thread_id: str | None
    event_id: str | None
    local_event_id: str
    source: str
    reason: str
    size: int
    sha256: str
    raw: bytes
    first_seen: str
