"""Derived session state (§15): status, stop reason, pending actions, errors, cost, needs-you."""

from __future__ import annotations

import dataclasses

from drover.store.extract import money_cents


def _first(kit, name, predicate):
    """Index and event of the first delivery of a scenario matching `predicate`."""
    return next((i, e) for i, (_, e) in enumerate(kit.scenarios[name]) if predicate(e))


def _is_idle(reason):
    return lambda e: e["type"] == "session.status_idle" and e["stop_reason"]["type"] == reason


def _ts(n: int) -> str:
    return f"2026-06-01T00:00:{n:02d}Z"


def _ev(n: int, etype: str, **fields):
    return {"type": etype, "id": f"sevt_syn{n}", "processed_at": _ts(n), **fields}


def test_requires_action_pending_then_answered(kit):
    name = "requires_action_confirmation"
    i, idle = _first(kit, name, _is_idle("requires_action"))
    sid = kit.scenario(name, upto=i + 1)
    row = kit.mirror.reader.session(sid)
    tool_use = kit.mirror.reader.event_by_id(idle["stop_reason"]["event_ids"][0]).event
    assert row.status == "idle"
    assert row.needs_you == "requires_action"
    assert row.stop_event_ids == idle["stop_reason"]["event_ids"]
    assert [(p["event_id"], p["name"], p["input"]) for p in row.pending_actions] == [
        (tool_use["id"], tool_use["name"], tool_use["input"])
    ]
    assert kit.mirror.reader.header_counts().needs_you == 1

    j, answer = _first(kit, name, lambda e: e["type"] == "user.tool_confirmation")
    kit.deliver(sid, kit.scenarios[name][i + 1 : j + 1])
    row = kit.mirror.reader.session(sid)
    assert answer["tool_use_id"] == tool_use["id"]
    assert row.pending_actions == [] and row.needs_you is None

    kit.deliver(sid, kit.scenarios[name][j + 1 :])
    row = kit.mirror.reader.session(sid)
    assert (row.status, row.stop_reason, row.needs_you) == ("idle", "end_turn", None)


def test_error_retrying_then_exhausted(kit):
    name = "error_reschedule"
    deliveries = kit.scenarios[name]
    i, err = _first(kit, name, lambda e: e["type"] == "session.error")
    sid = kit.scenario(name, upto=i + 1)
    row = kit.mirror.reader.session(sid)
    assert row.error_badge == err["error"]["retry_status"]["type"] == "retrying"
    assert row.last_error["error"] == err["error"] and row.needs_you is None

    j, _ = _first(kit, name, lambda e: e["type"] == "session.status_rescheduled")
    kit.deliver(sid, deliveries[i + 1 : j + 1])
    assert kit.mirror.reader.session(sid).status == "rescheduling"

    k, _ = _first(kit, name, _is_idle("end_turn"))
    kit.deliver(sid, deliveries[j + 1 : k + 1])
    row = kit.mirror.reader.session(sid)
    assert (row.status, row.error_badge, row.needs_you) == ("idle", None, None)

    m, exhausted = _first(
        kit,
        name,
        lambda e: (
            e["type"] == "session.error" and e["error"]["retry_status"]["type"] == "exhausted"
        ),
    )
    kit.deliver(sid, deliveries[k + 1 : m + 1])
    row = kit.mirror.reader.session(sid)
    assert row.needs_you == "error_exhausted"
    assert row.last_error["event_id"] == exhausted["id"]

    kit.deliver(sid, deliveries[m + 1 :])
    row = kit.mirror.reader.session(sid)
    assert (row.status, row.stop_reason, row.needs_you) == (
        "idle",
        "retries_exhausted",
        "retries_exhausted",
    )
    assert kit.mirror.reader.header_counts().errored == 1

    # The next turn clears both the needs-you reason and the badge.
    kit.deliver(
        sid, [(None, _ev(1, "user.message", content=[])), (None, _ev(2, "session.status_running"))]
    )
    row = kit.mirror.reader.session(sid)
    assert (row.status, row.needs_you, row.error_badge) == ("running", None, None)


def test_budget_reached(kit):
    name = "interrupt_and_budget"
    sid = kit.scenario(name)
    usage = [e for e in kit.persisted(name) if e["type"] == "session.usage"][-1]
    row = kit.mirror.reader.session(sid)
    assert (row.status, row.stop_reason, row.needs_you) == (
        "idle",
        "budget_reached",
        "budget_reached",
    )
    assert row.list_cost_cents == money_cents(usage["usage"]["list_cost"])
    expected_budget = usage["budget"]["max_list_cost"] if usage.get("budget") else None
    assert row.budget_cents == money_cents(expected_budget)
    # The interrupt is stored; the turn it interrupted ended normally (end_turn is no alarm).
    assert kit.mirror.reader.events_by_type(sid, "user.interrupt")


def test_usage_takes_the_newest_report(kit):
    name = "basic_tool_call"
    sid = kit.scenario(name)
    usage = [e for e in kit.persisted(name) if e["type"] == "session.usage"][-1]["usage"]
    row = kit.mirror.reader.session(sid)
    assert row.input_tokens == usage["input_tokens"]
    assert row.output_tokens == usage["output_tokens"]
    assert row.cache_read_tokens == usage["cache_read_input_tokens"]
    assert row.list_cost_cents == money_cents(usage["list_cost"])
    assert row.active_seconds == usage["active_seconds"]


def test_multiagent_cross_posted_request_is_pending_with_its_thread(kit):
    name = "multiagent_delegation"
    i, idle = _first(kit, name, _is_idle("requires_action"))
    sid = kit.scenario(name, upto=i + 1)
    cross_post = next(
        e for t, e in kit.scenarios[name] if t is None and e["type"] == "agent.tool_use"
    )
    row = kit.mirror.reader.session(sid)
    assert row.needs_you == "requires_action"
    assert [(p["event_id"], p["session_thread_id"], p["name"]) for p in row.pending_actions] == [
        (idle["stop_reason"]["event_ids"][0], cross_post["session_thread_id"], cross_post["name"])
    ]
    kit.deliver(sid, kit.scenarios[name][i + 1 :])
    row = kit.mirror.reader.session(sid)
    assert (row.pending_actions, row.needs_you, row.stop_reason) == ([], None, "end_turn")
    threads = kit.mirror.reader.threads(sid)
    created = next(e for e in kit.persisted(name) if e["type"] == "session.thread_created")
    assert [(t.id, t.agent_name, t.status) for t in threads] == [
        (created["session_thread_id"], created["agent_name"], "idle")
    ]


def test_recompute_from_scratch_matches_incremental(kit, scenarios):
    incremental = {name: kit.mirror.reader.session(kit.scenario(name)) for name in scenarios}
    days = kit.mirror.reader.cost_rows("day")
    for name in scenarios:
        kit.mirror.writer.submit("recompute_session", f"sesn_{name}").result()
        rebuilt = kit.mirror.reader.session(f"sesn_{name}")
        strip = {"needs_since": None}
        assert dataclasses.replace(rebuilt, **strip) == dataclasses.replace(
            incremental[name], **strip
        )
    # The per-day cost and request rows are rebuilt too, to the same figures.
    assert days and days[0].requests > 0 and kit.mirror.reader.cost_rows("day") == days


def test_custom_tool_and_partial_answers(kit):
    use_a = _ev(1, "agent.custom_tool_use", name="lookup_ticket", input={"id": "ENG-1"})
    use_b = _ev(
        2, "agent.tool_use", name="bash", input={"command": "ls"}, evaluated_permission="ask"
    )
    idle = _ev(
        3,
        "session.status_idle",
        stop_reason={"type": "requires_action", "event_ids": [use_a["id"], use_b["id"]]},
    )
    kit.deliver("sesn_c", [(None, use_a), (None, use_b), (None, idle)])
    row = kit.mirror.reader.session("sesn_c")
    assert [p["event_id"] for p in row.pending_actions] == [use_a["id"], use_b["id"]]

    answer = _ev(4, "user.custom_tool_result", custom_tool_use_id=use_a["id"], content=[])
    kit.deliver("sesn_c", [(None, answer)])
    assert [p["event_id"] for p in kit.mirror.reader.session("sesn_c").pending_actions] == [
        use_b["id"]
    ]

    deny = _ev(5, "user.tool_confirmation", tool_use_id=use_b["id"], result="deny")
    kit.deliver("sesn_c", [(None, deny)])
    row = kit.mirror.reader.session("sesn_c")
    assert (row.pending_actions, row.needs_you) == ([], None)


def test_answer_before_idle_is_honoured(kit):
    use = _ev(1, "agent.custom_tool_use", name="lookup", input={})
    answer = _ev(2, "user.custom_tool_result", custom_tool_use_id=use["id"])
    idle = _ev(
        3, "session.status_idle", stop_reason={"type": "requires_action", "event_ids": [use["id"]]}
    )
    kit.deliver("sesn_early", [(None, use), (None, answer), (None, idle)])
    assert kit.mirror.reader.session("sesn_early").needs_you is None


def test_refusal_terminated_and_terminal_error(kit):
    kit.deliver(
        "sesn_r",
        [
            (
                None,
                _ev(
                    1,
                    "session.status_idle",
                    stop_reason={"type": "refusal"},
                    stop_details={"type": "refusal", "category": "cyber"},
                ),
            )
        ],
    )
    row = kit.mirror.reader.session("sesn_r")
    assert (row.needs_you, row.stop_details["category"]) == ("refusal", "cyber")

    kit.deliver("sesn_t", [(None, _ev(2, "session.status_terminated"))])
    assert kit.mirror.reader.session("sesn_t").needs_you == "terminated"

    fatal = _ev(
        3,
        "session.error",
        error={
            "type": "billing_error",
            "message": "no credits",
            "retry_status": {"type": "terminal"},
        },
    )
    kit.deliver("sesn_f", [(None, _ev(1, "session.status_running")), (None, fatal)])
    assert kit.mirror.reader.session("sesn_f").needs_you == "error_terminal"
    kit.deliver("sesn_f", [(None, _ev(4, "session.status_terminated"))])
    row = kit.mirror.reader.session("sesn_f")
    assert (row.status, row.needs_you) == ("terminated", "error_terminal")

    kit.deliver(
        "sesn_d",
        [
            (None, _ev(5, "session.status_idle", stop_reason={"type": "refusal"})),
            (None, _ev(6, "session.deleted")),
        ],
    )
    row = kit.mirror.reader.session("sesn_d")
    assert row.deleted and row.needs_you is None


def test_stale_backfill_does_not_roll_status_back(kit):
    idle = _ev(5, "session.status_idle", stop_reason={"type": "end_turn"})
    running = _ev(1, "session.status_running")
    kit.deliver("sesn_s", [(None, idle), (None, running)])
    assert kit.mirror.reader.session("sesn_s").status == "idle"


def _session_obj(sid: str, *, status: str, updated: str, cost: str, archived: str | None = None):
    return {
        "type": "session",
        "id": sid,
        "title": "T",
        "status": status,
        "agent": {
            "type": "agent",
            "id": "agent_1",
            "name": "Repo Assistant",
            "model": {"id": "claude-x"},
        },
        "environment_id": "env_1",
        "usage": {"input_tokens": 10, "list_cost": {"amount": cost, "currency": "USD"}},
        "budget": {"type": "limit", "max_list_cost": {"amount": "500", "currency": "USD"}},
        "created_at": "2026-06-01T00:00:00Z",
        "updated_at": updated,
        "archived_at": archived,
        "unknown_future_field": [1, 2],
    }


def test_session_object_reconciles_newest_wins(kit):
    w, r = kit.mirror.writer, kit.mirror.reader
    kit.deliver(
        "sesn_o", [(None, _ev(10, "session.status_idle", stop_reason={"type": "end_turn"}))]
    )
    stale = _session_obj("sesn_o", status="running", updated=_ts(5), cost="7")
    w.submit("upsert_sessions", [stale]).result()
    row = r.session("sesn_o")
    assert (row.status, row.agent_name, row.model_id, row.budget_cents) == (
        "idle",
        "Repo Assistant",
        "claude-x",
        500,
    )
    assert row.list_cost_cents == 7 and row.raw == stale

    fresh = _session_obj("sesn_o", status="running", updated=_ts(20), cost="9")
    w.submit("upsert_sessions", [fresh]).result()
    assert (r.session("sesn_o").status, r.session("sesn_o").list_cost_cents) == ("running", 9)

    archived = _session_obj(
        "sesn_o", status="terminated", updated=_ts(30), cost="9", archived=_ts(30)
    )
    w.submit("upsert_sessions", [archived]).result()
    row = r.session("sesn_o")
    assert (row.status, row.needs_you) == ("terminated", None)
    assert r.sessions() == [] and [s.id for s in r.sessions(include_archived=True)] == ["sesn_o"]
