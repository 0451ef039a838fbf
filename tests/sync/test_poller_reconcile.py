"""Sessions that end elsewhere are reconciled: the mirror never keeps a stale active state."""

from __future__ import annotations

from sync_support import create_session, past_idle, wait_idle

from drover.sync.poller import SessionPoller


async def test_session_archived_elsewhere_is_refreshed(chaos_sim, client_factory, mirror):
    sim = chaos_sim(pace="fast")
    client = client_factory(sim)
    sid = await create_session(client)
    await wait_idle(client, sid)
    poller = SessionPoller(client, mirror.writer, reader=mirror.reader)
    await poller.poll_once()
    assert mirror.reader.session(sid).archived_at is None

    await past_idle(client.archive_session, sid)  # by someone else: it leaves the active list
    result = await poller.poll_once()
    assert sid not in result.session_ids
    row = mirror.reader.session(sid)
    assert row.archived_at is not None and row.status == "terminated"


async def test_restart_reconciles_sessions_the_mirror_thought_active(
    chaos_sim, client_factory, mirror
):
    sim = chaos_sim(pace="fast")
    client = client_factory(sim)
    sid = await create_session(client)
    await wait_idle(client, sid)
    await SessionPoller(client, mirror.writer, reader=mirror.reader).poll_once()
    await past_idle(client.archive_session, sid)  # while drover was not running

    fresh_process_poller = SessionPoller(client, mirror.writer, reader=mirror.reader)
    await fresh_process_poller.poll_once()
    assert mirror.reader.session(sid).archived_at is not None
