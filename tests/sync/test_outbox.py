"""The outbox against the real sim: exactly-once delivery, offline composition, rejections."""

from __future__ import annotations

import httpx
import pytest
from sync_support import (
    clear_faults,
    create_session,
    make_client,
    past_idle,
    set_faults,
    wait_for,
    wait_idle,
)

from drover.sync.outbox import Outbox, build_events


async def _user_messages(client, sid, text):
    return [
        e
        async for e in client.iter_events(sid, types=["user.message"])
        if "".join(b.get("text", "") for b in e.get("content", [])) == text
    ]


async def _row(mirror, action_id):
    return next(r for r in mirror.reader.outbox() if r.id == action_id)


async def _settled(mirror, action_id, timeout=20.0):
    async def done():
        row = await _row(mirror, action_id)
        return row if row.state in ("sent", "failed") else None

    return await wait_for(done, timeout=timeout, message=f"outbox row {action_id} settled")


class KillFirstEventsResponse(httpx.AsyncBaseTransport):
    """Real HTTP to the sim, but the first ``POST …/events`` response is thrown away after the
    server has handled it: exactly the "connection died after the server accepted" case."""

    def __init__(self) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self.killed = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        if request.method == "POST" and request.url.path.endswith("/events") and not self.killed:
            await response.aread()
            await response.aclose()
            self.killed += 1
            raise httpx.ReadError("connection reset after the request was handled")
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


def test_actions_are_validated_before_anything_is_persisted():
    with pytest.raises(ValueError):
        build_events("message", {"text": "  "})
    with pytest.raises(ValueError):
        build_events("tool_confirmation", {"tool_use_id": "sevt_1"})
    with pytest.raises(ValueError):
        build_events("launch_rockets", {})
    deny = build_events(
        "tool_confirmation", {"tool_use_id": "sevt_1", "allow": False, "deny_message": "no"}
    )
    assert deny == [
        {
            "type": "user.tool_confirmation",
            "tool_use_id": "sevt_1",
            "result": "deny",
            "deny_message": "no",
        }
    ]
    allow = build_events(
        "tool_confirmation", {"tool_use_id": "sevt_1", "allow": True, "deny_message": "ignored"}
    )
    assert "deny_message" not in allow[0]


async def test_message_is_delivered_once_with_its_server_id(chaos_sim, client_factory, mirror):
    sim = chaos_sim(pace="fast")
    client = client_factory(sim)
    sid = await create_session(client)
    await wait_idle(client, sid)
    outbox = Outbox(client, mirror.writer, mirror.reader)
    outbox.start()
    action = await outbox.submit(sid, "message", {"text": "follow-up one"})
    row = await _settled(mirror, action)
    await outbox.stop()
    assert row.state == "sent"
    sent = await _user_messages(client, sid, "follow-up one")
    assert [e["id"] for e in sent] == row.server_event_ids


async def test_lost_response_is_not_sent_twice(chaos_sim, client_factory, mirror):
    sim = chaos_sim(pace="fast")
    setup = client_factory(sim)
    sid = await create_session(setup)
    await wait_idle(setup, sid)
    transport = KillFirstEventsResponse()
    client = make_client(sim.base_url, sim.api_key, transport=transport)
    try:
        outbox = Outbox(client, mirror.writer, mirror.reader)
        outbox.start()
        action = await outbox.submit(sid, "message", {"text": "exactly once please"})
        row = await _settled(mirror, action)
        await outbox.stop()
    finally:
        await client.aclose()
    assert transport.killed == 1, "the fault must actually have hit the send"
    assert row.state == "sent"
    sent = await _user_messages(setup, sid, "exactly once please")
    assert len(sent) == 1
    assert row.server_event_ids == [sent[0]["id"]]


async def test_restart_resolves_a_row_left_sending_without_resending(
    chaos_sim, client_factory, mirror
):
    sim = chaos_sim(pace="fast")
    client = client_factory(sim)
    sid = await create_session(client)
    await wait_idle(client, sid)
    # A previous run persisted the row, marked it sending, POSTed it — and died before
    # recording the receipt.
    action = await mirror.writer.enqueue_action(sid, "message", {"text": "sent before crash"})
    await mirror.writer.mark_sending(action)
    await client.send_events(sid, build_events("message", {"text": "sent before crash"}))
    # A row that never reached the server must still go out after the restart.
    lost = await mirror.writer.enqueue_action(sid, "message", {"text": "never reached"})
    await mirror.writer.mark_sending(lost)
    outbox = Outbox(client, mirror.writer, mirror.reader)
    outbox.start()
    first = await _settled(mirror, action)
    second = await _settled(mirror, lost)
    await outbox.stop()
    assert first.state == second.state == "sent"
    assert len(await _user_messages(client, sid, "sent before crash")) == 1
    assert len(await _user_messages(client, sid, "never reached")) == 1


async def test_offline_composition_is_delivered_when_the_api_is_back(
    chaos_sim, client_factory, mirror
):
    sim = chaos_sim(pace="fast")
    client = client_factory(sim)
    sid = await create_session(client)
    await wait_idle(client, sid)
    set_faults(sim, fail_probability=1.0, fail_status=503)  # the API is "down"
    outbox = Outbox(client, mirror.writer, mirror.reader, retry_cap=0.5)
    outbox.start()
    action = await outbox.submit(sid, "message", {"text": "written while offline"})
    await wait_for(lambda: outbox.last_error(action), message="a failed attempt")
    assert (await _row(mirror, action)).state in ("queued", "sending")
    clear_faults(sim)
    row = await _settled(mirror, action)
    await outbox.stop()
    assert row.state == "sent"
    assert len(await _user_messages(client, sid, "written while offline")) == 1


async def test_archived_session_fails_with_a_conflict_reason(chaos_sim, client_factory, mirror):
    sim = chaos_sim(pace="fast")
    client = client_factory(sim)
    sid = await create_session(client)
    await wait_idle(client, sid)
    await past_idle(client.archive_session, sid)
    outbox = Outbox(client, mirror.writer, mirror.reader)
    outbox.start()
    action = await outbox.submit(sid, "message", {"text": "too late"})
    row = await _settled(mirror, action)
    await outbox.stop()
    assert row.state == "failed"
    assert row.error.startswith("conflict")


async def test_already_answered_tool_confirmation_counts_as_delivered(
    chaos_sim, client_factory, mirror
):
    sim = chaos_sim(pace="fast")
    client = client_factory(sim)
    sid = await create_session(client, ask=True)

    async def pending():
        s = await client.retrieve_session(sid)
        if s["status"] != "idle":
            return None
        idle = [e async for e in client.iter_events(sid, types=["session.status_idle"])]
        reason = idle[-1]["stop_reason"] if idle else {}
        return reason.get("event_ids") if reason.get("type") == "requires_action" else None

    tool_use_ids = await wait_for(pending, timeout=20, interval=0.1, message="requires_action")
    answer = build_events("tool_confirmation", {"tool_use_id": tool_use_ids[0], "allow": True})
    echo = await client.send_events(sid, answer)  # another client answered first
    outbox = Outbox(client, mirror.writer, mirror.reader)
    outbox.start()
    action = await outbox.submit(
        sid, "tool_confirmation", {"tool_use_id": tool_use_ids[0], "allow": True}
    )
    row = await _settled(mirror, action)
    await outbox.stop()
    assert row.state == "sent"
    assert row.server_event_ids == [echo[0]["id"]]


async def test_the_delivery_loop_reads_its_rows_off_the_loop(
    chaos_sim, client_factory, mirror, monkeypatch
):
    """On a shared mirror a read is a round trip to the database: never on the loop."""
    import threading

    sim = chaos_sim(pace="fast")
    client = client_factory(sim)
    sid = await create_session(client)
    await wait_idle(client, sid)
    loop_thread = threading.current_thread()
    threads: list[bool] = []
    real = mirror.reader.outbox

    def recording(*args, **kwargs):
        if kwargs.get("unfinished"):  # the delivery loop's and wait_idle's looks
            threads.append(threading.current_thread() is loop_thread)
        return real(*args, **kwargs)

    monkeypatch.setattr(mirror.reader, "outbox", recording)
    outbox = Outbox(client, mirror.writer, mirror.reader)
    outbox.start()
    await outbox.submit(sid, "message", {"text": "read off the loop"})
    await outbox.wait_idle()
    await outbox.stop()
    assert len(threads) >= 2 and not any(threads), threads
