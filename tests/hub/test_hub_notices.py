"""The hub in this process, on a real PostgreSQL mirror fed by the sim: its own commits poke
nothing (its delivery loop reads the outbox only when something may wait there) and alone make
its lag figures; another process's notice (a viewer queueing an action) still wakes delivery
at once."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import pytest
from inprocess_hub import hub_engines, until

from drover.hub.service import Hub, HubOptions
from drover.store.mirror import Mirror

LISTENER = "drover-mirror-listen"


@pytest.fixture
async def running_hub(sim_factory, pg_url, tmp_path) -> AsyncIterator[Hub]:
    sim = sim_factory(fleet=4, fleet_active=4, seed=5)
    # A heartbeat an hour apart: only the notices and the hub's own work can wake delivery.
    hub = Hub(
        hub_engines(sim, pg_url, tmp_path),
        None,
        HubOptions(name="team", port=0, heartbeat_seconds=3600),
    )
    stop = asyncio.Event()
    task = asyncio.create_task(hub.run(stop))
    await asyncio.wait_for(hub.started.wait(), 30)
    try:
        yield hub
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


async def test_own_commits_poke_nothing_and_a_viewers_notice_wakes_delivery(
    running_hub: Hub, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub = running_hub
    assert hub.mirror is not None and hub.engine is not None
    outbox = hub.engine.outbox
    reads: Counter[str] = Counter()

    class CountingReader:
        """The hub's reader, as its outbox sees it, counting the outbox's looks at its rows
        (the heartbeat's reads of the same table go through the mirror's, uncounted)."""

        def __init__(self, reader: Any) -> None:
            self._reader = reader

        def outbox(self, *args: Any, **kwargs: Any) -> Any:
            reads["delivery"] += 1
            return self._reader.outbox(*args, **kwargs)

        def __getattr__(self, name: str) -> Any:
            return getattr(self._reader, name)

    monkeypatch.setattr(outbox, "_reader", CountingReader(hub.mirror.reader))
    commits: Counter[str] = Counter()
    real_committed = hub.figures.committed

    def timed(session_id: str, seq: int) -> None:
        commits[threading.current_thread().name] += 1
        real_committed(session_id, seq)

    monkeypatch.setattr(hub.figures, "committed", timed)
    await until(lambda: sum(commits.values()) >= 30, 60, "30 commits of the hub's ingest")
    # At most a lease renewal's look (every 10 s); before, one per commit batch.
    looks = reads["delivery"]
    assert looks <= 1, f"{looks} outbox reads for {sum(commits.values())} commits"

    session_id = sorted(hub.engine.followed)[0]
    with Mirror.open(pg_url) as viewer:  # another process's writer, as a viewer's is
        action = viewer.writer.submit("enqueue_action", session_id, "message", {"text": "hi"})
        action_id = int(action.result())

        def taken_up() -> bool:
            [row] = [r for r in viewer.reader.outbox(session_id) if r.id == action_id]
            return row.state != "queued"

        # Claimed (then sent, or refused if the sim's session ended meanwhile): the hub took
        # the row up at once, with no heartbeat to wake it.
        await until(taken_up, 30, "the hub to take up the viewer's action")
    assert reads["delivery"] > looks  # the notice woke it
    assert LISTENER not in commits, "a viewer's notice entered the hub's lag figures"
