"""The engine's control plane against the real sim: create, archive and delete sessions."""

from __future__ import annotations

import time

import pytest
from sync_support import make_client, wait_for, wait_idle

from drover.api.client import ManagedAgentsClient
from drover.api.errors import BadRequestError, NotFoundError
from drover.sync.engine import SyncEngine
from drover.sync.engines import NewSession


async def _catalog(client: ManagedAgentsClient) -> tuple[str, str]:
    """An agent playing chaos-writer and an environment; their ids."""
    agent = await client.request(
        "POST",
        "/v1/agents",
        json={
            "name": "Control Agent",
            "model": "claude-sonnet-4-6",
            "metadata": {"scenario": "chaos-writer"},
        },
    )
    env = await client.request(
        "POST",
        "/v1/environments",
        json={"name": f"env-{time.monotonic_ns()}", "config": {"type": "cloud"}},
    )
    return agent["id"], env["id"]


@pytest.fixture
async def engine(chaos_sim, mirror):
    """A started engine that only follows what it is told to (polls still mirror the list)."""
    sim = chaos_sim(pace="fast")
    client = make_client(sim.base_url, sim.api_key)
    engine = SyncEngine(client, mirror.writer, mirror.reader, auto_follow=False, stall_timeout=2.0)
    await engine.start()
    engine.sim = sim  # type: ignore[attr-defined]  # the tests build their catalog on it
    yield engine
    await engine.stop()
    await client.aclose()


async def test_create_with_a_first_message_is_mirrored_and_followed(engine, mirror):
    agent_id, env_id = await _catalog(engine.client)
    sid = await engine.create_session(
        NewSession(agent_id, env_id, title="write the docs", first_message="go, please")
    )
    server = await engine.client.retrieve_session(sid)
    assert server["title"] == "write the docs"
    row = mirror.reader.session(sid)
    assert row is not None and row.title == "write the docs"
    assert sid in engine.followed
    await wait_idle(engine.client, sid)

    def kickoff_mirrored() -> bool:
        texts = [
            part.get("text")
            for e in mirror.reader.transcript(sid)
            if e.type == "user.message"
            for part in e.event.get("content", [])
        ]
        return "go, please" in texts

    await wait_for(kickoff_mirrored, message="the first message in the mirror")


async def test_create_without_a_message_leaves_the_session_idle(engine, mirror):
    agent_id, env_id = await _catalog(engine.client)
    sid = await engine.create_session(NewSession(agent_id, env_id))
    assert (await engine.client.retrieve_session(sid))["status"] == "idle"
    assert [e async for e in engine.client.iter_events(sid, types=["user.message"])] == []
    assert mirror.reader.session(sid) is not None


async def test_archive_idle_marks_it_archived_on_the_server_and_in_the_mirror(engine, mirror):
    agent_id, env_id = await _catalog(engine.client)
    sid = await engine.create_session(NewSession(agent_id, env_id, first_message="go"))
    await wait_idle(engine.client, sid)
    # As the user does: act once the mirror shows it idle (the engine refuses at once when
    # the mirror shows it running, and rides through the post-idle race otherwise).
    await wait_for(lambda: mirror.reader.session(sid).status == "idle", message="idle mirrored")
    await engine.archive_session(sid)
    assert (await engine.client.retrieve_session(sid))["archived_at"] is not None
    row = mirror.reader.session(sid)
    assert row is not None and row.archived_at is not None
    assert sid not in {r.id for r in mirror.reader.sessions()}  # the fleet hides it


async def test_archive_running_is_refused_with_the_servers_400(chaos_sim, mirror):
    sim = chaos_sim(pace="2eps")  # slow enough to still be running when we archive
    client = make_client(sim.base_url, sim.api_key)
    engine = SyncEngine(client, mirror.writer, mirror.reader, auto_follow=False)
    try:
        agent_id, env_id = await _catalog(client)
        sid = await engine.create_session(NewSession(agent_id, env_id, first_message="go"))
        assert (await client.retrieve_session(sid))["status"] == "running"
        with pytest.raises(BadRequestError) as caught:
            await engine.archive_session(sid)
        assert caught.value.status == 400
        assert "interrupt" in caught.value.message
        assert (await client.retrieve_session(sid))["archived_at"] is None
    finally:
        await engine.stop()
        await client.aclose()


async def test_delete_removes_it_upstream_stops_the_follower_and_keeps_the_history(engine, mirror):
    agent_id, env_id = await _catalog(engine.client)
    sid = await engine.create_session(NewSession(agent_id, env_id, first_message="go"))
    await wait_idle(engine.client, sid)
    await wait_for(lambda: mirror.reader.event_ids(sid), message="history mirrored")
    await engine.delete_session(sid)
    with pytest.raises(NotFoundError):
        await engine.client.retrieve_session(sid)
    assert sid not in engine.followed
    assert engine.finished[sid] in ("deleted", "user")
    assert mirror.reader.event_ids(sid), "the mirror keeps the history"
    row = mirror.reader.session(sid)
    assert row is not None and row.deleted  # from the session.deleted event on the stream
    assert sid not in {r.id for r in mirror.reader.sessions()}


async def test_delete_of_an_unknown_session_is_the_typed_404(engine):
    with pytest.raises(NotFoundError):
        await engine.delete_session("sesn_nope")
    assert "sesn_nope" not in engine.followed
