"""Idempotent event ingest: append by server id, complete queued user events, fold state.

Runs on the writer thread inside the batch transaction (under a savepoint per operation), so
the events, the derived session row and the sync cursor commit or roll back together.

Cross-posts: the same event id can arrive on the session stream and on a thread stream. It is
stored once. `thread_id` is the thread it was produced on: the thread-stream copy wins — if the
session copy came first, `thread_id` is filled in when the thread copy arrives; a session copy
arriving second leaves it alone. `on_primary` records that the event was (also) delivered on the
session stream, which is what the primary transcript shows. The first copy's `raw` is kept (the
two copies differ only in `session_thread_id`/`processed_at` bookkeeping).

Collisions: an id already stored for *another* session is no repeat but a collision (the
server's ids are globally unique). It changes nothing of the other session's row; it is kept
aside and counted on this session (`drover.store.collisions`), never ignored silently.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from drover.store import collisions
from drover.store.derive import apply_event, finalize
from drover.store.dialect import Conn, Cursor, dialect_of
from drover.store.event_raw import encode_raw
from drover.store.extract import dumps, event_id, event_text, now_key, ref_id, ts_key
from drover.store.fts_text import PG_INSERT, PG_INSERT_ARRAYS, PG_TSV_OF_PARAM, text_memo
from drover.store.models import JSONObject, SQLValue
from drover.store.state import load_state

PREVIEW_TYPES = frozenset({"event_start", "event_delta"})
AUTO_CURSOR = "auto"
"""`cursor=AUTO_CURSOR`: advance the stream's cursor to the newest `processed_at` ingested."""

_INSERT = (  # SQLite: the text goes to the FTS trigger, not into the row (`_insert`)
    "INSERT OR IGNORE INTO events"
    "(id, session_id, thread_id, on_primary, type, processed_at, ref_id, raw) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
_LOOKUP_CHUNK = 500  # stays under SQLite's bound-parameter limit


class InvalidEventError(ValueError):
    """An event in a batch is not a JSON object with a string `type`; the batch was undone."""


@dataclass
class IngestResult:
    """What one `ingest` call changed (reported only after its transaction committed).

    Attributes:
        session_id: the session ingested into.
        new_ids: ids stored for the first time, in arrival order.
        completed_ids: queued user events whose processed copy filled in `processed_at`.
        duplicate_ids: ids already stored that changed nothing.
        collided_ids: ids already stored for another session: kept aside, not stored here
            (see `drover.store.collisions`).
        skipped: stream-only preview events (`event_start`/`event_delta`) not persisted.
        high_water_seq: the session's highest local seq after the ingest.
        cursor: the stream's cursor `processed_at` after the ingest (None if never set).
    """

    session_id: str
    new_ids: list[str] = field(default_factory=list)
    completed_ids: list[str] = field(default_factory=list)
    duplicate_ids: list[str] = field(default_factory=list)
    collided_ids: list[str] = field(default_factory=list)
    skipped: int = 0
    high_water_seq: int = 0
    cursor: str | None = None

    @property
    def changed(self) -> bool:
        """True when any row became visible or changed."""
        return bool(self.new_ids or self.completed_ids)


def _existing(conn: Conn, ids: list[str]) -> dict[str, list[Any]]:
    """Map already-stored ids to [seq, processed_at, thread_id, on_primary, session_id]."""
    found: dict[str, list[Any]] = {}
    unique = list(dict.fromkeys(ids))
    for start in range(0, len(unique), _LOOKUP_CHUNK):
        chunk = unique[start : start + _LOOKUP_CHUNK]
        marks = ",".join("?" * len(chunk))
        for eid, *rest in conn.execute(
            "SELECT id, seq, processed_at, thread_id, on_primary, session_id FROM events "
            f"WHERE id IN ({marks})",
            chunk,
        ):
            found[eid] = rest
    return found


def _merge_duplicate(
    conn: Conn,
    eid: str,
    stored: list[Any],
    event: JSONObject,
    thread_id: str | None,
) -> tuple[bool, bool]:
    """Apply what a repeated delivery may legitimately change.

    Returns:
        (completed, touched): the queued copy was completed; any column changed.
    """
    seq, processed_at, stored_thread, on_primary = stored[:4]
    completed = touched = False
    incoming = event.get("processed_at")
    if processed_at is None and incoming is not None:
        # A plain UPDATE, never REPLACE/UPSERT (which would delete+insert: ghost index rows).
        # SQLite's FTS trigger re-indexes the row only if the text its new raw JSON gives
        # differs; PostgreSQL's `tsv` is written here from the text, as the insert writes it.
        if dialect_of(conn).name == "postgresql":
            conn.execute(
                f"UPDATE events SET processed_at = ?, raw = ?, tsv = {PG_TSV_OF_PARAM} "
                "WHERE seq = ?",
                (incoming, dumps(event), event_text(event), seq),
            )
        else:
            conn.execute(
                "UPDATE events SET processed_at = ?, raw = ? WHERE seq = ?",
                (incoming, encode_raw(dumps(event)), seq),
            )
        stored[1] = incoming
        completed = touched = True
    if thread_id is not None and stored_thread is None:
        conn.execute("UPDATE events SET thread_id = ? WHERE seq = ?", (thread_id, seq))
        stored[2] = thread_id
        touched = True
    elif thread_id is None and not on_primary:
        conn.execute("UPDATE events SET on_primary = 1 WHERE seq = ?", (seq,))
        stored[3] = 1
        touched = True
    return completed, touched


def ingest_events(
    conn: Conn,
    session_id: str,
    events: Iterable[JSONObject],
    *,
    thread_id: str | None = None,
    cursor: str | None = AUTO_CURSOR,
) -> tuple[IngestResult, bool]:
    """Store a batch of wire events for one session and fold them into its derived state.

    Must run inside a transaction (the writer's savepoint): on any exception nothing of the
    batch — rows, derived state, cursor — may be committed.

    Args:
        conn: the write connection.
        session_id: the session the events belong to.
        events: raw wire events in delivery order.
        thread_id: the thread stream they came from; None for the session stream or list.
        cursor: `AUTO_CURSOR` advances the (session, thread) cursor to the newest
            `processed_at` in the batch; an explicit RFC 3339 string sets it (if newer);
            None leaves the cursor alone (e.g. stream events before the gap is back-filled).

    Returns:
        The result, and whether anything visible changed (for the change notice).

    Raises:
        InvalidEventError: an element is not an object with a string `type`.
    """
    batch = list(events)
    st = load_state(conn, session_id)
    ids: list[str] = []
    for index, event in enumerate(batch):
        if not isinstance(event, dict) or not isinstance(event.get("type"), str):
            raise InvalidEventError(f"event #{index} of the batch is not an event object")
        ids.append(event_id(event, session_id, thread_id))
    stored = _existing(conn, ids)
    result = IngestResult(session_id=session_id)
    touched_any = False
    newest: tuple[str, str] | None = None  # (ts_key, original processed_at)
    on_primary = int(thread_id is None)
    rows: list[list[SQLValue]] = []  # new rows, inserted together below
    pending: dict[str, int] = {}  # id -> index in rows, for repeats inside this batch
    # Fold plan in delivery order: (event, its ts_key, its id).
    plan: list[tuple[JSONObject, str | None, str]] = []
    collided: list[tuple[str, JSONObject, str]] = []  # (id, event, the session it is stored for)
    for eid, event in zip(ids, batch, strict=True):
        etype = event["type"]
        if etype in PREVIEW_TYPES:
            result.skipped += 1
            continue
        processed_at = event.get("processed_at")
        at = ts_key(processed_at)
        if at is not None and (newest is None or at > newest[0]):
            newest = (at, str(processed_at))  # a str: ts_key parsed it
        if eid in pending:
            row = rows[pending[eid]]
            if row[5] is None and processed_at is not None:  # completed within the batch
                row[5], row[7], row[8] = processed_at, event_text(event), dumps(event)
                result.completed_ids.append(eid)
                plan.append((event, at, eid))
            else:
                result.duplicate_ids.append(eid)
        elif eid in stored and stored[eid][4] != session_id:
            collided.append((eid, event, stored[eid][4]))
            result.collided_ids.append(eid)
        elif eid in stored:
            completed, touched = _merge_duplicate(conn, eid, stored[eid], event, thread_id)
            touched_any |= touched
            if completed:
                result.completed_ids.append(eid)
                plan.append((event, at, eid))
            elif not touched:
                result.duplicate_ids.append(eid)
        else:
            pending[eid] = len(rows)
            rows.append(
                [
                    eid, session_id, thread_id, on_primary, etype, processed_at,
                    ref_id(event), event_text(event), dumps(event),
                ]
            )  # fmt: skip
            result.new_ids.append(eid)
            plan.append((event, at, eid))
    seqs = _insert(conn, rows)
    last_seq = 0
    for event, at, eid in plan:
        if eid in pending:  # inserted by this call
            seq, primary = seqs[pending[eid]], on_primary
        else:  # a stored queued event completed by this call keeps its stream flag
            seq, primary = stored[eid][0], stored[eid][3]
        apply_event(st, event, on_primary=bool(primary), at=at)
        last_seq = max(last_seq, seq)
    if rows:
        st.high_water_seq = max(st.high_water_seq, *seqs)
        st.event_count += len(rows)
    touched_any |= result.changed
    if touched_any or (collided and not st.stored):
        finalize(conn, st)  # (also creates the row a collision is counted on)
    if collided and collisions.record(conn, session_id, thread_id, collided):
        touched_any = True
    result.cursor = _advance_cursor(conn, session_id, thread_id, cursor, newest, last_seq)
    result.high_water_seq = st.high_water_seq
    return result, touched_any


def _insert(conn: Conn, rows: list[list[SQLValue]]) -> list[int]:
    """Insert new rows in one statement; returns their seqs, in the rows' order.

    The rows were checked absent just before, and writers take turns (one writer thread per
    SQLite file; PostgreSQL writers hold the mirror's lock for each batch), so every row
    lands; the count is verified anyway. SQLite hands one executemany consecutive
    AUTOINCREMENT seqs; PostgreSQL says which seq each id got (its sequence is shared).
    """
    if not rows:
        return []
    if dialect_of(conn).name == "postgresql":
        columns = [list(column) for column in zip(*rows, strict=True)]
        seq_of = dict(conn.execute(PG_INSERT_ARRAYS, columns).fetchall())
        seqs = [seq_of[row[0]] for row in rows if row[0] in seq_of]
    else:
        cur = insert_indexed(conn, _INSERT, rows)
        last = conn.execute("SELECT last_insert_rowid()").fetchone()[0]
        seqs = list(range(int(last) - cur.rowcount + 1, int(last) + 1))
    if len(seqs) != len(rows):
        raise sqlite3.IntegrityError(
            f"expected {len(rows)} new events, inserted {len(seqs)}: is another writer active?"
        )
    return seqs


def insert_indexed(conn: Conn, sql: str, rows: Sequence[Sequence[SQLValue]]) -> Cursor:
    """Insert event rows `(id, session_id, thread_id, on_primary, type, processed_at,
    ref_id, text, raw)` with `sql`, which names every column but `text` (SQLite; PostgreSQL:
    with `drover.store.fts_text.PG_INSERT`, which turns the text into `tsv`).

    The text is stored once, in the FTS index (`drover.store.fts_text`): the insert trigger
    would derive it from the raw JSON; handing it the text already extracted saves parsing
    every event again. SQLite stores the raw JSON deflated (`drover.store.event_raw`).
    """
    if dialect_of(conn).name == "postgresql":
        return conn.executemany(PG_INSERT, rows)
    memo = text_memo(conn)
    raws = [encode_raw(str(row[8])) for row in rows]
    if memo is not None:
        for row, raw in zip(rows, raws, strict=True):
            memo.remember(raw, str(row[7]))
    try:
        return conn.executemany(sql, [[*row[:7], raw] for row, raw in zip(rows, raws, strict=True)])
    finally:
        if memo is not None:
            memo.forget()


def _advance_cursor(
    conn: Conn,
    session_id: str,
    thread_id: str | None,
    cursor: str | None,
    newest: tuple[str, str] | None,
    last_seq: int,
) -> str | None:
    """Move the stream's sync cursor forward (never back) in the ingest's transaction.

    One statement: the comparison runs on the normalised `last_key`, and RETURNING hands back
    the cursor as it now stands.
    """
    key = thread_id or ""
    if cursor is None:
        row = conn.execute(
            "SELECT last_processed_at FROM sync_cursors WHERE session_id = ? AND thread_id = ?",
            (session_id, key),
        ).fetchone()
        stored: str | None = row[0] if row else None
        return stored
    candidate: tuple[str | None, str | None] | None
    candidate = newest if cursor == AUTO_CURSOR else (ts_key(cursor), cursor)
    if candidate is None or candidate[0] is None:
        candidate = (None, None)  # nothing datable: only last_seq/updated_at move
    result: str | None
    greatest = dialect_of(conn).greatest
    (result,) = conn.execute(
        "INSERT INTO sync_cursors"
        "(session_id, thread_id, last_processed_at, last_key, last_seq, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(session_id, thread_id) DO UPDATE SET "
        "last_processed_at = CASE WHEN excluded.last_key > coalesce(sync_cursors.last_key, '') "
        "  THEN excluded.last_processed_at ELSE sync_cursors.last_processed_at END, "
        f"last_key = {greatest}(coalesce(sync_cursors.last_key, ''), "
        "coalesce(excluded.last_key, '')), "
        f"last_seq = {greatest}(sync_cursors.last_seq, excluded.last_seq), "
        "updated_at = excluded.updated_at "
        "RETURNING last_processed_at",
        (session_id, key, candidate[1], candidate[0], last_seq, now_key()),
    ).fetchone()
    return result
