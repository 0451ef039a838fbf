"""Typed rows returned by the read API (plain frozen dataclasses, no ORM)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Self


def _json(value: str | None, default: Any = None) -> Any:
    return json.loads(value) if value else default


@dataclass(frozen=True)
class SessionRow:
    """One session as the list, inbox and header show it.

    `pending_actions` items: `{event_id, type, name, input, mcp_server_name,
    session_thread_id, processed_at}` (`type` None when the tool-use event itself is not
    mirrored yet). `last_error`: `{event_id, at, error}` with the wire `error` object.
    `raw` (the server Session JSON) is only filled by `MirrorReader.session()`. `origin`: None
    for a session synced from the server, `import` for one loaded from an export file (sync
    never polls or follows those).
    """

    id: str
    status: str | None
    deleted: bool
    title: str | None
    agent_id: str | None
    agent_name: str | None
    model_id: str | None
    environment_id: str | None
    created_at: str | None
    updated_at: str | None
    archived_at: str | None
    input_tokens: int | None
    output_tokens: int | None
    cache_read_tokens: int | None
    cache_creation_tokens: int | None
    list_cost_cents: int | None
    active_seconds: float | None
    budget_cents: int | None
    stop_reason: str | None
    stop_event_ids: list[str] | None
    stop_details: Any
    last_error: dict[str, Any] | None
    error_badge: str | None
    pending_actions: list[dict[str, Any]]
    needs_you: str | None
    needs_since: str | None
    high_water_seq: int
    event_count: int
    last_event_at: str | None
    raw: dict[str, Any] | None = None
    origin: str | None = None

    COLUMNS = (
        "id, status, deleted, title, agent_id, agent_name, model_id, environment_id, "
        "created_at, updated_at, archived_at, input_tokens, output_tokens, cache_read_tokens, "
        "cache_creation_tokens, list_cost_cents, active_seconds, budget_cents, stop_reason, "
        "stop_event_ids, stop_details, last_error, error_badge, pending_actions, needs_you, "
        "needs_since, high_water_seq, event_count, last_event_at, origin"
    )

    @classmethod
    def from_row(cls, row: sqlite3.Row | Mapping[str, Any], raw: str | None = None) -> Self:
        """Build from a row selected with `COLUMNS` (and the raw Session JSON, if wanted)."""
        data = dict(row)
        data["deleted"] = bool(data["deleted"])
        for key in ("stop_event_ids", "stop_details", "last_error"):
            data[key] = _json(data[key])
        data["pending_actions"] = _json(data["pending_actions"], [])
        return cls(**data, raw=_json(raw))


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
    event: dict[str, Any]

    COLUMNS = "seq, id, session_id, thread_id, on_primary, type, processed_at, raw"

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Self:
        """Build from a row selected with `COLUMNS`."""
        seq, eid, sid, tid, primary, etype, pa, raw = row
        return cls(seq, eid, sid, tid, bool(primary), etype, pa, json.loads(raw))


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
    raw: dict[str, Any] | None


@dataclass(frozen=True)
class OutboxRow:
    """A user action and its delivery state."""

    id: int
    session_id: str
    kind: str
    payload: Any
    state: str
    server_event_ids: list[str] | None
    error: str | None
    attempts: int
    created_at: str
    updated_at: str


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
