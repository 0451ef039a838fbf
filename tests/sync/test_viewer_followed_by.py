"""A viewer says who follows its mirror (the hub, from its heartbeat) without a query on the
loop: `start` reads the heartbeat on a worker thread, `followed_by` only answers what was read,
and `read_followed_by` reads it again when asked."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from drover.store.extract import now_key
from drover.sync.viewer import ViewerEngine


async def test_followed_by_reads_nothing_and_start_reads_off_the_loop(
    mirror: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = now_key()
    mirror.writer.submit("hub_heartbeat", "team", "hubhost:4321:tok", started, True, {}).result()
    reads: list[threading.Thread] = []
    real = mirror.reader.hub_status

    def counted() -> Any:
        reads.append(threading.current_thread())
        return real()

    monkeypatch.setattr(mirror.reader, "hub_status", counted)
    viewer = ViewerEngine(mirror.writer, mirror.reader)
    assert viewer.followed_by is None  # not read yet
    await viewer.start()
    assert len(reads) == 1 and reads[0] is not threading.current_thread()
    for _ in range(4):  # the header asks before and after start, twice each
        holder = viewer.followed_by
        assert holder is not None and holder.pid == 4321
        assert holder.what == "drover hub on hubhost"
    assert len(reads) == 1

    mirror.writer.submit("hub_heartbeat", "team", "hubhost:4321:tok", started, False, {}).result()
    assert viewer.followed_by is not None  # still the answer read at start
    assert viewer.read_followed_by() is None  # the hub says it stopped following
    assert viewer.followed_by is None and len(reads) == 2
