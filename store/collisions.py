"""Event ids that collide across sessions: recorded and reported, never dropped silently.

The server's event ids are globally unique, and ingest keys events by id (`INSERT OR IGNORE`).
An event arriving for session A under an id already stored for session B is therefore not a
repeat delivery but a collision (e.g. a server restarted with the same seed reissuing ids):
storing it would overwrite B's event, ignoring it would silently lose A's. Ingest keeps it
aside whole in `event_collisions` (one row per id and session) and counts it on A's sessions
row (`id_collisions`), so the session view and `drover sync` can say how many of A's events
are missing from the mirror and why. The first time an id collides it is logged as a warning.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from drover.store.dialect import Conn
from drover.store.extract import dumps, now_key
from drover.store.models import JSONObject

__all__ = ["COLLISIONS_V6", "IdCollision", "listed", "record"]

log = logging.getLogger("drover.store.collisions")

COLLISIONS_V6 = """
CREATE TABLE event_collisions (
    event_id TEXT NOT NULL,
    session_id TEXT NOT NULL,           -- the session the event arrived for
    stored_session_id TEXT NOT NULL,    -- the session the id is stored under
    thread_id TEXT,                     -- the thread stream it came from (NULL: session)
    type TEXT,
    raw TEXT NOT NULL,                  -- the event as received, kept whole
    first_seen TEXT NOT NULL,
    PRIMARY KEY (event_id, session_id)
) WITHOUT ROWID;
CREATE INDEX event_collisions_session ON event_collisions(session_id);
ALTER TABLE sessions ADD COLUMN id_collisions INTEGER NOT NULL DEFAULT 0;
"""


@dataclass(frozen=True, slots=True)
class IdCollision:
    """One event kept out of the mirror because its id is stored for another session.

    Attributes:
        event_id: the colliding id.
        session_id: the session the event arrived for (the one missing it).
        stored_session_id: the session the id is stored under.
        type: the arriving event's type.
        first_seen: when it first arrived (local time key).
    """

    event_id: str
    session_id: str
    stored_session_id: str
    type: str | None
    first_seen: str


def record(
    conn: Conn,
    session_id: str,
    thread_id: str | None,
    collided: list[tuple[str, JSONObject, str]],
) -> int:
    """Keep colliding events aside and count the new ones on the session row.

    Runs in the ingest's transaction, after the session row exists.

    Args:
        conn: the write connection.
        session_id: the session the events arrived for.
        thread_id: the thread stream they came from (None: the session stream or list).
        collided: (event id, the event, the session its id is stored under) triples.

    Returns:
        How many ids collided for the first time (0 for repeat deliveries of known ones).
    """
    new = 0
    seen = now_key()
    for eid, event, stored_session in collided:
        cur = conn.execute(
            "INSERT INTO event_collisions(event_id, session_id, stored_session_id, "
            "thread_id, type, raw, first_seen) VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            (eid, session_id, stored_session, thread_id, event.get("type"), dumps(event), seen),
        )
        new += cur.rowcount
    if new:
        conn.execute(
            "UPDATE sessions SET id_collisions = id_collisions + ? WHERE id = ?",
            (new, session_id),
        )
        first_id, _, other = collided[0]
        log.warning(
            "%s: %d event id(s) already stored for another session (first %s, stored for %s); "
            "kept aside in event_collisions, not in the transcript",
            session_id,
            new,
            first_id,
            other,
        )
    return new


def listed(conn: Conn, session_id: str | None = None) -> list[IdCollision]:
    """The recorded collisions (of one session, or all), oldest first."""
    where, params = ("WHERE session_id = ?", (session_id,)) if session_id else ("", ())
    rows = conn.execute(
        "SELECT event_id, session_id, stored_session_id, type, first_seen "
        f"FROM event_collisions {where} ORDER BY first_seen, event_id",
        params,
    ).fetchall()
    return [IdCollision(*row) for row in rows]
