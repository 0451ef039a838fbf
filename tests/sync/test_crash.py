"""Crash safety: SIGKILL the sync engine (a subprocess) mid-ingest, repeatedly.

After every kill the mirror passes ``PRAGMA integrity_check`` and still holds every event
committed before the kill; a final headless run (``run_until_idle``) fills the gap so the
mirror equals the server's log with no duplicates.
"""

from __future__ import annotations

import asyncio
import json
import random

from sync_support import (
    Mirror,
    crash_cycles,
    create_session,
    server_event_ids,
    start_worker,
    wait_idle,
    worker_mirror,
)

KILLS = 4


async def test_sigkill_loses_nothing_and_restart_fills_the_gap(chaos_sim, client_factory, tmp_path):
    sim = chaos_sim(pace="200eps")
    client = client_factory(sim)
    sids = list(await asyncio.gather(*(create_session(client) for _ in range(3))))
    path = worker_mirror(tmp_path)
    records = await crash_cycles(sim, client, tmp_path, sids, kills=KILLS, rng=random.Random(11))
    print(f"\ncrash: {records}")
    assert len(records) == KILLS
    for record in records:
        assert record["integrity"] == "ok"
        assert record["lost"] == 0
    for sid in sids:
        await wait_idle(client, sid)
    proc = start_worker(sim, tmp_path, "--until-idle")
    out, err = await asyncio.to_thread(proc.communicate, None, 120)
    assert proc.returncode == 0, err
    assert json.loads(out.strip().splitlines()[-1])["sessions"] >= len(sids)
    mirror = Mirror(path)
    try:
        for sid in sids:
            assert mirror.reader.event_ids(sid) == await server_event_ids(client, sid)
        counts = mirror.counts()
        assert counts["duplicates"] == 0
        assert counts["fts"] == counts["events"]
        assert mirror.integrity() == "ok"
    finally:
        mirror.close()
