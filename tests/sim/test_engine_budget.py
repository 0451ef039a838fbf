"""Usage, list cost by the price table, and budget pauses (§11)."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

from drover.sim.wire.errors import SimError
from drover.sim.wire.pricing import PRICES

# tests/sim is not a package: the shared helpers are loaded by path.
_s = runpy.run_path(str(Path(__file__).with_name("test_engine_support.py")))
sim = pytest.fixture(_s["sim"])
make_session, say, types, last = (_s[k] for k in ("make_session", "say", "types", "last"))
ASK_BASH = _s["ASK_BASH"]


def expected_cents(model: str, requests: list[dict], active_seconds: float) -> int:
    price_in, price_out = PRICES[model]
    usd = (
        sum(
            r.get("input", 0) * price_in
            + r.get("output", 0) * price_out
            + r.get("cache_read", 0) * price_in * 0.1
            + r.get("cache_write", 0) * price_in * 1.25
            for r in requests
        )
        / 1e6
        + active_seconds / 3600 * 0.08
    )
    return int(usd * 100 + 0.5)


@pytest.mark.parametrize(
    ("model", "klass"),
    [("claude-opus-4-8", "opus"), ("claude-haiku-4-5", "haiku"), ("mystery-model", "sonnet")],
)
async def test_usage_cost_follows_the_price_table(sim, model, klass):
    sid = make_session(sim, "pricey", model=model)
    say(sim, sid)
    session = await sim.settle(sid)
    script = [
        {"input": 200000, "output": 20000, "cache_read": 100000, "cache_write": 40000},
        {"input": 100000, "output": 10000},
        {"input": 100, "output": 10},
    ]
    usage = last(sim, sid, "session.usage")["usage"]
    assert (
        usage["input_tokens"] == 300100
        and usage["cache_creation"]["ephemeral_5m_input_tokens"] == 40000
    )
    assert usage["list_cost"]["amount"] == str(
        expected_cents(klass, script, usage["active_seconds"])
    )
    assert int(session["usage"]["list_cost"]["amount"]) >= int(usage["list_cost"]["amount"])


async def test_budget_pause_rejects_work_and_resumes_on_raise(sim):
    sid = make_session(sim, "pricey", model="claude-opus-4-8", budget_cents=200)
    say(sim, sid)
    await sim.settle(sid)
    seq = types(sim, sid)
    assert seq[-3:] == ["session.thread_status_idle", "session.usage", "session.status_idle"]
    primary = next(t for t in sim.list_threads(sid) if t["parent_thread_id"] is None)
    assert last(sim, sid, "session.thread_status_idle")["session_thread_id"] == primary["id"]
    assert last(sim, sid, "session.status_idle")["stop_reason"] == {"type": "budget_reached"}
    before = len(sim.list_events(sid))
    with pytest.raises(SimError) as exc:
        say(sim, sid)
    assert exc.value.status == 400 and "user.interrupt" in exc.value.message
    assert len(sim.list_events(sid)) == before
    cost = int(sim.get_session(sid)["usage"]["list_cost"]["amount"])
    for bad, code in ((cost, "budget_not_raised"),):
        with pytest.raises(SimError) as exc:
            sim.update_session(
                sid,
                {
                    "budget": {
                        "type": "limit",
                        "max_list_cost": {"amount": str(bad), "currency": "USD"},
                    }
                },
            )
        # The SDK names it a reason, not an error_code: it is in the message.
        assert exc.value.error_code is None and code in exc.value.message
    sim.update_session(
        sid,
        {
            "budget": {
                "type": "limit",
                "max_list_cost": {"amount": str(cost + 500), "currency": "USD"},
            }
        },
    )
    await sim.settle(sid)
    seq = types(sim, sid)
    at = seq.index("session.updated")
    assert seq[at + 1 : at + 3] == ["session.status_running", "session.thread_status_running"]
    assert last(sim, sid, "session.status_idle")["stop_reason"] == {"type": "end_turn"}
    assert last(sim, sid, "session.updated")["budget"]["max_list_cost"]["amount"] == str(cost + 500)


async def test_budget_create_only_and_removal(sim):
    sid = make_session(sim)
    with pytest.raises(SimError) as exc:
        sim.update_session(
            sid,
            {"budget": {"type": "limit", "max_list_cost": {"amount": "100", "currency": "USD"}}},
        )
    assert exc.value.error_code is None and "budget_create_only" in exc.value.message
    sid2 = make_session(sim, "pricey", model="claude-opus-4-8", budget_cents=200)
    say(sim, sid2)
    await sim.settle(sid2)
    sim.update_session(sid2, {"budget": None})
    session = await sim.settle(sid2)
    assert (
        session["budget"] is None
        and last(sim, sid2, "session.status_idle")["stop_reason"]["type"] == "end_turn"
    )


async def test_budget_pause_inside_a_child_thread(sim):
    sid = make_session(sim, "pricey-team", model="claude-opus-4-8", budget_cents=200)
    say(sim, sid)
    await sim.settle(sid)
    primary, child = sim.list_threads(sid)
    pauses = [e for e in sim.list_events(sid) if e["type"] == "session.thread_status_idle"][-2:]
    assert [p["session_thread_id"] for p in pauses] == [primary["id"], child["id"]]
    assert all(p["stop_reason"] == {"type": "budget_reached"} for p in pauses)
    assert types(sim, sid)[-2:] == ["session.usage", "session.status_idle"]
    assert types(sim, sid, child["id"])[-1] == "session.thread_status_idle"
    raised = {"type": "limit", "max_list_cost": {"amount": "100000", "currency": "USD"}}
    sim.update_session(sid, {"budget": raised})
    await sim.settle(sid)
    assert last(sim, sid, "session.status_idle")["stop_reason"] == {"type": "end_turn"}
    assert types(sim, sid, child["id"])[-2:] == [
        "agent.thread_message_sent",
        "session.thread_status_idle",
    ]
    assert last(sim, sid, "agent.message")["content"][0]["text"] == "All done."
