"""The single writer thread: owns the write connection, commits queued operations in batches.

Why one thread: sqlite-utils/sqlite3 connections are thread-bound and SQLite has one writer at a
time anyway; funnelling every write through one queue lets the writer coalesce many small
operations (one per SSE event burst, per poll page, per user action) into one transaction,
which is what makes FTS-indexed ingest fast (one fsync per batch, not per event).

Each operation runs under its own SAVEPOINT inside the batch transaction: an operation that
raises is rolled back alone (its rows, derived state and cursor together) and its future gets
the exception, while the other operations of the batch still commit. Results are delivered only
after COMMIT returns, so "the future resolved" means "it is on disk (WAL)".

A broken disk fails operations with the typed errors of `drover.store.errors` (never a bare
`sqlite3` error). A full disk is a state, not a flood: the writer logs it once, keeps
`disk_full` set until a commit succeeds again, and `wait_for_space` lets its callers (the sync
followers and poller) pause instead of re-downloading what they cannot store. Nothing of a
failed batch lands, and nothing committed before it is touched.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drover.store import imports, launches, objects, outbox, quarantine
from drover.store.account import AccountBinding, bind_account
from drover.store.derive import recompute_session
from drover.store.dialect import Conn
from drover.store.disk import DiskState
from drover.store.errors import DiskFullError, MirrorStorageError, storage_error
from drover.store.ingest import AUTO_CURSOR, IngestResult, ingest_events
from drover.store.migrations import Synchronous, connect, migrate
from drover.store.models import JSONObject
from drover.store.quarantine import QuarantineItem
from drover.store.writer_steer import STEER_OPS, SteerWrites

log = logging.getLogger(__name__)

ChangeCallback = Callable[[str, int], None]
"""`on_change(session_id, high_water_seq)`: called on the writer thread after each commit."""


def _high_water(conn: Conn, session_ids: list[str]) -> dict[str, int]:
    out = {}
    for sid in session_ids:
        row = conn.execute("SELECT high_water_seq FROM sessions WHERE id = ?", (sid,)).fetchone()
        out[sid] = row[0] if row else 0
    return out


def _ingest_notices(conn: Conn, result: tuple[IngestResult, bool]) -> dict[str, int]:
    res, touched = result
    return {res.session_id: res.high_water_seq} if touched else {}


# Operation name -> (function run on the write connection, result -> public result,
# notices extractor (runs inside the transaction; returns {session_id: high_water_seq})).
_OPS: dict[str, tuple[Callable[..., Any], Callable[[Any], Any], Callable[..., dict[str, int]]]] = {
    "ingest": (ingest_events, lambda r: r[0], _ingest_notices),
    "upsert_sessions": (objects.upsert_sessions, lambda r: r, _high_water),
    "upsert_threads": (objects.upsert_threads, lambda r: r, _high_water),
    "upsert_agents": (objects.upsert_agents, lambda r: r, lambda c, r: {}),
    "upsert_environments": (objects.upsert_environments, lambda r: r, lambda c, r: {}),
    "enqueue_action": (
        outbox.enqueue_action,
        lambda r: r,
        lambda c, r: _high_water(
            c, [c.execute("SELECT session_id FROM outbox WHERE id = ?", (r,)).fetchone()[0]]
        ),
    ),
    "mark_sending": (outbox.mark_sending, lambda r: None, lambda c, r: _high_water(c, [r])),
    "claim_action": (
        outbox.claim_action,
        lambda r: r,
        lambda c, r: _high_water(c, [r]) if r is not None else {},
    ),
    "renew_leases": (outbox.renew_leases, lambda r: r, lambda c, r: {}),
    "quarantine": (
        quarantine.quarantine_items,
        lambda r: r.new_ids,
        lambda c, r: _high_water(c, [r.session_id]) if r.new_ids else {},
    ),
    "mark_sent": (outbox.mark_sent, lambda r: None, lambda c, r: _high_water(c, [r])),
    "mark_failed": (outbox.mark_failed, lambda r: None, lambda c, r: _high_water(c, [r])),
    "recompute_session": (
        recompute_session,
        lambda r: r,
        lambda c, r: {r.session_id: r.high_water_seq},
    ),
    "import_session": (
        imports.import_session,
        lambda r: r,
        lambda c, r: {r.session_id: r.high_water_seq} if r.changed else {},
    ),
    "bind_account": (bind_account, lambda r: r, lambda c, r: {}),
    "noop": (lambda conn: None, lambda r: None, lambda c, r: {}),
    **STEER_OPS,
}
_OPS.update(launches.LAUNCH_OPS)
OPERATIONS = tuple(_OPS)


@dataclass
class _Op:
    name: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    future: Future[Any] = field(default_factory=Future)


_STOP = object()


class MirrorWriter(SteerWrites):
    """Owns the mirror's write connection on a dedicated thread.

    Args:
        path: the mirror database file (created and migrated if needed).
        synchronous: `NORMAL` (default) or `FULL`.
        on_change: optional `(session_id, high_water_seq)` callback, called on the writer
            thread after each commit that changed a session; marshal to your loop yourself
            (e.g. `loop.call_soon_threadsafe`). It receives ids, never row data.
        max_batch: most operations coalesced into one transaction.
        max_latency: how long (seconds) the writer may wait for more operations to join a
            batch once it has one; 0 commits whatever is already queued immediately.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        synchronous: Synchronous = "NORMAL",
        on_change: ChangeCallback | None = None,
        max_batch: int = 512,
        max_latency: float = 0.0,
    ) -> None:
        self.path = Path(path)
        self._synchronous = synchronous
        self.disk = DiskState(self.path)
        """The file's health as the writer found it (disk full, damaged, read-only)."""
        self._start(on_change, max_batch, max_latency)

    def _start(self, on_change: ChangeCallback | None, max_batch: int, max_latency: float) -> None:
        """Start the thread; returns once the connection is open and migrated (or raises)."""
        self._on_change = on_change
        self._max_batch = max(1, max_batch)
        self._max_latency = max(0.0, max_latency)
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._closed = False
        self._lock = threading.Lock()
        self._ready: Future[None] = Future()
        self._thread = threading.Thread(target=self._run, name="drover-mirror-writer", daemon=True)
        self._thread.start()
        self._ready.result()  # re-raises an open/migration failure here, in the caller

    # -- submission ---------------------------------------------------------------------------

    def submit(self, operation: str, *args: Any, **kwargs: Any) -> Future[Any]:
        """Queue a named operation (see `OPERATIONS`) from any thread.

        Returns:
            A concurrent future resolved after the operation's transaction committed, with the
            operation's result (or its exception; the operation was then rolled back alone).
        """
        if operation not in _OPS:
            raise ValueError(f"unknown mirror operation {operation!r}; known: {OPERATIONS}")
        op = _Op(operation, args, kwargs)
        with self._lock:
            if self._closed:
                raise RuntimeError("the mirror writer is closed")
            self._queue.put(op)
        return op.future

    async def _call(self, operation: str, *args: Any, **kwargs: Any) -> Any:
        return await asyncio.wrap_future(self.submit(operation, *args, **kwargs))

    async def ingest(
        self,
        session_id: str,
        events: list[JSONObject],
        *,
        thread_id: str | None = None,
        cursor: str | None = AUTO_CURSOR,
    ) -> IngestResult:
        """Store wire events idempotently (see `drover.store.ingest.ingest_events`)."""
        result: IngestResult = await self._call(
            "ingest", session_id, list(events), thread_id=thread_id, cursor=cursor
        )
        return result

    async def upsert_sessions(self, sessions: list[JSONObject]) -> list[str]:
        """Insert/refresh `Session` objects and reconcile derived state; returns their ids."""
        result: list[str] = await self._call("upsert_sessions", list(sessions))
        return result

    async def upsert_threads(self, threads: list[JSONObject]) -> list[str]:
        """Insert/refresh `Thread` objects; returns the affected session ids."""
        result: list[str] = await self._call("upsert_threads", list(threads))
        return result

    async def upsert_agents(self, agents: list[JSONObject]) -> list[str]:
        """Insert/refresh `Agent` objects; returns their ids."""
        result: list[str] = await self._call("upsert_agents", list(agents))
        return result

    async def upsert_environments(self, envs: list[JSONObject]) -> list[str]:
        """Insert/refresh `Environment` objects; returns their ids."""
        result: list[str] = await self._call("upsert_environments", list(envs))
        return result

    async def enqueue_action(self, session_id: str, kind: str, payload: object) -> int:
        """Persist a queued user action; returns its local outbox id."""
        result: int = await self._call("enqueue_action", session_id, kind, payload)
        return result

    async def mark_sending(self, action_id: int) -> None:
        """Outbox row → `sending` (attempts + 1)."""
        await self._call("mark_sending", action_id)

    async def claim_action(
        self, action_id: int, owner: str, lease_until: float, *, take_over: str | None = None
    ) -> bool:
        """Make `owner` the row's sender (compare-and-set; see `drover.store.outbox`).

        Returns:
            False when another process claimed it first.
        """
        session_id: str | None = await self._call(
            "claim_action", action_id, owner, lease_until, take_over=take_over
        )
        return session_id is not None

    async def renew_leases(self, owner: str, lease_until: float) -> int:
        """Extend the lease of every row `owner` is sending; returns how many."""
        count: int = await self._call("renew_leases", owner, lease_until)
        return count

    async def quarantine(
        self,
        session_id: str,
        items: list[QuarantineItem],
        *,
        thread_id: str | None = None,
    ) -> list[str]:
        """Keep wire items that are not storable events (see `drover.store.quarantine`).

        Returns:
            Local event ids of the items quarantined for the first time.
        """
        new_ids: list[str] = await self._call(
            "quarantine", session_id, list(items), thread_id=thread_id
        )
        return new_ids

    async def mark_sent(self, action_id: int, server_ids: list[str]) -> None:
        """Outbox row → `sent` with the server event ids of the send receipt."""
        await self._call("mark_sent", action_id, list(server_ids))

    async def mark_failed(self, action_id: int, reason: str) -> None:
        """Outbox row → `failed` with a reason."""
        await self._call("mark_failed", action_id, reason)

    async def bind_account(self, account: AccountBinding) -> AccountBinding:
        """Record the mirror's account, or check it (raises `MirrorAccountError`)."""
        bound: AccountBinding = await self._call("bind_account", account)
        return bound

    async def create_launch(self, launch: launches.NewLaunch) -> str:
        """Record a launch and its items, all queued (see `drover.store.launches`)."""
        result: str = await self._call("create_launch", launch)
        return result

    async def set_launch_state(self, launch_id: str, state: str, error: str | None = None) -> None:
        """A launch → `running`, `paused` or `done` (with why it stopped early, if it did)."""
        await self._call("set_launch_state", launch_id, state, error)

    async def launch_item_creating(self, launch_id: str, idx: int) -> bool:
        """An item queued → creating, committed before its create request goes out."""
        result: bool = await self._call("launch_item_creating", launch_id, idx)
        return result

    async def launch_item_created(self, launch_id: str, idx: int, session_id: str) -> None:
        """An item → created, with its session."""
        await self._call("launch_item_created", launch_id, idx, session_id)

    async def launch_item_failed(self, launch_id: str, idx: int, error: str) -> None:
        """An item → failed, with the reason."""
        await self._call("launch_item_failed", launch_id, idx, error)

    async def launch_items_requeue(
        self,
        launch_id: str,
        idxs: list[int],
        *,
        states: tuple[str, ...] = ("creating",),
        note: str | None = None,
    ) -> int:
        """Items in `states` → queued again; returns how many."""
        result: int = await self._call(
            "launch_items_requeue", launch_id, idxs, states=states, note=note
        )
        return result

    async def recompute_session(self, session_id: str) -> None:
        """Rebuild one session's derived state from its stored events."""
        await self._call("recompute_session", session_id)

    @property
    def disk_full(self) -> DiskFullError | None:
        """Set while the disk is full (from a failed commit until the next successful one)."""
        return self.disk.full

    @property
    def broken(self) -> MirrorStorageError | None:
        """Set once the file turned out damaged or read-only: every later write fails too."""
        return self.disk.broken

    async def wait_for_space(self, **options: float) -> None:
        """While the disk is full, wait until it probably is not (see `DiskState`)."""
        await self.disk.wait_for_space(**options)

    def flush(self, timeout: float | None = None) -> None:
        """Block until everything queued before this call has committed."""
        self.submit("noop").result(timeout)

    def close(self, timeout: float | None = 30.0) -> None:
        """Commit what is queued, then stop the thread and close the connection."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._queue.put(_STOP)
        self._thread.join(timeout)

    # -- the thread -----------------------------------------------------------------------------

    # -- what a backend changes (drover.store.pg.writer overrides these) ----------------------

    def _open(self) -> Conn:
        """Open the write connection and bring the schema up to date."""
        db = connect(self.path, synchronous=self._synchronous)
        migrate(db)
        return db.conn

    def _begin(self, conn: Conn) -> None:
        """Open a batch's transaction, taking the write lock."""
        conn.execute("BEGIN IMMEDIATE")

    def _connection(self, conn: Conn) -> Conn:
        """The connection for the next batch (a file's never goes away; a server's may)."""
        return conn

    def _publish(self, conn: Conn, notices: dict[str, int]) -> None:
        """Inside the batch's transaction, before COMMIT: tell other processes (nothing here:
        an SQLite mirror has no other readers to tell)."""

    def _run(self) -> None:
        try:
            conn = self._open()
        except BaseException as exc:  # report to the constructor, then end the thread
            self._ready.set_exception(storage_error(exc, self.disk.path) or exc)
            return
        self._ready.set_result(None)
        try:
            stop = False
            while not stop:
                first = self._queue.get()
                if first is _STOP:
                    break
                batch, stop = self._gather(first)
                conn = self._connection(conn)
                self._execute(conn, batch)
        finally:
            with contextlib.suppress(sqlite3.Error):  # the closing checkpoint may meet a full disk
                conn.close()

    def _gather(self, first: _Op) -> tuple[list[_Op], bool]:
        batch = [first]
        deadline = time.monotonic() + self._max_latency
        while len(batch) < self._max_batch:
            remaining = deadline - time.monotonic()
            try:
                item = (
                    self._queue.get(timeout=remaining)
                    if remaining > 0
                    else self._queue.get_nowait()
                )
            except queue.Empty:
                break
            if item is _STOP:
                return batch, True
            batch.append(item)
        return batch, False

    def _execute(self, conn: Conn, batch: list[_Op]) -> None:
        live = [op for op in batch if op.future.set_running_or_notify_cancel()]
        if not live:
            return
        if self.disk.broken is not None:  # a damaged file is never written again
            for op in live:
                op.future.set_exception(self.disk.broken)
            return
        outcomes: list[tuple[_Op, Any, BaseException | None]] = []
        notices: dict[str, int] = {}
        try:
            self._begin(conn)
            for op in live:
                fn, public, notice = _OPS[op.name]
                conn.execute("SAVEPOINT op")
                try:
                    raw = fn(conn, *op.args, **op.kwargs)
                    for sid, seq in notice(conn, raw).items():
                        notices[sid] = max(seq, notices.get(sid, 0))
                    conn.execute("RELEASE op")
                    outcomes.append((op, public(raw), None))
                except Exception as exc:
                    conn.execute("ROLLBACK TO op")
                    conn.execute("RELEASE op")
                    outcomes.append((op, None, self.disk.failed(exc) or exc))
            self._publish(conn, notices)
            conn.execute("COMMIT")
        except Exception as exc:  # BEGIN/COMMIT failed (disk full, I/O error): nothing landed
            if conn.in_transaction:
                with contextlib.suppress(Exception):  # whatever the backend's error type
                    conn.execute("ROLLBACK")
            typed = self.disk.failed(exc)
            if typed is None:
                log.exception("mirror batch of %d operations failed", len(live))
            for op in live:
                op.future.set_exception(typed or exc)
            return
        self.disk.committed()
        for op, result, error in outcomes:
            if error is None:
                op.future.set_result(result)
            else:
                op.future.set_exception(error)
        if self._on_change is not None:
            for sid, seq in notices.items():
                try:
                    self._on_change(sid, seq)
                except Exception:  # a UI bug must not kill the writer
                    log.exception("mirror on_change callback failed")
