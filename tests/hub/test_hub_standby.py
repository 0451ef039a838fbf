"""A standby hub next to a `drover sync` that holds the follow lock (and writes no heartbeat):
it waits in the engine it has, probing the lock on one kept connection at each heartbeat, and
takes over in that same engine once the sync stops. Counted, not timed."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest
from inprocess_hub import hub_engines, until

import drover.store.pg.advisory as advisory
from drover.hub.service import Hub, HubOptions
from drover.store.mirror import Mirror
from drover.sync.engine import SyncEngine
from drover.sync.profiles import ProfileEngines


class CountingEngines(ProfileEngines):
    """The real factory, counting the engines it builds."""

    built = 0

    async def engine(self, *args: Any, **kwargs: Any) -> Any:
        CountingEngines.built += 1
        return await super().engine(*args, **kwargs)


async def test_a_standby_next_to_drover_sync_waits_without_rebuilding_then_takes_over(
    sim_factory, pg_url, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim = sim_factory(fleet=2, fleet_active=0, seed=9)
    counts: Counter[str] = Counter()
    real_connect = advisory.connect

    def lock_connect(url: str, **kwargs: Any) -> Any:
        counts["lock logins"] += 1
        return real_connect(url, **kwargs)

    monkeypatch.setattr(advisory, "connect", lock_connect)
    real_probe = SyncEngine.follow_if_free

    async def probe(self: SyncEngine) -> bool:
        counts["probes"] += 1
        return await real_probe(self)

    monkeypatch.setattr(SyncEngine, "follow_if_free", probe)

    plain = hub_engines(sim, pg_url, tmp_path / "sync")
    sync_mirror = Mirror.open(pg_url)
    sync = await plain.engine(None, sync_mirror, role="drover sync", owns_mirror=True)
    assert isinstance(sync, SyncEngine)
    await sync.start()
    assert sync.followed_by is None  # the sync holds the follow lock

    engines = hub_engines(sim, pg_url, tmp_path / "hub")
    engines.__class__ = CountingEngines
    CountingEngines.built = 0
    hub = Hub(engines, None, HubOptions(name="standby", port=0, heartbeat_seconds=0.05))
    stop = asyncio.Event()
    task = asyncio.create_task(hub.run(stop))
    try:
        await asyncio.wait_for(hub.started.wait(), 30)
        assert hub.engine is not None and hub.engine.followed_by is not None
        await until(lambda: counts["probes"] >= 20, 30, "20 heartbeats of the standby")
        assert CountingEngines.built == 1, "the standby rebuilt its engine while it waited"
        # One login for the sync's lock, one for the standby's probes (kept between them).
        assert counts["lock logins"] <= 2, counts

        await sync.stop()  # the lock is free: the standby follows, in the engine it has
        await until(lambda: hub.engine.followed_by is None, 30, "the standby to take over")
        assert CountingEngines.built == 1
        healthy, figures = await hub.health()
        assert healthy and figures["following"] is True
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)
        await sync.stop()
