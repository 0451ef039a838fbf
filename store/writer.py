"""The single writer thread: owns the write connection, commits queued operations in batches.

Why one thread: sqlite3 connections are thread-bound and SQLite has one writer at a
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

from drover.store.dialect import Conn
from drover.store.disk import DiskState
from drover.store.errors import DiskFullError, MirrorStorageError, storage_error
from drover.store.migrations import Synchronous, connect, migrate
from drover.store.operations import OPERATIONS, OPS
from drover.store.writer_launches import LaunchWrites
from drover.store.writer_steer import SteerWrites

log = logging.getLogger(__name__)

ChangeCallback = Callable[[str, int], None]
"""`on_change(session_id, high_water_seq)`: called on the writer thread after each commit."""


@dataclass
class _Op:
    name: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    future: Future[Any] = field(default_factory=Future)


_STOP = object()


class MirrorWriter(SteerWrites, LaunchWrites):
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
        if operation not in OPS:
            raise ValueError(f"unknown mirror operation {operation!r}; known: {OPERATIONS}")
        op = _Op(operation, args, kwargs)
        with self._lock:
            if self._closed:
                raise RuntimeError("the mirror writer is closed")
            self._queue.put(op)
        return op.future

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
                fn, public, notice = OPS[op.name]
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
