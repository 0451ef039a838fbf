"""A follow-up to a *running* session whose response is lost is still delivered exactly once.

The hard case for "look in history before re-sending": the server accepted the message but
queued it behind the turn in progress, and a queued event is not in the history listing until
the agent processes it. A re-send while the turn is still running would create a second copy.
"""

from __future__ import annotations

from sync_support import create_session, make_client, session_status, wait_idle
from test_outbox import KillFirstEventsResponse, _settled, _user_messages

from drover.sync.outbox import Outbox


async def test_lost_response_on_a_running_session_is_not_sent_twice(
    chaos_sim, client_factory, mirror
):
    # Real-time pace: the kickoff turn runs for ~3 s, longer than the api's history
    # verification window, so the follow-up stays queued (and out of history) meanwhile.
    sim = chaos_sim(pace="realtime")
    setup = client_factory(sim)
    sid = await create_session(setup)
    assert await session_status(setup, sid) == "running"
    transport = KillFirstEventsResponse()
    client = make_client(sim.base_url, sim.api_key, transport=transport)
    try:
        outbox = Outbox(client, mirror.writer, mirror.reader)
        outbox.start()
        action = await outbox.submit(sid, "message", {"text": "queued behind a turn"})
        row = await _settled(mirror, action, timeout=40.0)
        await outbox.stop()
    finally:
        await client.aclose()
    assert transport.killed == 1, "the fault must actually have hit the send"
    await wait_idle(setup, sid, timeout=60.0)
    sent = await _user_messages(setup, sid, "queued behind a turn")
    assert len(sent) == 1, f"the follow-up reached the server {len(sent)} times"
    assert row.state == "sent"
    assert row.server_event_ids == [sent[0]["id"]]
