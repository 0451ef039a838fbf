"""A follower against the real sim: complete mirror, previews, and every way it stops."""

from __future__ import annotations

import asyncio
import time

from sync_support import (
    clear_faults,
    create_session,
    past_idle,
    server_event_ids,
    set_faults,
    wait_for,
    wait_idle,
)

from drover.sync.connection import ConnectionBoard
from drover.sync.follower import Follower
from drover.sync.outbox import build_events


def _follower(sid, client, mirror, board=None, **kw):
    return Follower(
        sid,
        client=client,
        writer=mirror.writer,
        reader=mirror.reader,
        board=board or ConnectionBoard(),
        **kw,
    )


async def _mirrors_server(client, mirror, sid, timeout=20.0):
    async def same():
        return mirror.reader.event_ids(sid) == await server_event_ids(client, sid)

    await wait_for(same, timeout=timeout, interval=0.1, message="mirror == server")


async def test_follows_a_whole_scenario_into_an_identical_mirror(chaos_sim, client_factory, mirror):
    sim = chaos_sim()
    client = client_factory(sim)
    board = ConnectionBoard(flush_interval=0)
    states: list[str] = []
    board.subscribe(lambda batch: states.extend(s.state for s in batch.values()))
    sid = await create_session(client)
    follower = _follower(sid, client, mirror, board)
    follower.start()
    await wait_idle(client, sid)
    await _mirrors_server(client, mirror, sid)
    server = await server_event_ids(client, sid)
    assert len(server) > 30, "the scenario should produce a real transcript"
    counts = mirror.counts()
    assert counts["duplicates"] == 0
    assert counts["fts"] == counts["events"] == len(server)
    assert board.get(sid).state == "live"
    assert "connecting" in states and "live" in states
    await follower.stop()
    assert board.get(sid).state == "stopped" and board.get(sid).reason == "user"


async def test_previews_reach_the_callback_and_never_the_store(chaos_sim, client_factory, mirror):
    sim = chaos_sim(pace="100eps")
    client = client_factory(sim)
    previews: list[dict] = []
    sid = await create_session(client, kickoff=None)
    follower = _follower(
        sid, client, mirror, deltas=True, on_preview=lambda s, e: previews.append(e)
    )
    follower.start()
    await wait_for(follower.synced.is_set, message="first back-fill")
    await client.send_events(
        sid, [{"type": "user.message", "content": [{"type": "text", "text": "preview me"}]}]
    )
    await wait_idle(client, sid)
    await _mirrors_server(client, mirror, sid)
    assert previews, "a focused stream must deliver event_start/event_delta previews"
    assert {p["type"] for p in previews} <= {"event_start", "event_delta"}
    assert not mirror.types() & {"event_start", "event_delta"}
    await follower.stop()


async def test_switching_previews_reopens_without_losing_events(chaos_sim, client_factory, mirror):
    sim = chaos_sim(pace="100eps")
    client = client_factory(sim)
    sid = await create_session(client)
    follower = _follower(sid, client, mirror)
    follower.start()
    await wait_for(follower.synced.is_set, message="first back-fill")
    follower.set_deltas(True)
    await wait_for(
        lambda: follower.connects >= 2 and follower.synced.is_set(),
        message="reopened with previews",
    )
    await wait_idle(client, sid)
    await _mirrors_server(client, mirror, sid)
    assert mirror.counts()["duplicates"] == 0
    await follower.stop()


async def test_terminated_found_in_history_stops_after_backfill(chaos_sim, client_factory, mirror):
    sim = chaos_sim(pace="fast")
    client = client_factory(sim)
    sid = await create_session(client)
    await wait_idle(client, sid)
    await past_idle(client.archive_session, sid)
    follower = _follower(sid, client, mirror)
    reason = await asyncio.wait_for(follower.run(), 20)
    assert reason == "terminated"
    assert mirror.reader.event_ids(sid) == await server_event_ids(client, sid)


async def test_live_termination_stops_the_follower(chaos_sim, client_factory, mirror):
    sim = chaos_sim(pace="fast")
    client = client_factory(sim)
    board = ConnectionBoard()
    sid = await create_session(client)
    await wait_idle(client, sid)
    follower = _follower(sid, client, mirror, board)
    task = follower.start()
    await wait_for(follower.synced.is_set, message="live")
    await past_idle(client.archive_session, sid)
    assert await asyncio.wait_for(task, 20) == "terminated"
    assert board.get(sid).reason == "terminated"
    assert mirror.reader.event_ids(sid) == await server_event_ids(client, sid)


async def test_deleted_session_stops_the_follower(chaos_sim, client_factory, mirror):
    sim = chaos_sim(pace="fast")
    client = client_factory(sim)
    sid = await create_session(client)
    await wait_idle(client, sid)
    follower = _follower(sid, client, mirror)
    task = follower.start()
    await wait_for(follower.synced.is_set, message="live")
    await past_idle(client.delete_session, sid)
    # session.deleted on the stream, or a 404 on the reconnect: both end it for good.
    assert await asyncio.wait_for(task, 20) in ("deleted", "not_found")


async def test_unknown_session_404_stops_with_not_found(chaos_sim, client_factory, mirror):
    sim = chaos_sim()
    client = client_factory(sim)
    board = ConnectionBoard()
    follower = _follower("sesn_011CZdoesnotexist0000000", client, mirror, board)
    assert await asyncio.wait_for(follower.run(), 10) == "not_found"
    state = board.get(follower.session_id)
    assert state.state == "stopped" and state.reason == "not_found"


async def test_bad_key_401_stops_with_unauthorized(chaos_sim, client_factory, mirror):
    sim = chaos_sim()
    good = client_factory(sim)
    sid = await create_session(good)
    bad = client_factory(sim, api_key="sk-ant-wrong")
    board = ConnectionBoard()
    follower = _follower(sid, bad, mirror, board)
    assert await asyncio.wait_for(follower.run(), 10) == "unauthorized"
    assert board.get(sid).reason == "unauthorized"
    assert mirror.reader.event_ids(sid) == set()


async def test_a_stalled_stream_shows_stale_then_recovers(chaos_sim, client_factory, mirror):
    sim = chaos_sim(pace="100eps", heartbeat_seconds=0.1)
    client = client_factory(sim, stall_timeout=0.5)
    board = ConnectionBoard(flush_interval=0)
    seen: list[str] = []
    board.subscribe(lambda batch: seen.extend(s.state for s in batch.values()))
    set_faults(sim, stream_stall_after=2)
    sid = await create_session(client)
    follower = _follower(sid, client, mirror, board, stall_timeout=0.5)
    follower.start()
    await wait_for(lambda: "stale" in seen, message="stale state")
    assert follower.failures["stalled"] >= 1
    clear_faults(sim)
    await wait_idle(client, sid)
    await _mirrors_server(client, mirror, sid)
    await wait_for(lambda: board.get(sid).state == "live", message="live again")
    await follower.stop()


async def test_429_on_reconnect_honours_retry_after(chaos_sim, client_factory, mirror):
    sim = chaos_sim(pace="fast")
    setup = client_factory(sim)
    sid = await create_session(setup)
    await wait_idle(setup, sid)
    client = client_factory(sim)
    set_faults(sim, throttle_probability=1.0, retry_after_seconds=1)
    follower = _follower(sid, client, mirror)
    started = time.monotonic()
    follower.start()
    await wait_for(lambda: follower.failures["rate_limited"] >= 2, message="two 429s")
    assert time.monotonic() - started >= 1.0, "the second try must wait out retry-after"
    clear_faults(sim)
    await wait_for(follower.synced.is_set, message="live after the throttle")
    await _mirrors_server(client, mirror, sid)
    await follower.stop()


async def test_queued_user_echo_is_completed_by_its_processed_copy(
    chaos_sim, client_factory, mirror
):
    sim = chaos_sim(pace="100eps")
    client = client_factory(sim)
    set_faults(sim, duplicate_user_events=True)
    sid = await create_session(client)
    seen_queued: list[str] = []
    ingest = mirror.writer.ingest

    async def spying_ingest(session_id, events, **kw):
        seen_queued.extend(
            e["id"] for e in events if e["type"] == "user.message" and e["processed_at"] is None
        )
        return await ingest(session_id, events, **kw)

    mirror.writer.ingest = spying_ingest
    follower = _follower(sid, client, mirror)
    follower.start()
    await wait_for(follower.synced.is_set, message="live")
    await client.send_events(sid, build_events("message", {"text": "queue me"}))
    await wait_idle(client, sid)
    await _mirrors_server(client, mirror, sid)
    assert seen_queued, "the sim must have delivered a queued (processed_at: null) copy"
    rows = mirror.reader.events_by_type(sid, "user.message")
    assert rows and all(r.processed_at for r in rows)
    assert mirror.counts()["duplicates"] == 0
    await follower.stop()
