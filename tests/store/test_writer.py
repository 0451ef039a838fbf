"""The writer thread's contract: named operations, isolation, callbacks, shutdown."""

from __future__ import annotations

import threading

import pytest

from drover.store.mirror import Mirror
from drover.store.writer import OPERATIONS

EVENT = {"type": "session.status_running", "id": "sevt_w1", "processed_at": "2026-05-12T09:00:00Z"}


def test_unknown_operation_is_refused(mirror):
    with pytest.raises(ValueError, match="unknown mirror operation"):
        mirror.writer.submit("drop_everything")
    assert "ingest" in OPERATIONS


def test_failing_change_callback_does_not_stop_the_writer(mirror_location):
    calls = []

    def on_change(session_id, seq):
        calls.append(session_id)
        raise RuntimeError("UI bug")

    with Mirror.open(mirror_location, on_change=on_change) as m:
        m.writer.submit("ingest", "sesn_1", [EVENT]).result(timeout=5)
        m.writer.submit("ingest", "sesn_2", [{**EVENT, "id": "sevt_w2"}]).result(timeout=5)
        assert m.reader.session("sesn_2").status == "running"
    assert calls == ["sesn_1", "sesn_2"]


def test_close_commits_what_was_queued_then_refuses(mirror_location):
    path = mirror_location
    m = Mirror.open(path, max_latency=0.2)
    futures = [
        m.writer.submit("ingest", "sesn_1", [{**EVENT, "id": f"sevt_{i}"}]) for i in range(20)
    ]
    m.close()
    assert all(f.done() and f.exception() is None for f in futures)
    with pytest.raises(RuntimeError, match="closed"):
        m.writer.submit("noop")
    with Mirror.open(path) as again:
        assert len(again.reader.event_ids("sesn_1")) == 20


def test_submissions_from_many_threads(mirror):
    def work(n: int) -> None:
        for i in range(25):
            ev = {**EVENT, "id": f"sevt_{n}_{i}", "type": "agent.message"}
            mirror.writer.submit("ingest", f"sesn_{n}", [ev]).result(timeout=10)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [mirror.reader.session(f"sesn_{n}").event_count for n in range(4)] == [25] * 4
