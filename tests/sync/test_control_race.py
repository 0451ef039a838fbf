"""Archive and delete ride through the post-idle race, against the sim as it runs by default
(the race is on without any flag): acting on the mirror's idle gets the server's 400 for a
running session first, and drover repeats the call until the server agrees."""

from __future__ import annotations

from typing import Any

import pytest
from sync_support import create_session, make_client, wait_for

from drover.api.errors import ApiError, BadRequestError, NotFoundError
from drover.sync.control import is_running_refusal
from drover.sync.engine import SyncEngine


def recording(client: Any, name: str) -> list[BaseException]:
    """Wrap ``client.<name>`` so every refusal it raises is kept (and still raised)."""
    original = getattr(client, name)
    refusals: list[BaseException] = []

    async def call(session_id: str) -> Any:
        try:
            return await original(session_id)
        except ApiError as exc:
            refusals.append(exc)
            raise

    setattr(client, name, call)
    return refusals


@pytest.fixture
async def engine(chaos_sim, mirror):
    sim = chaos_sim(pace="fast")  # no fault settings: the sim's defaults
    assert sim.faults.post_idle_race_seconds > 0
    client = make_client(sim.base_url, sim.api_key)
    engine = SyncEngine(client, mirror.writer, mirror.reader, auto_follow=False, stall_timeout=2.0)
    await engine.start()
    yield engine
    await engine.stop()
    await client.aclose()


async def _idle_in_the_mirror(engine: SyncEngine, mirror: Any) -> str:
    """A followed session that played its turn, returned the moment the mirror shows idle."""
    sid = await create_session(engine.client, scenario="general", agent_name="Racer")
    engine.follow(sid)

    def idle() -> bool:
        row = mirror.reader.session(sid)
        return row is not None and row.status == "idle" and row.stop_reason == "end_turn"

    await wait_for(idle, interval=0.01, message="idle in the mirror")
    return sid


async def test_archive_on_the_idle_event_is_refused_as_running_then_succeeds(engine, mirror):
    refusals = recording(engine.client, "archive_session")
    sid = await _idle_in_the_mirror(engine, mirror)
    await engine.archive_session(sid)
    assert refusals and all(is_running_refusal(e) for e in refusals)
    assert (await engine.client.retrieve_session(sid))["archived_at"] is not None
    row = mirror.reader.session(sid)
    assert row is not None and row.archived_at is not None


async def test_delete_on_the_idle_event_is_refused_as_running_then_succeeds(engine, mirror):
    refusals = recording(engine.client, "delete_session")
    sid = await _idle_in_the_mirror(engine, mirror)
    await engine.delete_session(sid)
    assert refusals and all(is_running_refusal(e) for e in refusals)
    with pytest.raises(NotFoundError):
        await engine.client.retrieve_session(sid)


async def test_a_session_the_mirror_shows_running_is_refused_at_once(chaos_sim, mirror):
    sim = chaos_sim(pace="2eps")  # slow: still running when we archive
    client = make_client(sim.base_url, sim.api_key)
    engine = SyncEngine(client, mirror.writer, mirror.reader, auto_follow=False)
    try:
        refusals = recording(client, "archive_session")
        sid = await create_session(client, scenario="general", agent_name="Slow")
        await mirror.writer.upsert_sessions([await client.retrieve_session(sid)])
        assert mirror.reader.session(sid).status == "running"
        with pytest.raises(BadRequestError) as caught:
            await engine.archive_session(sid)
        assert is_running_refusal(caught.value) and len(refusals) == 1
    finally:
        await engine.stop()
        await client.aclose()


def test_only_the_running_400_counts_as_the_race() -> None:
    running = BadRequestError(
        "a running session cannot be archived; interrupt it and wait for idle",
        status=400,
        error_type="invalid_request_error",
    )
    other = BadRequestError("bad field", status=400, error_type="invalid_request_error")
    assert is_running_refusal(running)
    assert not is_running_refusal(other)
    assert not is_running_refusal(NotFoundError("running", status=404))
