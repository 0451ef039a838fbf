"""send / interrupt / approve / deny go through the outbox and land exactly once."""

from __future__ import annotations

import json

from cli_support import create_session, events, status, wait_for

from drover.config import mirror_path
from drover.store.reader import MirrorReader


def _idle(sim, sid: str) -> None:
    wait_for(lambda: status(sim, sid) == "idle", what=f"{sid} idle")


def _user_messages(sim, sid: str, text: str) -> list[dict]:
    return [e for e in events(sim, sid, "user.message") if e["content"][0]["text"] == text]


def test_send_delivers_exactly_one_message(on_sim, cli_env, drover):
    sid = create_session(on_sim, "general")
    _idle(on_sim, sid)
    result = drover("send", sid, "please add tests")
    assert result.code == 0, result.err
    sent = _user_messages(on_sim, sid, "please add tests")
    assert len(sent) == 1
    assert f"sent message to {sid}: {sent[0]['id']}" in result.out
    reader = MirrorReader(mirror_path("default", cli_env["data"]))
    try:
        [row] = reader.outbox(sid)
        assert row.state == "sent" and row.server_event_ids == [sent[0]["id"]]
    finally:
        reader.close()


def test_send_reads_stdin_and_reports_json(on_sim, drover):
    sid = create_session(on_sim, "general")
    _idle(on_sim, sid)
    result = drover("send", sid, "-", "--json", stdin="from a pipe\n")
    assert result.code == 0, result.err
    outcome = json.loads(result.out)
    assert outcome["state"] == "sent" and outcome["error"] is None
    [event] = _user_messages(on_sim, sid, "from a pipe\n")
    assert outcome["server_event_ids"] == [event["id"]]


def test_deny_with_message_then_approve_the_next_one(on_sim, drover):
    sid = create_session(on_sim, "risky-ops", ask="bash")
    _idle(on_sim, sid)
    denied = drover("deny", sid, "--message", "use the staging DB")
    assert denied.code == 0, denied.err
    wait_for(
        lambda: len(events(on_sim, sid, "agent.tool_use")) >= 2 and status(on_sim, sid) == "idle",
        what="the next approval request",
    )
    approved = drover("approve", sid)
    assert approved.code == 0, approved.err
    answers = events(on_sim, sid, "user.tool_confirmation")
    assert [(a["result"], a.get("deny_message")) for a in answers] == [
        ("deny", "use the staging DB"),
        ("allow", None),
    ]
    assert answers[0]["id"] in denied.out and answers[1]["id"] in approved.out
    asks = [
        e["id"]
        for e in events(on_sim, sid, "agent.tool_use")
        if e.get("evaluated_permission") == "ask"
    ]
    assert [a["tool_use_id"] for a in answers] == asks


def test_approve_needs_an_event_id_when_several_are_pending(on_sim, drover):
    sid = create_session(on_sim, "risky-ops", ask="all")
    _idle(on_sim, sid)
    ambiguous = drover("approve", sid)
    assert ambiguous.code == 2
    pending = [e["id"] for e in events(on_sim, sid, "agent.tool_use")]
    assert len(pending) == 2 and all(p in ambiguous.err for p in pending)
    assert events(on_sim, sid, "user.tool_confirmation") == []

    named = drover("approve", sid, pending[1])
    assert named.code == 0, named.err
    [answer] = events(on_sim, sid, "user.tool_confirmation")
    assert answer["tool_use_id"] == pending[1] and answer["result"] == "allow"

    unknown = drover("deny", sid, "sevt_not_pending")
    assert unknown.code == 1 and pending[0] in unknown.err


def test_approve_with_nothing_pending_fails_clearly(on_sim, drover):
    sid = create_session(on_sim, "general")
    _idle(on_sim, sid)
    result = drover("approve", sid)
    assert result.code == 1
    assert f"nothing is waiting for approval in {sid}" in result.err


def test_interrupt(on_sim, drover):
    sid = create_session(on_sim, "general")
    _idle(on_sim, sid)
    result = drover("interrupt", sid)
    assert result.code == 0, result.err
    [event] = events(on_sim, sid, "user.interrupt")
    assert event["id"] in result.out


def test_a_rejected_action_is_reported_as_failed(on_sim, drover):
    sid = create_session(on_sim, "general")
    _idle(on_sim, sid)
    from sim_http import api_past_idle

    api_past_idle(on_sim, "POST", f"/v1/sessions/{sid}/archive")
    result = drover("send", sid, "too late")
    assert result.code == 1
    assert "failed" in result.err and "Traceback" not in result.err
    assert _user_messages(on_sim, sid, "too late") == []


def test_an_undelivered_action_stays_queued_and_goes_out_once_with_the_next_sync(
    on_sim, cli_env, drover
):
    sid = create_session(on_sim, "general")
    _idle(on_sim, sid)
    hurried = drover("send", sid, "exactly once please", "--wait", "0")
    assert hurried.code == 1
    assert "not delivered yet" in hurried.err and "drover sync" in hurried.err
    synced = drover("sync", "--until-idle", "--timeout", "30")
    assert synced.code == 0, synced.err
    assert len(_user_messages(on_sim, sid, "exactly once please")) == 1
    reader = MirrorReader(mirror_path("default", cli_env["data"]))
    try:
        assert [row.state for row in reader.outbox(sid)] == ["sent"]
    finally:
        reader.close()
