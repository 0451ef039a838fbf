"""Permission requests, custom tools, multi-agent threads and outcomes (§9, §10, §6.6)."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest
from sdk_check import assert_wire_shape

from drover.sim.wire.errors import SimError

# tests/sim is not a package: the shared helpers are loaded by path.
_s = runpy.run_path(str(Path(__file__).with_name("test_engine_support.py")))
sim = pytest.fixture(_s["sim"])
make_session, say, types, last = (_s[k] for k in ("make_session", "say", "types", "last"))
ASK_BASH = _s["ASK_BASH"]


async def test_confirmation_partial_then_full_and_deny_message(sim):
    sid = make_session(sim, "ask", tools=ASK_BASH)
    say(sim, sid)
    await sim.settle(sid)
    idle = last(sim, sid, "session.status_idle")
    ids = idle["stop_reason"]["event_ids"]
    assert idle["stop_reason"]["type"] == "requires_action" and len(ids) == 2
    uses = [e for e in sim.list_events(sid) if e["id"] in ids]
    assert all(
        u["evaluated_permission"] == "ask" and u["evaluation"] == {"type": "always_ask"}
        for u in uses
    )
    assert types(sim, sid)[-2:] == ["session.usage", "session.status_idle"]
    sim.send_events(
        sid,
        {"events": [{"type": "user.tool_confirmation", "tool_use_id": ids[0], "result": "allow"}]},
    )
    again = last(sim, sid, "session.status_idle")
    assert (
        again["stop_reason"]["event_ids"] == [ids[1]]
        and types(sim, sid)[-3] == "user.tool_confirmation"
    )
    with pytest.raises(SimError) as exc:  # already answered
        sim.send_events(
            sid,
            {
                "events": [
                    {"type": "user.tool_confirmation", "tool_use_id": ids[0], "result": "allow"}
                ]
            },
        )
    assert exc.value.status == 400
    sim.send_events(
        sid,
        {
            "events": [
                {
                    "type": "user.tool_confirmation",
                    "tool_use_id": ids[1],
                    "result": "deny",
                    "deny_message": "Not there",
                }
            ]
        },
    )
    assert sim.get_session(sid)["status"] == "running"
    await sim.settle(sid)
    results = {
        e["tool_use_id"]: e for e in sim.list_events(sid) if e["type"] == "agent.tool_result"
    }
    assert results[ids[0]]["is_error"] is False
    assert (
        results[ids[1]]["is_error"] is True and "Not there" in results[ids[1]]["content"][0]["text"]
    )
    assert last(sim, sid, "session.status_idle")["stop_reason"] == {"type": "end_turn"}
    types(sim, sid)


async def test_unknown_tool_use_id_is_400(sim):
    sid = make_session(sim)
    with pytest.raises(SimError) as exc:
        sim.send_events(
            sid,
            {
                "events": [
                    {
                        "type": "user.tool_confirmation",
                        "tool_use_id": "sevt_nope",
                        "result": "allow",
                    }
                ]
            },
        )
    assert exc.value.status == 400


async def test_auto_policy_and_disabled_tool(sim):
    tools = [
        {
            "type": "agent_toolset_20260401",
            "default_config": {"permission_policy": {"type": "auto"}},
            "configs": [{"name": "write", "enabled": False}],
        }
    ]
    sid = make_session(sim, "ask", tools=tools)
    say(sim, sid)
    await sim.settle(sid)
    uses = [e for e in sim.list_events(sid) if e["type"] == "agent.tool_use"]
    assert uses[0]["evaluated_permission"] == "allow"
    assert uses[0]["evaluation"] == {"type": "auto", "evaluated_permission": {"type": "allow"}}
    assert uses[1]["evaluated_permission"] == "deny" and "evaluation" not in uses[1]
    result = next(e for e in sim.list_events(sid) if e.get("tool_use_id") == uses[1]["id"])
    assert result["is_error"] is True
    assert last(sim, sid, "session.status_idle")["stop_reason"] == {"type": "end_turn"}


async def test_custom_tool_result_processed_on_receipt(sim):
    custom = {
        "type": "custom",
        "name": "lookup_ticket",
        "description": "Fetch",
        "input_schema": {"type": "object", "properties": {"id": {"type": "string"}}},
    }
    sid = make_session(sim, "custom", tools=[{"type": "agent_toolset_20260401"}, custom])
    say(sim, sid)
    await sim.settle(sid)
    use = last(sim, sid, "agent.custom_tool_use")
    assert last(sim, sid, "session.status_idle")["stop_reason"]["event_ids"] == [use["id"]]
    receipt = sim.send_events(
        sid,
        {
            "events": [
                {
                    "type": "user.custom_tool_result",
                    "custom_tool_use_id": use["id"],
                    "content": [{"type": "text", "text": "open"}],
                }
            ]
        },
    )["data"]
    assert receipt[0]["processed_at"] is not None
    await sim.settle(sid)
    seq = types(sim, sid)
    at = seq.index("user.custom_tool_result")
    assert seq[at + 1] == "session.status_running" and "agent.tool_result" not in seq
    assert last(sim, sid, "agent.message")["content"][0]["text"] == "Ticket found."


async def test_multiagent_cross_posts_and_routing(sim):
    sid = make_session(sim, "team", tools=ASK_BASH)
    say(sim, sid)
    await sim.settle(sid)
    threads = sim.list_threads(sid)
    for thread in threads:
        assert_wire_shape(thread)
    child = next(t for t in threads if t["parent_thread_id"] is not None)
    assert child["agent"]["name"] == "Reviewer"
    seq = types(sim, sid)
    assert seq[seq.index("session.thread_created") :][:3] == [
        "session.thread_created",
        "agent.thread_message_sent",
        "session.thread_status_running",
    ]
    idle = last(sim, sid, "session.status_idle")
    ids = idle["stop_reason"]["event_ids"]
    crossed = [e for e in sim.list_events(sid) if e["id"] in ids]
    assert crossed and all(e["session_thread_id"] == child["id"] for e in crossed)
    own = [e for e in sim.list_events(sid, child["id"]) if e["id"] in ids]
    assert own and all("session_thread_id" not in e for e in own)
    receipt = sim.send_events(
        sid,
        {
            "events": [
                {"type": "user.tool_confirmation", "tool_use_id": i, "result": "allow"} for i in ids
            ]
        },
    )["data"]
    assert all(r["session_thread_id"] == child["id"] for r in receipt)
    await sim.settle(sid)
    child_seq = types(sim, sid, child["id"])
    assert (
        child_seq[0] == "agent.thread_message_received"
        and child_seq.count("agent.tool_result") == 2
    )
    assert child_seq[-2:] == ["agent.thread_message_sent", "session.thread_status_idle"]
    seq = types(sim, sid)
    assert "agent.thread_message_received" in seq and seq[-2:] == [
        "session.usage",
        "session.status_idle",
    ]
    assert sim.get_thread(sid, child["id"])["status"] == "idle"
    assert_wire_shape(sim.get_thread(sid, child["id"]))


async def test_outcome_evaluations(sim):
    sid = make_session(sim, "graded")
    receipt = sim.send_events(
        sid,
        {
            "events": [
                {
                    "type": "user.define_outcome",
                    "description": "Ship it",
                    "rubric": {"type": "text", "content": "tests"},
                }
            ]
        },
    )["data"]
    assert receipt[0]["processed_at"] and receipt[0]["outcome_id"].startswith("outc_")
    session = await sim.settle(sid)
    ends = [e for e in sim.list_events(sid) if e["type"] == "span.outcome_evaluation_end"]
    assert [e["result"] for e in ends] == ["needs_revision", "satisfied"]
    assert [e["iteration"] for e in ends] == [0, 1]
    evaluation = session["outcome_evaluations"][0]
    assert (
        evaluation["result"] == "satisfied"
        and evaluation["completed_at"]
        and evaluation["iteration"] == 1
    )
    assert types(sim, sid)[-2:] == ["session.usage", "session.status_idle"]
    assert_wire_shape(session)


async def test_interrupt_while_waiting_for_confirmation_ends_the_turn(sim):
    sid = make_session(sim, "ask", tools=ASK_BASH)
    say(sim, sid)
    await sim.settle(sid)
    ids = last(sim, sid, "session.status_idle")["stop_reason"]["event_ids"]
    sim.send_events(sid, {"events": [{"type": "user.interrupt"}]})
    await sim.settle(sid)
    assert types(sim, sid)[-3:] == ["user.interrupt", "session.usage", "session.status_idle"]
    assert last(sim, sid, "session.status_idle")["stop_reason"] == {"type": "end_turn"}
    with pytest.raises(SimError):  # the pending request died with the turn
        answer = {"type": "user.tool_confirmation", "tool_use_id": ids[0], "result": "allow"}
        sim.send_events(sid, {"events": [answer]})


async def test_interrupt_on_an_idle_session_is_processed_at_once(sim):
    sid = make_session(sim)
    sub = sim.subscribe(sid)
    receipt = sim.send_events(sid, {"events": [{"type": "user.interrupt"}]})["data"][0]
    # Queued copies (the default): queued in the receipt and first on the stream, processed
    # straight after, since nothing runs.
    assert receipt["processed_at"] is None
    queued, processed = sub.queue.get_nowait(), sub.queue.get_nowait()
    assert queued["id"] == processed["id"] == receipt["id"]
    assert queued["processed_at"] is None and processed["processed_at"] is not None
    assert types(sim, sid) == ["user.interrupt"]
    assert sim.get_session(sid)["status"] == "idle"
    sim.duplicate_user_events = False  # without queued copies: timestamped in the receipt
    receipt = sim.send_events(sid, {"events": [{"type": "user.interrupt"}]})["data"][0]
    assert receipt["processed_at"] is not None


async def test_thread_objects_evolve(sim):
    sid = make_session(sim, "team", tools=ASK_BASH)
    primary = sim.list_threads(sid)[0]
    assert primary["stats"] is None and primary["usage"] is None
    say(sim, sid)
    await sim.settle(sid)
    ids = last(sim, sid, "session.status_idle")["stop_reason"]["event_ids"]
    events = [{"type": "user.tool_confirmation", "tool_use_id": i, "result": "allow"} for i in ids]
    sim.send_events(sid, {"events": events})
    await sim.settle(sid)
    for thread in sim.list_threads(sid):
        assert_wire_shape(thread)
        assert thread["status"] == "idle" and thread["stats"] is not None
        assert (
            thread["usage"]["input_tokens"] >= 0
            and thread["usage"]["list_cost"]["currency"] == "USD"
        )
    assert sim.list_threads(sid, statuses=["running"]) == []


async def test_define_outcome_while_running_is_echoed_on_receipt_and_queued(sim):
    sid = make_session(sim, "graded")
    say(sim, sid)
    outcome = {"type": "user.define_outcome", "description": "d"}
    outcome["rubric"] = {"type": "text", "content": "r"}
    receipt = sim.send_events(sid, {"events": [outcome]})
    assert receipt["data"][0]["processed_at"] is not None
    session = await sim.settle(sid)
    seq = types(sim, sid)
    assert seq.index("user.define_outcome") < seq.index("session.status_idle")
    assert seq.count("session.status_idle") == 2 and "span.outcome_evaluation_end" in seq
    assert session["outcome_evaluations"][0]["result"] == "satisfied"


async def test_archive_terminates_every_thread(sim):
    sim.post_idle_race = 0  # archive right after idle (the race has its own tests)
    sid = make_session(sim, "team")
    say(sim, sid)
    await sim.settle(sid)
    sim.archive_session(sid)
    assert {t["status"] for t in sim.list_threads(sid)} == {"terminated"}
