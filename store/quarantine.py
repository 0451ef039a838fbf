"""Quarantine: wire items that cannot be stored as events, kept with their raw bytes and why.

A hostile or buggy server can put anything in a history page or a stream frame: an object
without a ``type``, a bare ``42``, JSON nested a thousand levels deep. Rejecting the whole page
would freeze that session's mirror (every reconnect lists the same page again), so sync stores
the good events and hands each bad item here. It is kept twice, in one transaction:

* a ``quarantine`` row with the raw bytes (up to :data:`MAX_RAW_BYTES`; the size and SHA-256
  always describe the whole item) and the reason, for ``drover doctor``-style inspection;
* a local event of type :data:`QUARANTINE_TYPE` in the session's transcript, so every view
  shows the item as its own row, in order, without knowing about this table. Its id starts
  with :data:`QUARANTINE_ID_PREFIX`, which no server id does, and it never moves the sync
  cursor (its ``processed_at`` is local time, not the server's).

Idempotent: the same item seen again (every re-listing of the page) changes nothing. An item is
recognised by its server id when it has one, else by the hash of its bytes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from drover.store.dialect import Conn
from drover.store.ingest import ingest_events
from drover.store.models import JSONObject

__all__ = [
    "MAX_RAW_BYTES",
    "QUARANTINE_ID_PREFIX",
    "QUARANTINE_TYPE",
    "QUARANTINE_V7",
    "QuarantineItem",
    "QuarantineResult",
    "quarantine_items",
]

QUARANTINE_TYPE = "drover.quarantined"
QUARANTINE_ID_PREFIX = "drover_quarantine_"
MAX_RAW_BYTES = 1 << 20
"""Raw bytes kept per item (1 MiB): enough to see what it was; the rest is junk by then."""
_EXCERPT_CHARS = 300

QUARANTINE_V7 = """
CREATE TABLE quarantine (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id TEXT NOT NULL,
    thread_id TEXT,
    item_key TEXT NOT NULL,         -- the item's server id, else 'sha256:' + hash of its bytes
    event_id TEXT,                  -- the server id it carried, if any
    local_event_id TEXT NOT NULL,   -- the `drover.quarantined` row shown in the transcript
    source TEXT NOT NULL,           -- history | stream
    reason TEXT NOT NULL,
    size INTEGER NOT NULL,          -- bytes of the whole item
    sha256 TEXT NOT NULL,
    raw BLOB NOT NULL,              -- its first MAX_RAW_BYTES bytes
    first_seen TEXT NOT NULL,
    UNIQUE (session_id, item_key)
);
CREATE INDEX quarantine_event ON quarantine(event_id) WHERE event_id IS NOT NULL
"""


@dataclass(frozen=True, slots=True)
class QuarantineItem:
    """One wire item sync could not store as an event.

    Attributes:
        raw: its bytes as received (a history page's item, or a stream frame's data).
        reason: why, for people (``no string `type```, ``not a JSON object (int)``…).
        source: ``history`` or ``stream``.
        event_id: the server id it carried, if it was an object with a string ``id``.
    """

    raw: bytes
    reason: str
    source: str = "history"
    event_id: str | None = None
    size: int | None = None
    """The whole item's size when ``raw`` is only its head (an oversize frame)."""

    @property
    def total_bytes(self) -> int:
        """The size of the whole item."""
        return self.size if self.size is not None else len(self.raw)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _local_event(item: QuarantineItem, local_id: str, digest: str) -> JSONObject:
    excerpt = item.raw[: _EXCERPT_CHARS * 4].decode("utf-8", "replace")[:_EXCERPT_CHARS]
    return {
        "type": QUARANTINE_TYPE,
        "id": local_id,
        "processed_at": _now(),
        "reason": item.reason,
        "source": item.source,
        "bytes": item.total_bytes,
        "sha256": digest,
        "event_id": item.event_id,
        "excerpt": excerpt,
    }


@dataclass(frozen=True, slots=True)
class QuarantineResult:
    """What one `quarantine_items` call stored.

    Attributes:
        session_id: the session.
        new_ids: local event ids of the items quarantined for the first time.
    """

    session_id: str
    new_ids: list[str]


def quarantine_items(
    conn: Conn,
    session_id: str,
    items: list[QuarantineItem],
    *,
    thread_id: str | None = None,
) -> QuarantineResult:
    """Keep bad items (raw bytes + reason) and show each in the session's transcript.

    Runs inside the writer's transaction like any operation.
    """
    fresh: list[JSONObject] = []
    seen_now = _now()
    for item in items:
        digest = hashlib.sha256(item.raw).hexdigest()
        key = item.event_id or f"sha256:{digest}"
        local_id = (
            QUARANTINE_ID_PREFIX + hashlib.sha256(f"{session_id}\0{key}".encode()).hexdigest()[:24]
        )
        cur = conn.execute(
            "INSERT INTO quarantine(session_id, thread_id, item_key, event_id, "
            "local_event_id, source, reason, size, sha256, raw, first_seen) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (
                session_id, thread_id, key, item.event_id, local_id, item.source, item.reason,
                item.total_bytes, digest, item.raw[:MAX_RAW_BYTES], seen_now,
            ),
        )  # fmt: skip
        if cur.rowcount:
            fresh.append(_local_event(item, local_id, digest))
    if fresh:
        # cursor=None: local rows say nothing about how far the server's log is mirrored.
        ingest_events(conn, session_id, fresh, thread_id=thread_id, cursor=None)
    return QuarantineResult(session_id, [str(event["id"]) for event in fresh])
