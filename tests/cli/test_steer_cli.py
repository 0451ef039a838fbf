"""`drover deployments`, `drover budget`, `drover outcome`, `drover rules` and `drover tail`'s
outcome lines, on the real sim."""

from __future__ import annotations

import json

from cli_support import create_session, events, status, wait_for
from sim_http import api
from steer_bodies import agent_body, env_body, say

TRIAGE_CRON = {"type": "cron", "expression": "0 6 * * *", "timezone": "UTC"}


def _deployment(sim) -> tuple[dict, dict]:
    agent = api(sim, "POST", "/v1/agents", json=agent_body("general", name="Ticket Triage"))
    env = api(sim, "POST", "/v1/environments", json=env_body())
    deployment = api(sim, "POST", "/v1/deployments", json={
        "name": "Nightly triage", "agent": agent["id"], "environment_id": env["id"],
        "initial_events": say("triage"), "schedule": TRIAGE_CRON})  # fmt: skip
    run = api(sim, "POST", f"/v1/deployments/{deployment['id']}/run")
    return deployment, run


def test_deployments_lists_schedule_runs_and_spend(on_sim, drover):
    deployment, run = _deployment(on_sim)
    wait_for(lambda: status(on_sim, run["session_id"]) == "idle", what="the run's session idle")
    listed = drover("deployments", "--json")
    assert listed.code == 0, listed.err
    [row] = json.loads(listed.out)
    assert (row["id"], row["name"], row["status"]) == (deployment["id"], "Nightly triage", "active")
    assert row["schedule"] == "0 6 * * * UTC" and row["next_run_at"]
    assert (row["runs"], row["failed_runs"], row["sessions"]) == (1, 0, 1)
    assert row["spend_cents"] > 0
    table = drover("deployments")
    assert "Nightly triage" in table.out and "0 6 * * * UTC" in table.out
    runs = drover("deployments", "--runs", "Nightly triage", "--json")
    [mirrored] = json.loads(runs.out)
    assert mirrored["session_id"] == run["session_id"] and mirrored["trigger"] == "manual"
    missing = drover("deployments", "--runs", "nope", "--offline")
    assert missing.code == 1 and "no deployment 'nope'" in missing.err


def test_budget_raises_and_resumes_a_session_stopped_at_its_budget(on_sim, drover):
    body = agent_body("budget-burner", name="Perf Investigator", model="claude-opus-4-7")
    agent = api(on_sim, "POST", "/v1/agents", json=body)
    env = api(on_sim, "POST", "/v1/environments", json=env_body())
    cap = {"type": "limit", "max_list_cost": {"amount": "150", "currency": "USD"}}
    sid = api(on_sim, "POST", "/v1/sessions", json={
        "agent": agent["id"], "environment_id": env["id"], "budget": cap,
        "initial_events": say("profile GET /search")})["id"]  # fmt: skip

    def stopped() -> bool:
        idles = events(on_sim, sid, "session.status_idle")
        return bool(idles) and idles[-1]["stop_reason"]["type"] == "budget_reached"

    wait_for(stopped, what="budget_reached")
    low = drover("budget", sid, "--usd", "0.10")
    assert low.code == 1 and "budget_not_raised" in low.err
    raised = drover("budget", sid, "--usd", "1000", "--json")
    assert raised.code == 0, raised.err
    report = json.loads(raised.out)
    assert report["budget_cents"] == 100_000 and report["previous_budget_cents"] == 150
    wait_for(lambda: len(events(on_sim, sid, "session.status_running")) >= 2, what="resumed")
    bad = drover("budget", sid, "--usd", "lots")
    assert bad.code == 2 and "--usd wants an amount" in bad.err


def test_outcome_is_delivered_once_and_tail_shows_its_evaluation(on_sim, drover):
    sid = create_session(on_sim, "doc-generator", kickoff="")
    wait_for(lambda: status(on_sim, sid) == "idle", what="idle")
    sent = drover("outcome", sid, "-d", "Reference docs for every module",
                  "--rubric", "Every module has a page", "--max-iterations", "2",
                  "--json")  # fmt: skip
    assert sent.code == 0, sent.err
    assert json.loads(sent.out)["state"] == "sent"
    [defined] = events(on_sim, sid, "user.define_outcome")
    assert defined["description"] == "Reference docs for every module"
    assert defined["max_iterations"] == 2
    wait_for(lambda: len(events(on_sim, sid, "span.outcome_evaluation_end")) == 2, what="graded")
    wait_for(lambda: status(on_sim, sid) == "idle", what="idle again")
    tail = drover("tail", sid, "--no-follow")
    assert tail.code == 0, tail.err
    assert "◎ outcome: Reference docs for every module · up to 2 iterations" in tail.out
    assert "◎ evaluating outcome · iteration 1 …" in tail.out
    assert "↻ needs revision · iteration 1: The how-to page has no runnable example" in tail.out
    assert "✓ outcome met · iteration 2: Every public module has a reference page" in tail.out
    assert "still evaluating" not in tail.out  # the heartbeat is not a line of its own
    found = drover("search", "outcome:met", "--json")
    assert found.code == 0, found.err
    assert {hit["session_id"] for hit in json.loads(found.out)} == {sid}


def test_rules_lists_the_profiles_rules_and_pauses_them(on_sim, cli_env, drover):
    cli_env["config"].parent.mkdir(parents=True, exist_ok=True)
    cli_env["config"].write_text(
        '[profiles.default.rules.pytest]\ntool = "bash"\ninput = "pytest( -q)?"\n'
        '[profiles.other.rules.never]\ntool = "bash"\ninput = ".*"\naction = "deny"\n'
    )
    listed = drover("rules", "--json")
    assert listed.code == 0, listed.err
    report = json.loads(listed.out)
    assert list(report["rules"]) == ["pytest"]  # another profile's rules are not this one's
    assert report["rules"]["pytest"]["in_force"] and report["paused_at"] is None
    paused = drover("rules", "--pause")
    assert paused.code == 0 and "paused since" in paused.out
    resumed = drover("rules", "--resume")
    assert "1 in force" in resumed.out
