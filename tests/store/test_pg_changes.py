"""Change notices on a PostgreSQL mirror: what another process commits (the hub) reaches this
process's `on_change`, once, after the rows are readable; this process's own writes are
reported once too (by its writer, not again by its listener). Also: search cancellation and
the search index's one row per event."""

from __future__ import annotations

import queue
import subprocess
import sys
import threading
import time
from typing import Any

import pytest

from drover.store.mirror import Mirror
from drover.store.pg.listen import MAX_PAYLOAD, decode_notices, encode_notices
from drover.store.search import SearchCancelled

# A hub in its own process: opens the mirror, ingests, prints the high-water mark.
_HUB = """
import json, sys
from drover.store.mirror import Mirror
events = json.loads(sys.argv[2])
with Mirror.open(sys.argv[1]) as mirror:
    result = mirror.writer.submit("ingest", "sesn_hub", events).result()
    print(result.high_water_seq)
"""


def _events(start: int, count: int) -> list[dict[str, Any]]:
    return [
        {"type": "agent.message", "id": f"sevt_hub_{i}", "processed_at": "2026-05-12T10:00:00Z",
         "content": [{"type": "text", "text": f"from the hub {i}"}]}
        for i in range(start, start + count)
    ]  # fmt: skip


def _hub(pg_url: str, events: list[dict[str, Any]]) -> int:
    import json

    done = subprocess.run(
        [sys.executable, "-c", _HUB, pg_url, json.dumps(events)],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    return int(done.stdout.strip())


def test_a_change_committed_by_another_process_reaches_on_change(pg_url: str) -> None:
    heard: queue.Queue[tuple[str, int, int]] = queue.Queue()
    with Mirror.open(pg_url) as viewer:  # what the viewer can read when the notice arrives

        def on_change(session_id: str, seq: int) -> None:
            heard.put((session_id, seq, viewer.reader.count_events(session_id)))

        with Mirror.open(pg_url, on_change=on_change) as watching:
            high_water = _hub(pg_url, _events(0, 3))
            assert heard.get(timeout=10) == ("sesn_hub", high_water, 3)
            high_water = _hub(pg_url, _events(3, 2))
            assert heard.get(timeout=10) == ("sesn_hub", high_water, 5)
            assert watching.reader.session("sesn_hub").event_count == 5
            with pytest.raises(queue.Empty):
                heard.get(timeout=0.5)  # one notice per commit, no echo


def test_this_process_writes_are_reported_once(pg_url: str) -> None:
    calls: list[tuple[str, int, str]] = []

    def on_change(session_id: str, seq: int) -> None:
        calls.append((session_id, seq, threading.current_thread().name))

    with Mirror.open(pg_url, on_change=on_change) as mirror:
        mirror.writer.submit("ingest", "sesn_own", _events(0, 2)).result()
        mirror.writer.flush()
        time.sleep(0.5)  # time for a wrong echo from the listener to arrive
    assert calls == [("sesn_own", 2, "drover-mirror-writer")]


def test_notices_split_into_payloads_postgresql_accepts() -> None:
    notices = {f"sesn_{i:040d}": i for i in range(600)}
    payloads = list(encode_notices(notices))
    assert len(payloads) > 1 and all(len(p.encode()) <= MAX_PAYLOAD < 8000 for p in payloads)
    assert dict(pair for p in payloads for pair in decode_notices(p)) == notices
    assert list(decode_notices("garbage\nsesn_1:x\nsesn:with:colons:7")) == [
        ("sesn:with:colons", 7)
    ]


def test_a_search_waiting_on_the_server_is_cancelled(pg_url: str) -> None:
    """A search held up by a lock (as by a slow plan) is cancelled on the server, and the
    reader's connection works afterwards."""
    import psycopg

    with Mirror.open(pg_url) as mirror:
        mirror.writer.submit("ingest", "sesn_1", _events(0, 5)).result()
        blocker = psycopg.connect(pg_url, autocommit=False)
        blocker.execute("LOCK TABLE events IN ACCESS EXCLUSIVE MODE")
        cancel = threading.Event()
        outcome: list[Any] = []

        def run() -> None:
            try:
                outcome.append(mirror.reader.search("hub", cancel=cancel))
            except SearchCancelled as exc:
                outcome.append(exc)

        worker = threading.Thread(target=run)
        worker.start()
        time.sleep(0.3)
        assert worker.is_alive(), "the search did not wait for the lock"
        cancel.set()
        worker.join(10)
        blocker.rollback()
        blocker.close()
        assert not worker.is_alive() and isinstance(outcome[0], SearchCancelled)
        assert len(mirror.reader.search("hub", limit=3)) == 3


def test_every_event_has_exactly_one_search_row(pg_url: str, scenarios: Any) -> None:
    with Mirror.open(pg_url) as mirror:
        for name, deliveries in scenarios.items():
            for thread, event in deliveries:
                mirror.writer.submit("ingest", f"sesn_{name}", [event], thread_id=thread).result()
        conn = mirror.reader._conn()  # type: ignore[attr-defined]
        rows, indexed = conn.execute("SELECT count(*), count(tsv) FROM events").fetchone()
        assert rows > 50 and indexed == rows
        stats = conn.execute(
            "SELECT count(*) FROM (SELECT id FROM events GROUP BY id HAVING count(*) > 1) d"
        ).fetchone()[0]
        assert stats == 0


def test_the_writer_and_the_listener_outlive_a_lost_connection(pg_url: str) -> None:
    """The server drops both connections (a restart, a network cut): the batch that was on
    the wire fails and says why; the next ones commit on a new connection, and notices from
    another process still arrive."""
    import psycopg

    heard: queue.Queue[tuple[str, int]] = queue.Queue()
    with Mirror.open(pg_url, on_change=lambda s, h: heard.put((s, h))) as mirror:
        writer = mirror.writer
        with psycopg.connect(pg_url, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND application_name = 'drover'"
            )
        lost = writer.submit("ingest", "sesn_1", _events(0, 1))
        with pytest.raises(psycopg.OperationalError):
            lost.result(timeout=10)
        assert writer.submit("ingest", "sesn_1", _events(1, 2)).result(timeout=10).new_ids
        assert heard.get(timeout=5)[0] == "sesn_1"  # this process's own write, reported once
        # Notices sent while the listener was away are gone (NOTIFY keeps none): the hub
        # writes until one arrives, which it must once the listener is back.
        for attempt in range(10):
            high_water = _hub(pg_url, _events(10 + attempt, 1))
            try:
                assert heard.get(timeout=2) == ("sesn_hub", high_water)
                break
            except queue.Empty:
                continue
        else:
            pytest.fail("the listener never heard the hub again")


def test_processes_opening_a_new_shared_mirror_at_once_migrate_it_once(pg_url: str) -> None:
    from drover.store.pg.schema import SCHEMA_VERSION

    script = (
        "import sys; from drover.store.mirror import Mirror; "
        "Mirror.open(sys.argv[1]).close(); print('opened')"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", script, pg_url], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]  # fmt: skip
    results = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], [err for _out, err in results]
    with Mirror.open(pg_url) as mirror:
        conn = mirror.reader._conn()  # type: ignore[attr-defined]
        assert conn.execute("SELECT version FROM schema_version").fetchone()[0] == SCHEMA_VERSION
