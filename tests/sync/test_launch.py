"""Launches against the sim: paced under the create limit (proved from the server's own log),
no duplicates when items are in doubt, a wrong template stopped early, a cancel that resumes."""

from __future__ import annotations

import asyncio
import time

from launch_support import agent_and_environment, server_view
from sim_http import api

from drover.config.templates import LaunchTemplate
from drover.sim.http.ratelimit import sliding_peak
from drover.sim.settings import FaultPlan
from drover.sync.launch import LaunchBusyError, Launcher, launch_holder
from drover.sync.launch_plan import counted_items, plan_launch
from drover.sync.profiles import ProfileEngines

LIMIT = 60


async def _engine(sim, tmp_path, **profile):
    profile.setdefault("create_per_minute", LIMIT)
    engines = ProfileEngines.endpoint(sim.base_url, sim.api_key, tmp_path, **profile)
    return await engines.open_engine(auto_follow=False)


def _plan(agent, env, count, **template):
    template.setdefault("message", "job {n}")
    template.setdefault("title", "job {n}")
    return plan_launch(
        LaunchTemplate(agent=agent, environment=env, **template),
        counted_items(count),
        agent_id=agent,
        environment_id=env,
    )


async def test_a_launch_is_paced_under_the_create_limit_and_makes_one_session_per_item(
    sim_factory, tmp_path
):
    sim = sim_factory(rate_limit_create=LIMIT)
    agent, env = agent_and_environment(sim)
    engine = await _engine(sim, tmp_path, create_burst=8)
    try:
        launcher = await engine.launcher()
        plan = _plan(agent, env, 20)
        launch_id = await launcher.record(plan)
        seen = []
        started = time.monotonic()
        final = await launcher.run(launch_id, on_progress=seen.append, read_back=False)
        took = time.monotonic() - started
    finally:
        await engine.stop()
    view = server_view(sim, launch_id)
    assert final.state == "done" and final.created == 20 and final.failed == 0
    assert len(view.sessions) == 20 and view.duplicates == 0
    assert sorted(view.by_item) == list(range(20))
    assert view.creates["throttled"] == 0, "the server never had to refuse a create"
    assert view.peak() <= LIMIT
    # Paced by the bucket: a burst of 8, then one a second (the two setup creates came first).
    launch_times = sorted(view.create_times)[2:]
    assert launch_times[-1] - launch_times[0] >= (20 - 8) - 0.5
    # Under the limit at every scale, not only per minute: in any 10 s, the burst and ten
    # more (one for a request landing on the window's closed end). Unpaced, all 20 would.
    assert sliding_peak(launch_times, 10.0) <= 8 + 10 + 1
    assert took >= 11.0
    assert any(p.eta_seconds and p.eta_seconds > 5 for p in seen), "an ETA was shown"
    assert seen[-1].remaining == 0


async def test_items_in_doubt_are_read_back_not_created_twice(sim_factory, tmp_path):
    """A crash after the create request went out: the item says `creating`, the session exists.
    The resume finds it by its tags and creates only what the server does not have."""
    sim = sim_factory(rate_limit_create=None)
    agent, env = agent_and_environment(sim)
    engine = await _engine(sim, tmp_path, create_per_minute=6000)
    try:
        launcher = await engine.launcher()
        plan = _plan(agent, env, 6)
        launch_id = await launcher.record(plan)
        # Items 0-2 went out (the server has sessions for 0 and 1 only); 3-5 never did.
        for idx in range(3):
            assert await engine.writer.launch_item_creating(launch_id, idx)
        for idx in range(2):
            request = plan.requests[idx]
            api(sim, "POST", "/v1/sessions",
                json={"agent": agent, "environment_id": env, **request.body()})  # fmt: skip
        final = await launcher.run(launch_id)
        items = engine.reader.launch_items(launch_id)
    finally:
        await engine.stop()
    view = server_view(sim, launch_id)
    assert final.state == "done" and final.created == 6 and final.found == 2
    assert len(view.sessions) == 6 and view.duplicates == 0
    assert {i.session_id for i in items} == {s["id"] for s in view.sessions}


async def test_a_server_error_after_the_request_leaves_the_item_in_doubt_then_resolved(
    sim_factory, tmp_path
):
    sim = sim_factory(rate_limit_create=None)
    agent, env = agent_and_environment(sim)
    engine = await _engine(sim, tmp_path, create_per_minute=6000)
    try:
        launcher = Launcher(engine, recheck_delay=0.1)
        launch_id = await launcher.record(_plan(agent, env, 5))
        sim.faults = FaultPlan(fail_next=2, fail_status=503)  # two creates get a 503
        final = await launcher.run(launch_id, read_back=False)
    finally:
        await engine.stop()
    view = server_view(sim, launch_id)
    assert final.state == "done" and final.created == 5
    assert len(view.sessions) == 5 and view.duplicates == 0


async def test_a_wrong_template_stops_after_a_few_refusals(sim_factory, tmp_path):
    sim = sim_factory(rate_limit_create=None)
    _agent, env = agent_and_environment(sim)
    engine = await _engine(sim, tmp_path, create_per_minute=6000)
    try:
        launcher = await engine.launcher(concurrency=1)
        launch_id = await launcher.record(_plan("agent_nope", env, 30))
        final = await launcher.run(launch_id, read_back=False)
        record = engine.reader.launch(launch_id)
    finally:
        await engine.stop()
    assert final.state == "paused" and final.failed == 5 and final.created == 0
    assert "5 creates refused in a row" in (final.error or "")
    assert record is not None and record.state == "paused" and record.counts["queued"] == 25
    assert api(sim, "GET", "/_sim/stats")["creates"]["requests"] == 2 + 5


async def test_cancel_stops_the_launch_and_a_resume_finishes_it(sim_factory, tmp_path):
    sim = sim_factory(rate_limit_create=None)
    agent, env = agent_and_environment(sim)
    engine = await _engine(sim, tmp_path, create_per_minute=120, create_burst=1)
    try:
        launcher = await engine.launcher(concurrency=1)
        launch_id = await launcher.record(_plan(agent, env, 8))

        def cancel_at_three(progress):
            if progress.created >= 3:
                launcher.cancel()

        first = await launcher.run(launch_id, on_progress=cancel_at_three, read_back=False)
        assert first.state == "cancelled" and 3 <= first.created < 8
        assert engine.reader.launch(launch_id).state == "cancelled"
        second = await (await engine.launcher()).run(launch_id)
    finally:
        await engine.stop()
    view = server_view(sim, launch_id)
    assert second.state == "done" and second.created == 8
    assert len(view.sessions) == 8 and view.duplicates == 0


async def test_one_launch_runs_in_one_place_at_a_time(sim_factory, tmp_path):
    sim = sim_factory(rate_limit_create=None)
    agent, env = agent_and_environment(sim)
    engine = await _engine(sim, tmp_path, create_per_minute=120, create_burst=1)
    try:
        launcher = await engine.launcher(concurrency=1)
        launch_id = await launcher.record(_plan(agent, env, 4))
        running = asyncio.create_task(launcher.run(launch_id, read_back=False))
        await asyncio.sleep(0.3)
        assert launch_holder(engine.launch_folder, launch_id) is not None
        try:
            await (await engine.launcher()).run(launch_id)
        except LaunchBusyError as exc:
            assert launch_id in str(exc)
        else:
            raise AssertionError("a second run of the same launch must be refused")
        await running
        assert launch_holder(engine.launch_folder, launch_id) is None
    finally:
        await engine.stop()
    assert server_view(sim, launch_id).duplicates == 0
