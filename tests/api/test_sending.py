"""Duplicate-safe sends: a lost response never produces a second user message."""

from __future__ import annotations

import pytest

from drover.api import ConflictError, ConnectionFailed, SendUncertainError

EVENTS = "/v1/sessions/s1/events"
FAST = {"verify_delays": (0.01, 0.05)}


def history_reads(server):
    """The verification reads of user-message history (not the settle checks)."""
    calls = server.state.calls("GET", EVENTS)
    return [c for c in calls if ("types[]", "user.message") in c.query]


def user_messages(server, text=None):
    return [
        e
        for e in server.state.events.get("s1", [])
        if e["type"] == "user.message" and (text is None or e["content"][0]["text"] == text)
    ]


async def test_plain_send_returns_receipt(client, server):
    out = await client.send_user_message_once("s1", "hi", **FAST)
    assert out.status == "sent" and out.attempts == 1
    assert out.event["id"].startswith("sevt_") and out.event["content"][0]["text"] == "hi"
    assert not server.state.calls("GET", EVENTS)  # no verification read when all is well


async def test_raw_send_is_never_retried_after_a_dropped_response(client, server):
    server.state.add_fault(method="POST", path=EVENTS, action="drop_after")
    with pytest.raises(ConnectionFailed) as info:
        await client.send_events(
            "s1", [{"type": "user.message", "content": [{"type": "text", "text": "x"}]}]
        )
    assert info.value.maybe_sent is True
    assert len(server.state.calls("POST", EVENTS)) == 1
    assert len(user_messages(server)) == 1


async def test_dropped_response_after_store_is_not_resent(client, server):
    server.state.add_fault(method="POST", path=EVENTS, action="drop_after")
    out = await client.send_user_message_once("s1", "run the tests ✓", **FAST)
    assert out.status == "already_delivered" and out.attempts == 1
    assert len(server.state.calls("POST", EVENTS)) == 1
    assert len(user_messages(server)) == 1
    assert out.event["id"] == user_messages(server)[0]["id"]
    (check,) = history_reads(server)
    assert ("order", "desc") in check.query


async def test_dropped_before_store_is_resent_once(client, server):
    server.state.add_fault(method="POST", path=EVENTS, action="drop")
    out = await client.send_user_message_once("s1", "hello", **FAST)
    assert out.status == "resent" and out.attempts == 2
    assert len(user_messages(server)) == 1
    # The session was settled (idle) at the first look, so one history read is conclusive.
    assert len(history_reads(server)) == 1


async def test_server_error_is_verified_then_resent(client, server):
    server.state.add_fault(
        method="POST",
        path=EVENTS,
        action="status",
        status=529,
        body={"type": "error", "error": {"type": "overloaded_error", "message": "busy"}},
    )
    out = await client.send_user_message_once("s1", "hello", **FAST)
    assert out.status == "resent" and len(user_messages(server)) == 1


async def test_known_identical_older_message_is_not_a_match(client, server):
    older = (
        await client.send_events(
            "s1", [{"type": "user.message", "content": [{"type": "text", "text": "yes"}]}]
        )
    )[0]
    server.state.add_fault(method="POST", path=EVENTS, action="drop")
    out = await client.send_user_message_once("s1", "yes", known_ids={older["id"]}, **FAST)
    assert out.status == "resent"
    assert len(user_messages(server, "yes")) == 2  # the old one plus exactly one new one


async def test_known_older_message_does_not_hide_the_landed_one(client, server):
    older = (
        await client.send_events(
            "s1", [{"type": "user.message", "content": [{"type": "text", "text": "yes"}]}]
        )
    )[0]
    server.state.add_fault(method="POST", path=EVENTS, action="drop_after")
    out = await client.send_user_message_once("s1", "yes", known_ids={older["id"]}, **FAST)
    assert out.status == "already_delivered" and out.event["id"] != older["id"]
    assert len(user_messages(server, "yes")) == 2


async def test_history_unreadable_means_uncertain_not_resent(client, server):
    server.state.add_fault(method="POST", path=EVENTS, action="drop")
    server.state.add_fault(
        method="GET", path=EVENTS, action="status", status=500, body={}, times=50
    )
    with pytest.raises(SendUncertainError) as info:
        await client.send_user_message_once("s1", "hello", **FAST)
    assert "history could not be checked" in str(info.value)
    assert len(server.state.calls("POST", EVENTS)) == 1


@pytest.mark.parametrize("busy", ["running", "requires_action"])
async def test_busy_session_means_uncertain_not_resent(client, server, busy):
    # A message accepted while a turn runs (or waits on an approval) is queued, and queued
    # events are not listed in history: its absence proves nothing, so nothing is re-sent.
    if busy == "running":
        server.state.status["s1"] = "running"
    else:
        server.state.events["s1"] = [
            {
                "type": "session.status_idle",
                "id": "sevt_idle",
                "processed_at": "2026-01-01T00:00:00Z",
                "stop_reason": {"type": "requires_action", "event_ids": ["sevt_tool"]},
            }
        ]
    server.state.add_fault(method="POST", path=EVENTS, action="drop")
    with pytest.raises(SendUncertainError) as info:
        await client.send_user_message_once("s1", "hello", settle_timeout=0.2, **FAST)
    assert "still busy" in str(info.value)
    assert len(server.state.calls("POST", EVENTS)) == 1


async def test_gives_up_uncertain_after_max_sends(client, server):
    server.state.add_fault(method="POST", path=EVENTS, action="drop", times=5)
    with pytest.raises(SendUncertainError):
        await client.send_user_message_once("s1", "hello", max_sends=2, **FAST)
    assert len(server.state.calls("POST", EVENTS)) == 2


async def test_definitive_rejection_is_raised(client, server):
    server.state.add_fault(
        method="POST",
        path=EVENTS,
        action="status",
        status=409,
        body={"type": "error", "error": {"type": "conflict_error", "message": "archived"}},
    )
    with pytest.raises(ConflictError):
        await client.send_user_message_once("s1", "hello", **FAST)
    assert len(server.state.calls("POST", EVENTS)) == 1 and not user_messages(server)


async def test_tool_confirmation_lost_response_counts_as_delivered(client, server):
    server.state.add_fault(method="POST", path=EVENTS, action="drop_after")
    out = await client.confirm_tool("s1", "sevt_tool", allow=True)
    assert out.status == "already_delivered" and out.attempts == 2
    stored = server.state.events["s1"]
    assert [e["type"] for e in stored] == ["user.tool_confirmation"]


async def test_tool_confirmation_dropped_before_store_is_resent(client, server):
    server.state.add_fault(method="POST", path=EVENTS, action="drop")
    out = await client.confirm_tool("s1", "sevt_t2", allow=False, deny_message="no")
    assert out.status == "resent" and out.event["deny_message"] == "no"


async def test_tool_confirmation_first_4xx(client, server):
    await client.confirm_tool("s1", "sevt_t3", allow=True)
    with pytest.raises(Exception) as info:
        await client.confirm_tool("s1", "sevt_t3", allow=True)
    assert getattr(info.value, "status", None) == 400
    out = await client.confirm_tool("s1", "sevt_t3", allow=True, already_answered_ok=True)
    assert out.status == "already_delivered"


async def test_timeout_after_the_server_stored_is_not_resent(make_client, server):
    client = make_client(timeout=0.3)
    server.state.add_fault(method="POST", path=EVENTS, action="delay", seconds=0.6)
    out = await client.send_user_message_once("s1", "slow", verify_delays=(0.5, 0.5))
    assert out.status == "already_delivered"
    assert len(server.state.calls("POST", EVENTS)) == 1 and len(user_messages(server)) == 1
