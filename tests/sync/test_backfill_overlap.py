"""Back-fill must not depend on exact timestamp ordering.

The API reference says ``created_at[...]`` on the events listing compares against each event's
``processed_at``; one guide page says ``created_at``. Under either reading an event can become
visible with a time at or before the sync cursor (a cross-posted thread event, clock skew
between threads, equal timestamps, a queued message). The sim's ``event_time_filter`` switch
serves both readings; the follower's back-fill re-reads an overlap window before its cursor, so
the late event is mirrored under both — and, with no overlap, lost (which shows the window is
what saves it). The idle check finds such an event too, without any reconnect.
"""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sync_support import create_session, make_client, wait_for, wait_idle

from drover.api.timestamps import parse_timestamp
from drover.sync.connection import ConnectionBoard
from drover.sync.follower import Follower
from drover.sync.profiles import ProfileEngines

LATE_ID = "sevt_late_visible"


def _stamp(when) -> str:
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def make_visible_late(sim, session_id: str, cursor_at: str) -> None:
    """Put an event into the session's history, but not on its streams, placed *before* the
    cursor under both readings (processed 1 s before it, created 2 s before it)."""
    cursor = parse_timestamp(cursor_at)
    assert cursor is not None
    event = {
        "id": LATE_ID,
        "type": "agent.message",
        "content": [{"type": "text", "text": "became visible late"}],
        "processed_at": _stamp(cursor - timedelta(seconds=1)),
        "created_at": _stamp(cursor - timedelta(seconds=2)),
    }

    def insert() -> None:
        history = sim.domain.record(session_id).log.events(None)  # the live list
        when = event["processed_at"]
        later = [i for i, e in enumerate(history) if (e.get("processed_at") or "") > when]
        at = later[0] if later else len(history)
        history.insert(at, event)

    sim.call(insert)


def drop_streams(sim) -> None:
    httpx.post(
        f"{sim.base_url}/_sim/streams/drop",
        json={"mode": "abort"},
        headers={"x-api-key": sim.api_key},
        timeout=10,
    ).raise_for_status()


@pytest.mark.parametrize("reading", ["processed_at", "created_at"])
@pytest.mark.parametrize("overlap", [5.0, 0.0], ids=["overlap", "no-overlap"])
async def test_a_late_visible_event_is_back_filled_under_both_readings(
    sim_factory, mirror, reading, overlap
):
    sim = sim_factory(event_time_filter=reading, heartbeat_seconds=0.2)
    client = make_client(sim.base_url, sim.api_key)
    try:
        sid = await create_session(client)
        await wait_idle(client, sid)
        follower = Follower(
            sid,
            client=client,
            writer=mirror.writer,
            reader=mirror.reader,
            board=ConnectionBoard(),
            stall_timeout=2.0,
            backfill_overlap=overlap,
        )
        follower.start()
        await wait_for(lambda: follower.synced.is_set(), message="first back-fill")
        cursor = mirror.reader.cursor(sid)
        assert cursor is not None and cursor.last_processed_at
        make_visible_late(sim, sid, cursor.last_processed_at)
        drop_streams(sim)
        await wait_for(
            lambda: follower.backfills >= 2 and follower.synced.is_set(), message="reconnect"
        )
        mirrored = mirror.reader.event_by_id(LATE_ID) is not None
        await follower.stop()
    finally:
        await client.aclose()
    print(f"\n{reading} reading, overlap {overlap:g}s: late event mirrored={mirrored}")
    assert mirrored == (overlap > 0), "the overlap window is what saves a late event"


@pytest.mark.parametrize("reading", ["processed_at", "created_at"])
async def test_the_idle_check_notices_a_gap_the_newest_id_hides(sim_factory, tmp_path, reading):
    sim = sim_factory(event_time_filter=reading)
    engines = ProfileEngines.endpoint(sim.base_url, sim.api_key, tmp_path)
    engine = await engines.open_engine(auto_follow=False)
    try:
        sid = await create_session(engine.client)
        await wait_idle(engine.client, sid)
        engine.follow(sid)
        await engine.run_until_idle(timeout=30)
        cursor = engine.reader.cursor(sid)
        make_visible_late(sim, sid, cursor.last_processed_at)  # the newest id is unchanged
        report = await engine.run_until_idle(timeout=30)
        assert engine.reader.event_by_id(LATE_ID) is not None
        assert report.rounds >= 2, "the first round found the gap, a later one confirmed it"
    finally:
        await engine.stop()
