"""The hub's heartbeat: what `drover hub` tells every viewer of a shared mirror about itself.

A hub (`drover hub`) writes one row of `hub_status` every few seconds: who it is, since when it
runs, whether it holds the right to follow the fleet, and its figures (followers live, ingest
lag, API reads in the last minute, outbox depth, webhooks). `drover hub status` and the
viewers' header read it from the mirror, so anyone who can read the mirror can tell whether
the hub is alive, without reaching the hub's machine. A row whose heartbeat is old is a hub
that stopped (or lost the database).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from drover.store.dialect import Conn
from drover.store.extract import key_moment, loads_object, now_key

__all__ = ["HUB_STATUS_V9", "HubStatusRow", "hub_heartbeat", "hub_status_rows"]

HUB_STATUS_V9 = """
CREATE TABLE hub_status (
    name TEXT PRIMARY KEY,          -- the hub's name (its profile, unless given one)
    holder TEXT NOT NULL,           -- host:pid:token of the hub process
    started_at TEXT NOT NULL,
    heartbeat_at TEXT NOT NULL,
    following INTEGER NOT NULL DEFAULT 0,   -- it holds the right to follow the fleet
    figures TEXT NOT NULL DEFAULT '{}'      -- JSON: followers, lag, reads/min, outbox, webhooks
)
"""


@dataclass(frozen=True)
class HubStatusRow:
    """One hub's last heartbeat.

    Attributes:
        name: the hub's name.
        holder: its process (``host:pid:token``).
        started_at: when it started (``ts_key`` form).
        heartbeat_at: its last heartbeat (``ts_key`` form).
        following: it holds the right to follow the fleet.
        figures: its figures at that heartbeat.
    """

    name: str
    holder: str
    started_at: str
    heartbeat_at: str
    following: bool
    figures: dict[str, Any] = field(default_factory=dict)

    def age(self, now: datetime | None = None) -> float:
        """Seconds since the last heartbeat."""
        beat = key_moment(self.heartbeat_at)
        if beat is None:
            return float("inf")
        return ((now or datetime.now(UTC)) - beat).total_seconds()


def hub_heartbeat(
    conn: Conn, name: str, holder: str, started_at: str, following: bool, figures: dict[str, Any]
) -> str:
    """Record a hub's heartbeat (the row is replaced); returns its name."""
    conn.execute(
        "INSERT INTO hub_status(name, holder, started_at, heartbeat_at, following, figures) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, "
        "started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at, "
        "following = excluded.following, figures = excluded.figures",
        (name, holder, started_at, now_key(), int(following), json.dumps(figures, default=str)),
    )
    return name


def hub_status_rows(conn: Conn) -> list[HubStatusRow]:
    """Every hub's last heartbeat, newest first."""
    rows = conn.execute(
        "SELECT name, holder, started_at, heartbeat_at, following, figures FROM hub_status "
        "ORDER BY heartbeat_at DESC"
    ).fetchall()
    return [
        HubStatusRow(name, holder, started, beat, bool(following), loads_object(figures))
        for name, holder, started, beat, following, figures in rows
    ]
