"""Loading a session from an export file into the mirror, on the writer thread (`import_session`).

An export (see `drover.export.jsonl`) carries the stored rows of one session: the wire events
with drover's routing (`thread_id`, `on_primary`) and the key each was stored under, plus the
raw Session and Thread objects. Importing writes those rows as they were — same ids, same
routing, same raw JSON — in file order, then rebuilds the session's derived state from scratch
(`recompute_session`), so the imported copy reads exactly like the exported one.

All or nothing: the whole import is one writer operation, hence one savepoint; a bad row or
any error rolls every row of it back. Idempotent: rows already stored are merged the way a
repeated delivery is (`drover.store.ingest`), and an import that changes no row leaves the
session untouched. A session the mirror did not have gets `origin = 'import'`, which keeps
sync away from it (no polling, no following); one that was already synced keeps its origin.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from drover.store.derive import recompute_session
from drover.store.dialect import Conn
from drover.store.event_raw import raw_json
from drover.store.extract import dumps, event_text, ref_id, ts_key
from drover.store.ingest import _merge_duplicate, insert_indexed
from drover.store.models import JSONObject, SQLValue
from drover.store.objects import upsert_sessions, upsert_threads

IMPORT_ORIGIN = "import"
"""`sessions.origin` of a session created by an import."""
THREAD_ROW_FIELDS = (
    "id", "parent_thread_id", "agent_name", "status", "stop_reason", "list_cost_cents",
    "created_at",
)  # fmt: skip
"""The thread columns an export carries besides the raw Thread object (see `import_session`)."""

_CHUNK = 500  # rows per lookup/insert round; stays under SQLite's bound-parameter limit
_INSERT = (  # SQLite (see `insert_indexed`: the text is handed to the FTS trigger)
    "INSERT INTO events"
    "(id, session_id, thread_id, on_primary, type, processed_at, ref_id, raw) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


class ImportConflictError(ValueError):
    """The file clashes with the mirror (an event id stored under another session)."""


@dataclass(frozen=True, slots=True)
class ImportedEvent:
    """One stored event as an export file carries it.

    Attributes:
        id: the key it was stored under (the server id, or drover's local id for id-less events).
        thread_id: the thread stream it came from (None: only seen on the session stream).
        on_primary: it was delivered on the session (primary) stream.
        event: the raw wire event.
    """

    id: str
    thread_id: str | None
    on_primary: bool
    event: JSONObject


@dataclass
class ImportResult:
    """What an import changed (reported after its transaction committed).

    Attributes:
        session_id: the session imported.
        created: the mirror did not know the session before.
        origin: the session's origin after the import (None: synced from a server).
        events: event lines read from the file.
        new_events: rows written for the first time.
        merged_events: stored rows a line completed (processed_at, thread, primary flag).
        high_water_seq: the session's highest local seq afterwards.
        objects_updated: the file's Session or Thread objects were newer than the stored ones.
    """

    session_id: str
    created: bool = False
    origin: str | None = None
    events: int = 0
    new_events: int = 0
    merged_events: int = 0
    high_water_seq: int = 0
    objects_updated: bool = False

    @property
    def changed(self) -> bool:
        """True when the import wrote or changed anything."""
        return self.created or self.objects_updated or bool(self.new_events or self.merged_events)


def import_session(
    conn: Conn,
    session_id: str,
    session: JSONObject | None,
    threads: list[JSONObject],
    events: Iterable[ImportedEvent],
    thread_rows: list[JSONObject] | None = None,
) -> ImportResult:
    """Write one exported session's rows and rebuild its derived state.

    Must run inside the writer's transaction (savepoint): on any exception nothing of the
    import may be committed. `events` may be a lazy iterator (it is consumed here, a chunk at a
    time, so a 100k-event file is never held in memory).

    Args:
        conn: the write connection.
        session_id: the session the file holds.
        session: its raw Session object (None if the exporting mirror never fetched one).
        threads: its raw Thread objects.
        events: the stored events, in the exporting mirror's order.
        thread_rows: the exporting mirror's view of each thread (`THREAD_ROW_FIELDS`), laid
            over the rebuilt rows of an imported session. A thread's status is folded from
            Thread objects and thread events in arrival order, which a file cannot replay
            (events at the same instant, objects fetched in between), so it is carried as is.

    Returns:
        What changed.

    Raises:
        ImportConflictError: an event id is stored under another session, or an event or
            Session/Thread object names another session.
        ValueError: a malformed object (from `drover.store.objects`).
    """
    found = conn.execute("SELECT origin FROM sessions WHERE id = ?", (session_id,)).fetchone()
    result = ImportResult(session_id, created=found is None)
    if session is not None and session.get("id") != session_id:
        raise ImportConflictError(f"the Session object is {session.get('id')!r}, not {session_id}")
    foreign = [t.get("id") for t in threads if t.get("session_id") != session_id]
    if foreign:
        raise ImportConflictError(f"thread {foreign[0]!r} belongs to another session")
    if found is None:
        # Created first, so `origin` is set before anything derived is folded in.
        conn.execute("INSERT INTO sessions(id, origin) VALUES (?, ?)", (session_id, IMPORT_ORIGIN))
    chunk: list[ImportedEvent] = []
    for item in events:
        chunk.append(item)
        if len(chunk) >= _CHUNK:
            _write_chunk(conn, session_id, chunk, result)
            chunk = []
    if chunk:
        _write_chunk(conn, session_id, chunk, result)
    # Server objects only move forward: an older export never replaces what sync stored since.
    fresh_threads = [t for t in threads if _is_newer(conn, "threads", t)]
    fresh_session = session is not None and _is_newer(conn, "sessions", session)
    result.objects_updated = bool(fresh_threads) or fresh_session
    if result.changed:
        if fresh_threads:
            upsert_threads(conn, fresh_threads)
        if fresh_session and session is not None:  # (fresh_session implies it)
            upsert_sessions(conn, [session])
        recompute_session(conn, session_id)
        if thread_rows and _origin(conn, session_id) == IMPORT_ORIGIN:
            _lay_thread_rows(conn, session_id, thread_rows)
    row = conn.execute(
        "SELECT origin, high_water_seq FROM sessions WHERE id = ?", (session_id,)
    ).fetchone()
    result.origin, result.high_water_seq = row[0], row[1]
    return result


def _origin(conn: Conn, session_id: str) -> str | None:
    origin: str | None = conn.execute(
        "SELECT origin FROM sessions WHERE id = ?", (session_id,)
    ).fetchone()[0]
    return origin


def _lay_thread_rows(conn: Conn, session_id: str, rows: list[JSONObject]) -> None:
    """Give an imported session's threads the exporter's values (synced sessions keep sync's)."""
    fields = [f for f in THREAD_ROW_FIELDS if f != "id"]
    for row in rows:
        values = [row.get(f) for f in fields]
        conn.execute(
            f"INSERT INTO threads(id, session_id, {', '.join(fields)}) "
            f"VALUES (?, ?, {', '.join('?' * len(fields))}) ON CONFLICT(id) DO UPDATE SET "
            + ", ".join(f"{f} = excluded.{f}" for f in fields)
            + " WHERE threads.session_id = excluded.session_id",
            [row["id"], session_id, *values],
        )


def _is_newer(conn: Conn, table: str, obj: JSONObject) -> bool:
    """True when `obj` should replace the stored object: none stored, or a later `updated_at`
    (a redacted copy of the same object never replaces the original)."""
    row = conn.execute(f"SELECT raw FROM {table} WHERE id = ?", (obj.get("id"),)).fetchone()
    if row is None or row[0] is None:
        return True
    text = raw_json(row[0])
    if text == dumps(obj):
        return False
    stored = json.loads(text)
    mine, theirs = ts_key(obj.get("updated_at")), ts_key(stored.get("updated_at"))
    return theirs is None or (mine is not None and mine > theirs)


def _write_chunk(
    conn: Conn, session_id: str, chunk: list[ImportedEvent], result: ImportResult
) -> None:
    """Insert the chunk's new rows in order and merge the ones already stored."""
    marks = ",".join("?" * len(chunk))
    stored = {
        eid: [sid, seq, processed_at, thread_id, on_primary]
        for eid, sid, seq, processed_at, thread_id, on_primary in conn.execute(
            "SELECT id, session_id, seq, processed_at, thread_id, on_primary FROM events "
            f"WHERE id IN ({marks})",
            [item.id for item in chunk],
        )
    }
    rows: list[tuple[SQLValue, ...]] = []
    seen: set[str] = set()
    for item in chunk:
        result.events += 1
        event = item.event
        if item.id in seen:
            raise ImportConflictError(f"event {item.id} appears twice in the file")
        seen.add(item.id)
        known = stored.get(item.id)
        if known is None:
            rows.append(
                (
                    item.id, session_id, item.thread_id, int(item.on_primary), event["type"],
                    event.get("processed_at"), ref_id(event), event_text(event), dumps(event),
                )
            )  # fmt: skip
            continue
        if known[0] != session_id:
            raise ImportConflictError(
                f"event {item.id} is already stored under session {known[0]}, not {session_id}"
            )
        # A repeated delivery may complete a queued copy, name its thread or mark it seen on
        # the session stream: the same rules as ingest, applied once per stream it came on.
        merged = False
        state = known[1:]
        if item.thread_id is not None:
            merged |= any(_merge_duplicate(conn, item.id, state, event, item.thread_id))
        if item.on_primary:
            merged |= any(_merge_duplicate(conn, item.id, state, event, None))
        result.merged_events += merged
    if rows:
        insert_indexed(conn, _INSERT, rows)
        result.new_events += len(rows)
