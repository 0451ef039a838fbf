"""Read queries behind every view. Safe from any thread; never waits for the writer.

Each thread gets its own connection (sqlite connections are thread-bound in spirit even when
`check_same_thread` is off), opened lazily with `query_only`. Under WAL a reader sees the last
committed snapshot and is never blocked by the writer's transaction. Every list query is
bounded (`limit`) and pages by keyset on `seq`, never by OFFSET over events.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drover.store.dialect import Conn, dialect_of
from drover.store.fleet import FleetQuery, fleet_ids, register_functions
from drover.store.lanes import ALL_THREADS, PRIMARY, lane_filter
from drover.store.migrations import connect
from drover.store.reader_launches import LaunchQueries
from drover.store.reader_review import ReviewQueries
from drover.store.reader_steer import SteerQueries, with_steer
from drover.store.reader_sync import SyncQueries
from drover.store.session_row import SessionRow

if TYPE_CHECKING:  # the other rows and the account load on first use: `drover ls` reads none
    from drover.store.account import AccountBinding
    from drover.store.models import (
        EventRow,
        HeaderCounts,
        JSONObject,
        OutboxRow,
        SQLValue,
        SyncCursor,
        ThreadRow,
    )

SESSION_SORTS = {
    "created_at": "created_at",
    "updated_at": "updated_at",
    "last_event_at": "last_event_at",
    "cost": "list_cost_cents",
    "title": "title COLLATE NOCASE",
    "status": "status",
    "needs_since": "needs_since",
}


def _ids(value: str | None) -> list[str] | None:
    return json.loads(value) if value else None


class MirrorReader(SyncQueries, ReviewQueries, SteerQueries, LaunchQueries):
    """Read-only access to a mirror file.

    Args:
        path: the mirror database file (must already exist; the writer creates it).
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise FileNotFoundError(f"no mirror at {self.path}")
        self._local = threading.local()
        self._lock = threading.Lock()
        self._conns: list[Conn] = []  # every thread's, so that close() reaches them all

    @property
    def location(self) -> str:
        """The mirror file's path."""
        return str(self.path)

    def _open(self) -> Conn:
        """A new read-only connection (one per thread; `PgMirrorReader` opens its own kind)."""
        conn = connect(self.path, read_only=True).conn
        conn.row_factory = sqlite3.Row
        register_functions(conn)
        return conn

    def _conn(self) -> Conn:
        conn: Conn | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._open()
            self._local.conn = conn
            with self._lock:
                self._conns.append(conn)
        return conn

    def close(self) -> None:
        """Close every connection this reader opened (in any thread)."""
        with self._lock:
            conns, self._conns = self._conns, []
        for conn in conns:
            conn.close()
        self._local = threading.local()

    def _all(self, sql: str, params: Iterable[SQLValue] = ()) -> list[Any]:
        return self._conn().execute(sql, tuple(params)).fetchall()

    # -- sessions ------------------------------------------------------------------------------

    def session(self, session_id: str) -> SessionRow | None:
        """One session's header state, with its raw server JSON (None if unknown)."""
        row = (
            self._conn()
            .execute(
                f"SELECT {SessionRow.COLUMNS}, raw AS _raw FROM sessions WHERE id = ?",
                (session_id,),
            )
            .fetchone()
        )
        if row is None:
            return None
        data = dict(row)
        raw = data.pop("_raw")
        return with_steer(self._conn(), [SessionRow.from_row(data, raw)], outcomes=True)[0]

    def sessions(
        self,
        *,
        status: str | Iterable[str] | None = None,
        agent_id: str | None = None,
        needs_you: bool | None = None,
        include_archived: bool = False,
        include_deleted: bool = False,
        sort: str = "created_at",
        descending: bool = True,
        limit: int = 500,
        offset: int = 0,
    ) -> list[SessionRow]:
        """Filtered, sorted session list (text/regex filtering is left to the caller).

        Args:
            status: one status or several.
            agent_id: only this agent's sessions.
            needs_you: True = only sessions needing attention; False = only the others.
            include_archived: include archived sessions.
            include_deleted: include sessions seen deleted.
            sort: a key of `SESSION_SORTS`.
            descending: sort direction (ties broken by id, so the order is stable).
            limit: page size.
            offset: rows to skip (sessions are few; events page by keyset instead).
        """
        if sort not in SESSION_SORTS:
            raise ValueError(f"unknown sort {sort!r}; choose from {sorted(SESSION_SORTS)}")
        where, params = self._session_filters(
            status, agent_id, needs_you, include_archived, include_deleted
        )
        direction = "DESC" if descending else "ASC"
        key = dialect_of(self._conn()).ordering(SESSION_SORTS[sort])
        rows = self._all(
            f"SELECT {SessionRow.COLUMNS} FROM sessions {where} "
            f"ORDER BY {key} {direction} NULLS LAST, id {direction} "
            "LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
        return with_steer(self._conn(), [SessionRow.from_row(r) for r in rows])

    @staticmethod
    def _session_filters(
        status: str | Iterable[str] | None,
        agent_id: str | None,
        needs_you: bool | None,
        include_archived: bool,
        include_deleted: bool,
    ) -> tuple[str, list[SQLValue]]:
        clauses: list[str] = []
        params: list[SQLValue] = []
        if status is not None:
            statuses = [status] if isinstance(status, str) else list(status)
            clauses.append(f"status IN ({','.join('?' * len(statuses))})")
            params.extend(statuses)
        if agent_id is not None:
            clauses.append("agent_id = ?")
            params.append(agent_id)
        if needs_you is not None:
            clauses.append("needs_you IS NOT NULL" if needs_you else "needs_you IS NULL")
        if not include_archived:
            clauses.append("archived_at IS NULL")
        if not include_deleted:
            clauses.append("deleted = 0")
        return ("WHERE " + " AND ".join(clauses) if clauses else ""), params

    def fleet_ids(self, query: FleetQuery, limit: int | None = None) -> list[str]:
        """Ids of the sessions the fleet list shows for `query`, in display order (the first
        `limit` of them, if given: `drover.store.fleet.fleet_ids`).

        Raises:
            re.error: the query's pattern is not a valid regular expression.
        """
        return fleet_ids(self._conn(), query, limit)

    def fleet_rows(self, ids: Sequence[str]) -> dict[str, SessionRow]:
        """Current rows of the given sessions (unknown ids are left out)."""
        rows: dict[str, SessionRow] = {}
        for chunk in range(0, len(ids), 500):  # under SQLite's bound-parameter limit
            part = list(ids[chunk : chunk + 500])
            marks = ",".join("?" * len(part))
            for r in self._all(
                f"SELECT {SessionRow.COLUMNS} FROM sessions WHERE id IN ({marks})", part
            ):
                rows[r["id"]] = SessionRow.from_row(r)
        found = with_steer(self._conn(), [rows[sid] for sid in ids if sid in rows], outcomes=True)
        return {row.id: row for row in found}

    def attention_baseline(self) -> tuple[int, list[SessionRow]]:
        """What attention tracking starts from, in one statement (one snapshot on both
        backends): the highest `attention_rev` (a session above it changed category since)
        and every session that needs you (those the window title counts), never every session.
        """
        found = self._all(
            "WITH mark AS (SELECT coalesce(max(attention_rev), 0) AS mark_rev FROM sessions) "
            f"SELECT mark_rev, {SessionRow.COLUMNS} FROM mark "
            # `>= ''`, not `IS NOT NULL`: a range SQLite reads through `sessions_needs`.
            "LEFT JOIN sessions ON needs_you >= ''"
        )
        rows = []
        for found_row in found:
            data = dict(found_row)
            del data["mark_rev"]
            if data["id"] is not None:  # else the mark alone: nobody needs you
                rows.append(SessionRow.from_row(data))
        return int(found[0]["mark_rev"]), with_steer(self._conn(), rows)

    def inbox(self, *, limit: int = 500, include_archived: bool = False) -> list[SessionRow]:
        """Sessions needing you first (longest-waiting first), then the rest newest first.

        Two reads, so that neither sorts the whole fleet (`drover ls` at 100k sessions): those
        needing you through `sessions_needs` (`>= ''` is a range on it; `IS NOT NULL` is not),
        then the rest down `sessions_fleet_age`, as many as the limit leaves.
        """
        where, params = self._session_filters(None, None, None, include_archived, False)
        where += " AND " if where else "WHERE "
        needing = self._all(
            f"SELECT {SessionRow.COLUMNS} FROM sessions {where}needs_you >= '' "
            "ORDER BY needs_since, created_at DESC NULLS LAST, id LIMIT ?",
            [*params, limit],
        )
        rest: list[sqlite3.Row] = []
        if len(needing) < limit:
            # Down the fleet's age index (its leading term is the same for every row here).
            idle = dialect_of(self._conn()).unindexed("needs_you")
            rest = self._all(
                f"SELECT {SessionRow.COLUMNS} FROM sessions {where}{idle} IS NULL "
                "ORDER BY (needs_you IS NULL), created_at DESC NULLS LAST, id LIMIT ?",
                [*params, limit - len(needing)],
            )
        return with_steer(self._conn(), [SessionRow.from_row(r) for r in (*needing, *rest)])

    def threads(self, session_id: str) -> list[ThreadRow]:
        """The threads known for a session, oldest first."""
        from drover.store.models import ThreadRow

        rows = self._all(
            "SELECT id, session_id, parent_thread_id, agent_name, status, stop_reason, "
            "list_cost_cents, created_at, raw FROM threads WHERE session_id = ? "
            "ORDER BY created_at NULLS LAST, rowid",
            [session_id],
        )
        # r[:-1] is the 8 leading columns (mypy cannot count the items of a sliced Row).
        return [ThreadRow(*r[:-1], json.loads(r[-1]) if r[-1] else None) for r in rows]  # type: ignore[call-arg]

    def agents(self) -> list[JSONObject]:
        """Every mirrored Agent object (raw JSON)."""
        return [json.loads(r[0]) for r in self._all("SELECT raw FROM agents ORDER BY name, id")]

    def environments(self) -> list[JSONObject]:
        """Every mirrored Environment object (raw JSON)."""
        return [
            json.loads(r[0]) for r in self._all("SELECT raw FROM environments ORDER BY name, id")
        ]

    # -- events --------------------------------------------------------------------------------

    def transcript(
        self,
        session_id: str,
        *,
        thread: str | None = PRIMARY,
        after_seq: int | None = None,
        before_seq: int | None = None,
        limit: int = 200,
    ) -> list[EventRow]:
        """One page of a transcript in ascending seq order, by keyset.

        Args:
            session_id: the session.
            thread: `PRIMARY` (session stream view), `ALL_THREADS`, or a thread id.
            after_seq: page forward: events with seq greater than this (0 = from the start).
            before_seq: page backward: the `limit` events just before this seq.
            limit: page size.

        With neither bound, returns the newest `limit` events (the live tail).
        """
        from drover.store.models import EventRow

        if after_seq is not None and before_seq is not None:
            raise ValueError("pass after_seq or before_seq, not both")
        lane, lane_params = lane_filter(thread)
        clauses = ["session_id = ?", lane]
        params: list[SQLValue] = [session_id, *lane_params]
        if after_seq is not None:
            clauses.append("seq > ?")
            params.append(after_seq)
            order = "ASC"
        else:
            if before_seq is not None:
                clauses.append("seq < ?")
                params.append(before_seq)
            order = "DESC"
        rows = self._all(
            f"SELECT {EventRow.COLUMNS} FROM events WHERE {' AND '.join(clauses)} "
            f"ORDER BY seq {order} LIMIT ?",
            [*params, limit],
        )
        events = [EventRow.from_row(r) for r in rows]
        return events if order == "ASC" else events[::-1]

    def events_by_type(
        self,
        session_id: str,
        types: str | Iterable[str],
        *,
        before_seq: int | None = None,
        limit: int = 100,
    ) -> list[EventRow]:
        """A session's events of the given types, newest first (keyset on `before_seq`)."""
        from drover.store.models import EventRow

        wanted = [types] if isinstance(types, str) else list(types)
        params: list[SQLValue] = [session_id, *wanted]
        extra = ""
        if before_seq is not None:
            extra = "AND seq < ?"
            params.append(before_seq)
        rows = self._all(
            f"SELECT {EventRow.COLUMNS} FROM events WHERE session_id = ? "
            f"AND type IN ({','.join('?' * len(wanted))}) {extra} ORDER BY seq DESC LIMIT ?",
            [*params, limit],
        )
        return [EventRow.from_row(r) for r in rows]

    def event_by_id(self, event_id: str) -> EventRow | None:
        """One event by server id."""
        from drover.store.models import EventRow

        row = (
            self._conn()
            .execute(f"SELECT {EventRow.COLUMNS} FROM events WHERE id = ?", (event_id,))
            .fetchone()
        )
        return EventRow.from_row(row) if row else None

    def busiest_sessions(
        self, since: str | None = None, limit: int = 9, *, window: int = 20_000
    ) -> list[tuple[str, int]]:
        """Sessions with the most recent events, busiest first (see
        `drover.store.activity.busiest_sessions`)."""
        from drover.store import activity

        return activity.busiest_sessions(self._conn(), since, limit, window=window)

    def event_ids(self, session_id: str) -> set[str]:
        """Every stored event id of a session (for comparing with the server's log)."""
        return {r[0] for r in self._all("SELECT id FROM events WHERE session_id = ?", [session_id])}

    def iter_events(
        self, session_id: str, *, thread: str | None = ALL_THREADS, page: int = 1000
    ) -> Iterator[EventRow]:
        """Every event of a session in seq order, fetched a page at a time (for export)."""
        after = 0
        while rows := self.transcript(session_id, thread=thread, after_seq=after, limit=page):
            yield from rows
            after = rows[-1].seq

    def count_events(self, session_id: str, from_seq: int = 0, to_seq: int = 2**62) -> int:
        """How many events of a session (all threads) have a seq in `from_seq..to_seq`."""
        sql = "SELECT count(*) FROM events WHERE session_id = ? AND seq BETWEEN ? AND ?"
        count: int = self._all(sql, [session_id, from_seq, to_seq])[0][0]
        return count

    def header_counts(self, *, today: str | None = None) -> HeaderCounts:
        """Sessions, running, needing you, errored, and spend today (UTC `YYYY-MM-DD`)."""
        from drover.store import rollups

        return rollups.header_counts(self._conn(), today=today)

    def account(self) -> AccountBinding | None:
        """The account this mirror holds (None until its first sync)."""
        from drover.store.account import read_account

        return read_account(self._conn())

    # -- outbox and sync state -----------------------------------------------------------------

    def outbox(self, session_id: str | None = None, *, unfinished: bool = False) -> list[OutboxRow]:
        """Outbox rows, oldest first: one session's, or (unfinished) every queued/sending one."""
        from drover.store.models import OutboxRow

        clauses, params = [], []
        if session_id is not None:
            clauses.append("session_id = ?")
            params.append(session_id)
        if unfinished:
            clauses.append("state IN ('queued', 'sending')")
        where = "WHERE " + " AND ".join(clauses) if clauses else ""
        rows = self._all(
            "SELECT id, session_id, kind, payload, state, server_event_ids, error, attempts, "
            "created_at, updated_at, owner, lease_until, actor_role, actor_name, answer_ref "
            f"FROM outbox {where} ORDER BY id",
            params,
        )
        return [
            OutboxRow(**{**dict(r), "payload": json.loads(r[3]), "server_event_ids": _ids(r[5])})
            for r in rows
        ]

    def cursor(self, session_id: str, thread_id: str | None = None) -> SyncCursor | None:
        """The sync cursor of a session's stream (thread_id None) or of one thread's stream."""
        from drover.store.models import SyncCursor

        row = (
            self._conn()
            .execute(
                "SELECT last_processed_at, last_seq, updated_at FROM sync_cursors "
                "WHERE session_id = ? AND thread_id = ?",
                (session_id, thread_id or ""),
            )
            .fetchone()
        )
        return SyncCursor(session_id, thread_id, *row) if row else None
