"""The engine: supervisor policy, focus/previews, threads, the poller, run_until_idle."""

from __future__ import annotations

import asyncio

import pytest
from sync_support import create_session, make_client, server_event_ids, wait_for, wait_idle

from drover.sync.engine import SyncEngine
from drover.sync.poller import SessionPoller


def _engine(sim, mirror, client=None, **kw):
    kw.setdefault("poll_min", 0.1)
    kw.setdefault("poll_max", 0.4)
    kw.setdefault("stall_timeout", 2.0)
    client = client or make_client(sim.base_url, sim.api_key)
    return SyncEngine(client, mirror.writer, mirror.reader, **kw), client


async def _more_polls(engine, n):
    target = engine.poller.polls + n
    await wait_for(lambda: engine.poller.polls >= target, message=f"{n} more polls")


async def test_run_until_idle_mirrors_every_session_and_the_catalog(
    chaos_sim, client_factory, mirror
):
    sim = chaos_sim()
    setup = client_factory(sim)
    sids = list(await asyncio.gather(*(create_session(setup) for _ in range(3))))
    engine, client = _engine(sim, mirror)
    try:
        report = await engine.run_until_idle(timeout=60)
        assert report.sessions == 3
        for sid in sids:
            assert await setup.retrieve_session(sid)
            assert mirror.reader.event_ids(sid) == await server_event_ids(setup, sid)
            assert mirror.reader.session(sid) is not None
        assert len(mirror.reader.agents()) >= 3
        assert mirror.reader.environments()
        assert all(s.state == "live" for s in engine.connection_states().values())
    finally:
        await engine.stop()
        await client.aclose()


async def test_child_threads_are_mirrored(chaos_sim, client_factory, mirror):
    sim = chaos_sim(pace="fast")
    setup = client_factory(sim)
    sid = await create_session(setup, scenario="coordinator")
    engine, client = _engine(sim, mirror)
    try:
        await engine.run_until_idle(timeout=60)
        children = [t async for t in setup.iter_threads(sid) if t.get("parent_thread_id")]
        assert children, "the coordinator scenario delegates to child threads"
        expected = await server_event_ids(setup, sid)
        primary_only = {e["id"] async for e in setup.iter_events(sid)}
        assert expected > primary_only, "children must add events beyond the session log"
        assert mirror.reader.event_ids(sid) == expected
        assert {t.id for t in mirror.reader.threads(sid)} >= {t["id"] for t in children}
        counts = mirror.counts()
        assert counts["duplicates"] == 0 and counts["fts"] == counts["events"]
    finally:
        await engine.stop()
        await client.aclose()


async def test_focus_requests_previews_for_one_session_only(chaos_sim, client_factory, mirror):
    sim = chaos_sim(pace="100eps")
    setup = client_factory(sim)
    a, b = await asyncio.gather(
        create_session(setup, kickoff=None), create_session(setup, kickoff=None)
    )
    previews: list[str] = []
    engine, client = _engine(sim, mirror, on_preview=lambda sid, _e: previews.append(sid))
    try:
        await engine.start()
        await wait_for(lambda: engine.followed == {a, b}, message="both followed")
        engine.set_focus(a)
        engine.set_focus(b)
        fb = engine.follower(b)
        await wait_for(lambda: fb.deltas and fb.synced.is_set(), message="b reopened")
        assert not engine.follower(a).deltas
        assert engine.connection_states()[b].deltas
        for sid in (a, b):
            await setup.send_events(
                sid, [{"type": "user.message", "content": [{"type": "text", "text": "hi"}]}]
            )
        for sid in (a, b):
            await wait_idle(setup, sid)
        assert previews and set(previews) == {b}
    finally:
        await engine.stop()
        await client.aclose()


async def test_follower_cap_and_finished_sessions_are_not_restarted(
    chaos_sim, client_factory, mirror
):
    sim = chaos_sim(pace="fast")
    setup = client_factory(sim)
    sids = list(await asyncio.gather(*(create_session(setup) for _ in range(3))))
    engine, client = _engine(sim, mirror, max_followers=2)
    try:
        await engine.start()
        await wait_for(lambda: len(engine.followed) == 2, message="two followers")
        await _more_polls(engine, 3)  # the cap holds over further polls
        assert len(engine.followed) == 2
        victim = next(iter(engine.followed))
        await wait_idle(setup, victim)
        await setup.archive_session(victim)
        await wait_for(
            lambda: engine.finished.get(victim) == "terminated",
            message="terminated follower finished",
        )
        third = (set(sids) - {victim} - engine.followed).pop()
        await wait_for(lambda: third in engine.followed, message="slot reused")
        await _more_polls(engine, 3)
        assert victim not in engine.followed, "a terminated session is not followed again"
        assert engine.connection_states()[victim].reason == "terminated"
    finally:
        await engine.stop()
        await client.aclose()


async def test_bad_key_stops_sync_with_a_clear_error(chaos_sim, mirror):
    sim = chaos_sim()
    engine, client = _engine(sim, mirror, client=make_client(sim.base_url, "sk-ant-bad"))
    try:
        with pytest.raises(RuntimeError, match="sync stopped"):
            await engine.run_until_idle(timeout=20)
        assert engine.fatal is not None and engine.fatal.reason == "unauthorized"
    finally:
        await engine.stop()
        await client.aclose()


async def test_submit_action_goes_through_the_outbox(chaos_sim, client_factory, mirror):
    sim = chaos_sim(pace="fast")
    setup = client_factory(sim)
    sid = await create_session(setup)
    engine, client = _engine(sim, mirror)
    try:
        await engine.start()
        await wait_idle(setup, sid)
        action = await engine.submit_action(sid, "message", text="from the engine")
        await engine.run_until_idle(timeout=30)
        row = next(r for r in mirror.reader.outbox(sid) if r.id == action)
        assert row.state == "sent"
        assert set(row.server_event_ids) <= mirror.reader.event_ids(sid)
    finally:
        await engine.stop()
        await client.aclose()


async def test_poll_interval_adapts_to_activity(chaos_sim, client_factory, mirror):
    sim = chaos_sim(pace="20eps")
    client = client_factory(sim)
    poller = SessionPoller(client, mirror.writer, min_interval=0.05, max_interval=0.4)
    sid = await create_session(client)
    poller.start()
    try:
        await wait_for(lambda: poller.last and sid in poller.last.busy_ids, message="busy")
        assert poller.interval == 0.05
        await wait_idle(client, sid, timeout=60)
        await wait_for(lambda: poller.interval == 0.4, timeout=10, message="slowed down")
        assert mirror.reader.session(sid) is not None
    finally:
        await poller.stop()


async def test_unfollow_is_not_undone_by_the_next_poll(chaos_sim, client_factory, mirror):
    sim = chaos_sim(pace="fast")
    setup = client_factory(sim)
    sid = await create_session(setup)
    engine, client = _engine(sim, mirror)
    try:
        await engine.start()
        await wait_for(lambda: sid in engine.followed, message="followed")
        await engine.unfollow(sid)
        assert engine.connection_states()[sid].reason == "user"
        await _more_polls(engine, 3)
        assert sid not in engine.followed
        engine.follow(sid)  # an explicit follow still works
        await wait_for(
            lambda: engine.follower(sid) and engine.follower(sid).synced.is_set(),
            message="followed again",
        )
    finally:
        await engine.stop()
        await client.aclose()
