"""The page caches of all a process's connections stay within one budget (P9, issue 13):
`PRAGMA soft_heap_limit` set by `connect`, not 32 MB for every connection a thread opens."""

from __future__ import annotations

import _sqlite3
import ctypes
import sqlite3

from drover.store import migrations
from drover.store.migrations import connect

_LIB = ctypes.CDLL(_sqlite3.__file__)  # resolves to the libsqlite3 the module links
_LIB.sqlite3_memory_used.restype = ctypes.c_int64
MB = 2**20


def _table_of(path, mb: int) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE blobs (id INTEGER PRIMARY KEY, body BLOB)")
    conn.executemany("INSERT INTO blobs (body) VALUES (randomblob(4000))", [()] * (mb * 256))
    conn.commit()
    conn.close()


def test_connections_get_the_process_wide_budget(tmp_path) -> None:
    db = connect(tmp_path / "m.db")
    try:
        limit = db.execute("PRAGMA soft_heap_limit").fetchone()[0]
        cache = db.execute("PRAGMA cache_size").fetchone()[0]
    finally:
        db.conn.close()
    assert limit == migrations.SQLITE_HEAP_BUDGET
    assert cache == -migrations.CACHE_KB_PER_CONNECTION


def test_reading_on_many_connections_stays_near_the_budget(tmp_path, monkeypatch) -> None:
    """Four connections each read 12 MB of pages, with a 4 MB budget: together they hold
    about the budget, where their own cache ceilings (32 MB each) would let them hold it all."""
    path = tmp_path / "big.db"
    _table_of(path, 12)
    monkeypatch.setattr(migrations, "SQLITE_HEAP_BUDGET", 4 * MB)
    conns = [connect(path, read_only=True) for _ in range(4)]
    try:
        before = _LIB.sqlite3_memory_used()
        for db in conns:
            assert db.execute("SELECT sum(length(body)) FROM blobs").fetchone()[0] > 11 * MB
        grown = (_LIB.sqlite3_memory_used() - before) / MB
    finally:
        for db in conns:
            db.conn.close()
        connect(path, read_only=True).conn.close()  # the real budget again, for what follows
    assert grown < 8, f"the caches grew by {grown:.1f} MB over a 4 MB budget"


def test_without_a_budget_the_same_reads_would_hold_it_all(tmp_path, monkeypatch) -> None:
    """The check above can fail: with no limit (0) the four caches hold what they read."""
    path = tmp_path / "big.db"
    _table_of(path, 12)
    monkeypatch.setattr(migrations, "SQLITE_HEAP_BUDGET", 0)
    conns = [connect(path, read_only=True) for _ in range(4)]
    try:
        before = _LIB.sqlite3_memory_used()
        for db in conns:
            db.execute("SELECT sum(length(body)) FROM blobs").fetchone()
        grown = (_LIB.sqlite3_memory_used() - before) / MB
    finally:
        for db in conns:
            db.conn.close()
        connect(path, read_only=True).conn.close()
    assert grown > 40
