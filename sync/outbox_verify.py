"""How the outbox sends a row and how it looks for a row in history before any resend.

Mixed into :class:`~drover.sync.outbox.Outbox`; the rules are in that module's docstring.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from drover.api.timestamps import parse_timestamp
from drover.sync.outbox_actions import ANSWER_FIELD, build_events

if TYPE_CHECKING:
    from drover.api.client import ManagedAgentsClient
    from drover.store.api import MirrorReads
    from drover.store.models import OutboxRow

__all__ = ["SendAndVerify"]


class SendAndVerify:
    """Mixin: the outbox's sends and history checks."""

    if TYPE_CHECKING:
        _client: ManagedAgentsClient
        _reader: MirrorReads
        _history_limit: int
        _skew: timedelta

    async def _send(self, row: OutboxRow) -> list[str]:
        sid, p = row.session_id, row.payload
        if row.kind == "message":
            outcome = await self._client.send_user_message_once(
                sid, p["text"], known_ids=self._claimed_ids(sid)
            )
            return [outcome.event["id"]] if outcome.event and outcome.event.get("id") else []
        events = build_events(row.kind, p)
        if row.kind in ANSWER_FIELD:
            outcome = await self._client.send_tool_answer_once(sid, events[0])
            return [outcome.event["id"]] if outcome.event and outcome.event.get("id") else []
        receipt = await self._client.send_events(sid, events)
        return [e["id"] for e in receipt if isinstance(e, dict) and e.get("id")]

    def _claimed_ids(self, session_id: str) -> set[str]:
        """Server ids already accounted for: stored user messages and earlier sent rows."""
        ids = {
            e.id
            for e in self._reader.events_by_type(
                session_id, "user.message", limit=self._history_limit
            )
        }
        for row in self._reader.outbox(session_id):
            ids.update(row.server_event_ids or ())
        return ids

    async def _find_delivered(self, row: OutboxRow) -> list[str] | None:
        """Look for the row's event in recent history; its ids if found, else None.

        Raises:
            DroverApiError: history could not be read, or (for a message) the session is
                still busy, so its absence from history proves nothing yet (the row stays
                uncertain and is checked again later).
        """
        sid, p = row.session_id, row.payload
        claimed = {
            i
            for r in self._reader.outbox(sid)
            if r.id != row.id
            for i in (r.server_event_ids or ())
        }
        since = (parse_timestamp(row.created_at) or datetime.now(UTC)) - self._skew
        if row.kind == "message":
            event = await self._client.find_sent_message(
                sid, p["text"], since=since, known_ids=claimed, limit=self._history_limit
            )
            return [event["id"]] if event is not None else None
        if row.kind == "define_outcome":
            return await self._find_outcome(row, claimed)
        etype, ref = ANSWER_FIELD.get(row.kind, ("user.interrupt", None))
        page = await self._client.list_events(
            sid, types=[etype], order="desc", limit=self._history_limit
        )
        for event in page.data:
            if not isinstance(event, dict) or event.get("id") in claimed:
                continue
            if ref is not None:
                if event.get(ref) == p.get(ref):
                    return [event["id"]]
                continue
            processed = parse_timestamp(event.get("processed_at"))
            if processed is not None and processed < since:
                continue
            return [event["id"]]
        return None

    async def _find_outcome(self, row: OutboxRow, claimed: set[str]) -> list[str] | None:
        """A ``user.define_outcome`` with this row's description, not claimed by another row
        (the server processes one on receipt, so its absence is final)."""
        page = await self._client.list_events(
            row.session_id, types=["user.define_outcome"], order="desc", limit=self._history_limit
        )
        for event in page.data:
            if (
                isinstance(event, dict)
                and event.get("id") not in claimed
                and (event.get("description") == row.payload.get("description"))
            ):
                return [event["id"]]
        return None
