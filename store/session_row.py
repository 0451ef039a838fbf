"""`SessionRow`: one session as the list, inbox and header show it.

Apart from the other rows (`drover.store.models`, which re-exports it) because creating a
dataclass costs ~0.5 ms at import: `drover ls` reads only sessions, and loads none of the
other eight (issue 13, P10). Its JSON fields are `dict[str, Any]`, what `models.JSONObject`
names (`models` imports this module, not the other way round).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Self

from drover.store.event_raw import raw_json


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
    never polls or follows those). `id_collisions`: events that arrived for it under ids
    already stored for another session, kept out of its transcript (`drover.store.collisions`).
    `attention_rev`: when the session last changed attention category (`drover.store.
    attention`).
    `outcome` and `credential` are filled by the reads that show them (`MirrorReader.session`,
    `fleet_rows`, `inbox`, `sessions`; `outcome` by the first two only).
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
    stop_details: object
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
    id_collisions: int = 0
    attention_rev: int = 0
    outcome: dict[str, Any] | None = None
    """Its current outcome (`drover.store.outcomes.attach_outcomes`), when read for display."""
    credential: dict[str, Any] | None = None
    """The failing vault credential behind a `credential` needs-you reason, with its fix."""

    COLUMNS = (
        "id, status, deleted, title, agent_id, agent_name, model_id, environment_id, "
        "created_at, updated_at, archived_at, input_tokens, output_tokens, cache_read_tokens, "
        "cache_creation_tokens, list_cost_cents, active_seconds, budget_cents, stop_reason, "
        "stop_event_ids, stop_details, last_error, error_badge, pending_actions, needs_you, "
        "needs_since, high_water_seq, event_count, last_event_at, origin, id_collisions, "
        "attention_rev"
    )

    @classmethod
    def from_row(cls, row: sqlite3.Row | Mapping[str, Any], raw: str | bytes | None = None) -> Self:
        """Build from a row selected with `COLUMNS` (and the raw Session JSON, if wanted)."""
        data = dict(row)
        data["deleted"] = bool(data["deleted"])
        for key in ("stop_event_ids", "stop_details", "last_error"):
            data[key] = _json(data[key])
        data["pending_actions"] = _json(data["pending_actions"], [])
        data["raw"] = _json(raw_json(raw) if raw is not None else None)
        data.setdefault("outcome", None)  # filled later by the reads that show them
        data.setdefault("credential", None)
        if data.keys() != _SESSION_FIELDS:
            return cls(**data)  # extra or missing columns: let the constructor say so
        # Every field given: fill the instance directly. A frozen dataclass's __init__ sets
        # each of its 33 fields through object.__setattr__, which dominated reading a page
        # of a few hundred rows (`drover ls`, the fleet).
        instance = object.__new__(cls)
        instance.__dict__.update(data)
        return instance


_SESSION_FIELDS = SessionRow.__dataclass_fields__.keys()
"""The fields of `SessionRow`, in order (`from_row` compares a row's keys with them)."""
