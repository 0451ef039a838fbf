"""Chaos: hundreds of injected faults across several followed sessions; the mirror must end
identical to the server's log, with no duplicates and an FTS row for every content row."""

from __future__ import annotations

import asyncio

from sync_support import (
    converge,
    create_session,
    run_chaos,
    server_event_ids,
    start_followers,
)

SESSIONS = 6
MIN_FAULTS = 300


async def test_chaos_mirror_converges_to_the_server(chaos_sim, client_factory, mirror):
    sim = chaos_sim(pace="600eps", heartbeat_seconds=0.1)
    client = client_factory(sim, stall_timeout=0.6)
    sender = client_factory(sim)
    sids = list(await asyncio.gather(*(create_session(sender) for _ in range(SESSIONS))))
    followers = start_followers(client, mirror, sids, stall_timeout=0.6)
    report = await run_chaos(sim, sender, sids, min_faults=MIN_FAULTS, max_seconds=30)
    took = await converge(sender, mirror, sids, timeout=25)
    print(
        f"\nchaos: {report['faults']} faults in {report['rounds']} rounds; "
        f"converged {took:.2f}s after faults stopped; "
        f"reconnects {sum(f.connects for f in followers)}"
    )
    assert report["faults"] >= MIN_FAULTS
    assert sum(f.connects for f in followers) > SESSIONS, "faults must have forced reconnects"
    total = 0
    for sid in sids:
        server = await server_event_ids(sender, sid)
        assert mirror.reader.event_ids(sid) == server
        total += len(server)
    counts = mirror.counts()
    assert counts["duplicates"] == 0
    assert counts["events"] == total
    assert counts["fts"] == counts["events"]
    for f in followers:
        await f.stop()
