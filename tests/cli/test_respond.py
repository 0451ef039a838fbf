"""`drover respond` sends a custom tool call's result (typed, a file or stdin; `--error`);
`approve`/`deny` on a custom tool call, and `respond` on one awaiting approval, say which
command answers it instead of "nothing is waiting"."""

from __future__ import annotations

import time
from typing import Any

from cli_support import create_session, events, wait_for
from sim_http import api


def triage_session(sim: Any) -> str:
    """A triage-bot session (custom tool `lookup_ticket`), started."""
    agent = api(sim, "POST", "/v1/agents", json={
        "name": "Ticket Triage", "model": "claude-haiku-4-5",
        "metadata": {"scenario": "triage-bot"},
        "tools": [{"type": "agent_toolset_20260401"},
                  {"type": "custom", "name": "lookup_ticket", "description": "Fetch a ticket",
                   "input_schema": {"type": "object"}}]})  # fmt: skip
    env = api(sim, "POST", "/v1/environments", json={"name": f"env-{time.monotonic_ns()}"})
    return api(sim, "POST", "/v1/sessions", json={
        "agent": agent["id"], "environment_id": env["id"],
        "initial_events": [{"type": "user.message",
                            "content": [{"type": "text", "text": "triage it"}]}],
    })["id"]  # fmt: skip


def _waiting(sim: Any, sid: str) -> str:
    """The id of the custom tool call `sid` waits on."""

    def asked() -> Any:
        session = api(sim, "GET", f"/v1/sessions/{sid}")
        uses = events(sim, sid, "agent.custom_tool_use")
        return uses[-1]["id"] if session["status"] == "idle" and uses else None

    return wait_for(asked, what=f"{sid} waiting on its custom tool")


def _turn_ended(sim: Any, sid: str) -> bool:
    idles = events(sim, sid, "session.status_idle")
    return bool(idles) and idles[-1]["stop_reason"]["type"] == "end_turn"


def test_approve_on_a_custom_tool_call_names_respond(on_sim, drover):
    sid = triage_session(on_sim)
    eid = _waiting(on_sim, sid)
    for verb in ("approve", "deny"):
        refused = drover(verb, sid)
        assert refused.code == 1
        assert f"{eid} is a custom tool call (lookup_ticket): it needs a result" in refused.err
        assert f"drover respond {sid} {eid} --result" in refused.err
    named = drover("approve", sid, eid)
    assert named.code == 1 and "needs a result, not an approval" in named.err
    assert events(on_sim, sid, "user.tool_confirmation") == []


def test_respond_sends_the_result_and_the_agent_goes_on(on_sim, drover):
    sid = triage_session(on_sim)
    eid = _waiting(on_sim, sid)
    sent = drover("respond", sid, "--result", "SUP-4821: exports over 1M rows time out")
    assert sent.code == 0, sent.err
    assert "sent custom_tool_result" in sent.out
    [result] = events(on_sim, sid, "user.custom_tool_result")
    assert result["custom_tool_use_id"] == eid and result["is_error"] is False
    assert result["content"] == [
        {"type": "text", "text": "SUP-4821: exports over 1M rows time out"}
    ]
    wait_for(lambda: _turn_ended(on_sim, sid), what="the turn to finish")


def test_respond_with_a_file_as_an_error_naming_the_event(on_sim, drover, tmp_path):
    sid = triage_session(on_sim)
    eid = _waiting(on_sim, sid)
    output = tmp_path / "lookup.txt"
    output.write_text("ticket service: 503\n", encoding="utf-8")
    missing = drover("respond", sid, eid, "--result-file", str(tmp_path / "nope.txt"))
    assert missing.code == 2 and "no such file" in missing.err
    sent = drover("respond", sid, eid, "--result-file", str(output), "--error", "--json")
    assert sent.code == 0, sent.err
    [result] = events(on_sim, sid, "user.custom_tool_result")
    assert result["is_error"] is True
    assert result["content"] == [{"type": "text", "text": "ticket service: 503\n"}]


def test_respond_reads_stdin_and_needs_exactly_one_source(on_sim, drover):
    sid = triage_session(on_sim)
    _waiting(on_sim, sid)
    both = drover("respond", sid, "--result", "x", "--result-file", "-")
    assert both.code == 2
    neither = drover("respond", sid)
    assert neither.code == 2
    sent = drover("respond", sid, "--result-file", "-", stdin="from a pipe\n")
    assert sent.code == 0, sent.err
    [result] = events(on_sim, sid, "user.custom_tool_result")
    assert result["content"] == [{"type": "text", "text": "from a pipe\n"}]


def test_respond_on_a_call_awaiting_approval_names_approve(on_sim, drover):
    sid = create_session(on_sim, "risky-ops", ask="bash")

    def asking() -> Any:
        uses = events(on_sim, sid, "agent.tool_use")
        idle = api(on_sim, "GET", f"/v1/sessions/{sid}")["status"] == "idle"
        return [u for u in uses if u.get("evaluated_permission") == "ask"] if idle else None

    [use] = wait_for(asking, what="an approval request")[-1:]
    refused = drover("respond", sid, "--result", "done")
    assert refused.code == 1
    assert f"{use['id']} (bash) waits for approval, not a result" in refused.err
    assert f"drover approve {sid} {use['id']}" in refused.err
