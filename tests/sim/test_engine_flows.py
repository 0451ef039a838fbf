"""Session engine turns (§16): plain turns, previews, queue, interrupt, errors, lifecycle."""

from __future__ import annotations

import asyncio
import runpy
from pathlib import Path

import pytest
from sdk_check import assert_wire_shape
from sim_content import all_ids, canonical_ids

from drover.sim.domain.facade import SimDomain
from drover.sim.engine.pace import Pace
from drover.sim.wire.errors import SimError

# tests/sim is not a package: the shared helpers are loaded by path.
_s = runpy.run_path(str(Path(__file__).with_name("test_engine_support.py")))
sim = pytest.fixture(_s["sim"])
make_session, say, types, last = (_s[k] for k in ("make_session", "say", "types", "last"))
ASK_BASH = _s["ASK_BASH"]


async def test_general_turn_plays_to_idle_with_usage_first(sim):
    sid = make_session(sim)
    receipt = say(sim, sid)
    assert receipt[0]["processed_at"] is None  # queued copies: the receipt shows it queued
    session = await sim.settle(sid)
    assert sim.list_events(sid)[0]["processed_at"] is not None  # idle: processed at once
    seq = types(sim, sid)
    assert seq[:3] == ["user.message", "session.status_running", "span.model_request_start"]
    assert seq[-2:] == ["session.usage", "session.status_idle"]
    assert last(sim, sid, "session.status_idle")["stop_reason"] == {"type": "end_turn"}
    assert session["status"] == "idle" and session["usage"]["input_tokens"] == 3900
    stamps = [e["processed_at"] for e in sim.list_events(sid)]
    assert stamps == sorted(stamps)
    assert_wire_shape(session)


async def test_previews_reach_opted_in_streams_only(sim):
    sid = make_session(sim)
    plain = sim.subscribe(sid)
    deltas = sim.subscribe(sid, deltas=frozenset({"agent.message"}))
    say(sim, sid)
    await sim.settle(sid)
    got_plain = [plain.queue.get_nowait() for _ in range(plain.queue.qsize())]
    got_deltas = [deltas.queue.get_nowait() for _ in range(deltas.queue.qsize())]
    assert not any(f["type"].startswith("event_") for f in got_plain)
    for frame in got_deltas:
        assert_wire_shape(frame)
    starts = [f["event"]["id"] for f in got_deltas if f["type"] == "event_start"]
    messages = [f["id"] for f in got_deltas if f["type"] == "agent.message"]
    assert starts == messages  # one start per message, the buffered event after it
    assert not any(
        f["type"] == "event_start" and f["event"]["type"] == "agent.thinking" for f in got_deltas
    )


async def test_queued_messages_play_in_order_in_later_turns(sim):
    sid = make_session(sim)
    first = say(sim, sid, "one")[0]
    second = say(sim, sid, "two")[0]
    third = say(sim, sid, "three")[0]
    assert first["processed_at"] is second["processed_at"] is third["processed_at"] is None
    assert sim.list_events(sid)[0]["id"] == first["id"]  # the first one started at once
    await sim.settle(sid)
    messages = [e for e in sim.list_events(sid) if e["type"] == "user.message"]
    assert [m["id"] for m in messages] == [first["id"], second["id"], third["id"]]
    assert all(m["processed_at"] for m in messages)
    assert types(sim, sid).count("session.status_idle") == 3
    # The followup turn quotes the message it answers.
    assert "three" in last(sim, sid, "agent.message")["content"][0]["text"]


async def test_duplicate_user_events_fault_pushes_a_transient_copy(sim):
    sim.duplicate_user_events = True
    sid = make_session(sim)
    sub = sim.subscribe(sid)
    say(sim, sid, "one")
    queued = say(sim, sid, "two")[0]
    await sim.settle(sid)
    frames = [sub.queue.get_nowait() for _ in range(sub.queue.qsize())]
    copies = [f for f in frames if f.get("id") == queued["id"]]
    assert [c["processed_at"] is None for c in copies] == [True, False]
    assert sum(e["id"] == queued["id"] for e in sim.list_events(sid)) == 1


async def test_interrupt_closes_the_preview_and_ends_the_turn(sim):
    sid = make_session(sim, "slow")
    sim.state.sessions[sid].runtime.pace = Pace.parse("10x")  # 3 s real: the interrupt cuts it
    say(sim, sid)
    await asyncio.sleep(0.01)
    receipt = sim.send_events(
        sid,
        {
            "events": [
                {"type": "user.interrupt"},
                {"type": "user.message", "content": [{"type": "text", "text": "x"}]},
            ]
        },
    )["data"]
    assert receipt[0]["processed_at"] is None, types(sim, sid)
    await sim.settle(sid)
    seq = types(sim, sid)
    at = seq.index("user.interrupt")
    assert seq[at - 1] == "span.model_request_start"
    assert seq[at + 1 : at + 4] == [
        "span.model_request_end",
        "session.usage",
        "session.status_idle",
    ]
    assert seq[at + 4 : at + 6] == ["user.message", "session.status_running"]
    idles = [e for e in sim.list_events(sid) if e["type"] == "session.status_idle"]
    assert idles[0]["stop_reason"] == {"type": "end_turn"}


async def test_errors_retrying_exhausted_terminal(sim):
    sid = make_session(sim, "errors")
    say(sim, sid)
    await sim.settle(sid)
    seq = types(sim, sid)
    assert seq.count("session.status_rescheduled") == 2
    errors = [e for e in sim.list_events(sid) if e["type"] == "session.error"]
    assert [e["error"]["retry_status"]["type"] for e in errors] == ["retrying", "retrying"]
    at = seq.index("session.status_rescheduled")
    assert seq[at - 2 : at + 2] == [
        "span.model_request_end",
        "session.error",
        "session.status_rescheduled",
        "session.status_running",
    ]
    say(sim, sid)
    await sim.settle(sid)
    assert last(sim, sid, "session.error")["error"]["retry_status"] == {"type": "exhausted"}
    assert last(sim, sid, "session.status_idle")["stop_reason"] == {"type": "retries_exhausted"}
    assert types(sim, sid)[-2:] == ["session.usage", "session.status_idle"]
    say(sim, sid)
    session = await sim.settle(sid)
    assert types(sim, sid)[-2:] == ["session.error", "session.status_terminated"]
    assert session["status"] == "terminated"
    with pytest.raises(SimError) as exc:
        say(sim, sid)
    assert exc.value.status == 409


async def test_refusal_stops_with_details(sim):
    sid = make_session(sim, "refuse")
    say(sim, sid)
    await sim.settle(sid)
    idle = last(sim, sid, "session.status_idle")
    assert idle["stop_reason"] == {"type": "refusal"}
    assert idle["stop_details"] == {
        "type": "refusal",
        "category": "cyber",
        "explanation": "Declined to write an exploit",
    }
    assert "agent.message" not in types(sim, sid)


async def test_archive_and_delete_rules(sim):
    sid = make_session(sim, "slow")
    say(sim, sid)
    assert sim.get_session(sid)["status"] == "running"
    for op in (sim.archive_session, sim.delete_session):
        with pytest.raises(SimError) as exc:
            op(sid)
        assert exc.value.status == 400
    sim.send_events(sid, {"events": [{"type": "user.interrupt"}]})
    await sim.settle(sid)
    with pytest.raises(SimError) as exc:  # the post-idle race: idle on the stream, not yet here
        sim.archive_session(sid)
    assert exc.value.status == 400 and "running" in exc.value.message
    await asyncio.sleep(sim.post_idle_race)
    archived = sim.archive_session(sid)
    assert archived["status"] == "terminated" and archived["archived_at"] is not None
    assert types(sim, sid)[-1] == "session.status_terminated"
    with pytest.raises(SimError) as exc:
        say(sim, sid)
    assert exc.value.status == 409
    assert sid not in [s["id"] for s in sim.list_sessions()]
    assert sid in [s["id"] for s in sim.list_sessions(include_archived=True)]
    sub = sim.subscribe(sid)
    assert sim.delete_session(sid) == {"id": sid, "type": "session_deleted"}
    frames = [sub.queue.get_nowait() for _ in range(sub.queue.qsize())]
    assert frames[0]["type"] == "session.deleted" and frames[-1] is None
    with pytest.raises(SimError) as exc:
        sim.get_session(sid)
    assert exc.value.status == 404


async def test_initial_events_start_work(sim):
    agent = sim.create_agent({"name": "x", "model": "claude-sonnet-4-6"})
    env = sim.create_environment({"name": "init"})
    session = sim.create_session(
        {
            "agent": agent["id"],
            "environment_id": env["id"],
            "initial_events": [
                {"type": "user.message", "content": [{"type": "text", "text": "hello"}]}
            ],
        }
    )
    assert session["status"] == "running"
    assert (await sim.settle(session["id"]))["status"] == "idle"


async def test_seeded_runs_are_deterministic(tmp_path):
    from datetime import UTC, datetime

    from drover.sim.wire.ids import ManualClock

    async def run() -> list[dict]:
        domain = SimDomain(
            seed=3, pace="instant", clock=ManualClock(datetime(2026, 1, 1, tzinfo=UTC))
        )
        await domain.start()
        sid = make_session(domain)
        say(domain, sid, "a")
        say(domain, sid, "b")
        await domain.settle(sid)
        await domain.stop()
        return domain.list_events(sid)

    first, second = await run(), await run()
    # Same seed, same content; the ids differ, so a restarted sim never reissues one.
    assert canonical_ids(first) == canonical_ids(second) and len(first) > 20
    assert not all_ids(first) & all_ids(second)
