"""Launch and steer against the real sim: rules answer matching calls through the outbox (and
leave the rest, lapse on time, stop when paused, leave an audit line); a budget raise resumes a
session stopped at `budget_reached`; an outcome is defined through the outbox and its
evaluation mirrored; a deployment's runs and their sessions are mirrored with their spend; a
failed vault credential makes its sessions need you."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from steer_bodies import agent_body, env_body, say
from sync_support import make_client, wait_for

from drover.config.rules import Rule
from drover.sync.engine import SyncEngine

PYTEST = r"cd /workspace/repo && python -m pytest tests/\S+ -q"


@asynccontextmanager
async def _running(sim: Any, mirror: Any, **kw: Any) -> AsyncIterator[SyncEngine]:
    """A started engine on the sim (stopped, and its client closed, on the way out)."""
    kw.setdefault("poll_min", 0.1)
    kw.setdefault("poll_max", 0.4)
    kw.setdefault("stall_timeout", 2.0)
    client = make_client(sim.base_url, sim.api_key)
    engine = SyncEngine(client, mirror.writer, mirror.reader, **kw)
    engine.rules._tick = 0.05  # look often: the tests wait on it
    try:
        await engine.start()
        yield engine
    finally:
        await engine.stop()
        await client.aclose()


@pytest.fixture
async def setup(sim: Any) -> AsyncIterator[Any]:
    """A client of the test's own for arranging and checking things on the sim."""
    client = make_client(sim.base_url, sim.api_key)
    yield client
    await client.aclose()


async def _agent(client: Any, scenario: str, *, ask_bash: bool = False, **extra: Any) -> str:
    body = agent_body(scenario, ask_bash=ask_bash, **extra)
    return str((await client.request("POST", "/v1/agents", json=body))["id"])


async def _env(client: Any) -> str:
    return str((await client.request("POST", "/v1/environments", json=env_body()))["id"])


async def _session(client: Any, agent: str, env: str, text: str = "go", **fields: Any) -> str:
    session = await client.create_session(agent, env, initial_events=say(text), **fields)
    return str(session["id"])


def _needs(mirror: Any, sid: str, reason: str) -> Any:
    """A predicate: the mirror says `sid` needs you for `reason`."""
    return lambda: (row := mirror.reader.session(sid)) is not None and row.needs_you == reason


async def _confirmations(client: Any, sid: str) -> list[dict[str, Any]]:
    page = await client.list_events(sid, types=["user.tool_confirmation"], limit=100)
    return [e for e in page.data if e.get("processed_at")]


async def test_a_rule_allows_a_matching_call_and_leaves_a_different_one_alone(sim, mirror, setup):
    env = await _env(setup)
    writer_agent = await _agent(setup, "test-writer", ask_bash=True)
    risky_agent = await _agent(setup, "risky-ops", ask_bash=True)
    matching = await _session(setup, writer_agent, env, "Write tests for pricing.discounts")
    other = await _session(setup, risky_agent, env, "encrypt the orders database")
    rules = {"pytest": Rule(tool="bash", input=PYTEST, agent="test-writer agent")}
    async with _running(sim, mirror, rules=rules):

        async def allowed() -> bool:
            return bool(await _confirmations(setup, matching))

        await wait_for(allowed, timeout=30, message="the rule's answer on the server")
        (answer,) = (await _confirmations(setup, matching))[:1]
        assert answer["result"] == "allow"
        (audit,) = [a for a in mirror.reader.rule_audit() if a.session_id == matching][-1:]
        assert audit.rule == "pytest" and audit.decision == "allow"
        assert audit.tool_use_id == answer["tool_use_id"] and "pytest" in (audit.call or "")
        await wait_for(lambda: mirror.reader.rule_audit()[-1].delivery == "sent",
                       message="the outbox delivered it")  # fmt: skip
        shown = mirror.reader.events_by_type(matching, "drover.rule_answer")
        assert shown and shown[-1].event["rule"] == "pytest"
        # The risky session's bash call matches no rule: it still waits for a person.
        await wait_for(_needs(mirror, other, "requires_action"), message="risky call waiting")
        assert not await _confirmations(setup, other)
        assert all(a.session_id == matching for a in mirror.reader.rule_audit())


async def test_a_lapsed_or_paused_rule_answers_nothing_until_it_applies_again(sim, mirror, setup):
    env = await _env(setup)
    agent = await _agent(setup, "test-writer", ask_bash=True)
    sid = await _session(setup, agent, env, "Write tests for tax.rounding")
    start = datetime(2026, 5, 12, 12, 0, tzinfo=UTC)
    now = [start + timedelta(minutes=31)]  # the rule was made "for 30 min" at 12:00
    rule = Rule(tool="bash", input=PYTEST, until=start + timedelta(minutes=30))
    async with _running(sim, mirror, rules={"pytest-30m": rule}, clock=lambda: now[0]) as engine:
        await wait_for(_needs(mirror, sid, "requires_action"), message="the call waiting")
        assert await engine.rules.run_once() == []  # lapsed at 12:30
        now[0] = start + timedelta(minutes=10)
        await engine.pause_rules(True)
        assert await engine.rules.run_once() == []  # in force, but paused
        assert mirror.reader.rule_audit() == [] and not await _confirmations(setup, sid)
        await engine.pause_rules(False)

        async def answered() -> bool:
            return bool(await _confirmations(setup, sid))

        await wait_for(answered, timeout=30, message="the answer once resumed")
        assert [a.rule for a in mirror.reader.rule_audit()] == ["pytest-30m"]


async def test_readonly_applies_no_rule(sim, mirror, setup):
    env = await _env(setup)
    agent = await _agent(setup, "test-writer", ask_bash=True)
    sid = await _session(setup, agent, env, "Write tests for quotes.line_items")
    rules = {"pytest": Rule(tool="bash", input=PYTEST)}
    async with _running(sim, mirror, rules=rules, apply_rules=False) as engine:
        await wait_for(_needs(mirror, sid, "requires_action"), message="the call waiting")
        polls = engine.poller.polls
        await wait_for(lambda: engine.poller.polls >= polls + 3, message="three more polls")
        assert engine.rules._task is None
        assert mirror.reader.rule_audit() == [] and not await _confirmations(setup, sid)


async def test_raising_the_budget_resumes_a_session_stopped_at_budget_reached(sim, mirror, setup):
    env = await _env(setup)
    agent = await _agent(setup, "budget-burner")
    cap = {"type": "limit", "max_list_cost": {"amount": "150", "currency": "USD"}}
    sid = await _session(setup, agent, env, "profile GET /search", budget=cap)
    async with _running(sim, mirror) as engine:
        await wait_for(_needs(mirror, sid, "budget_reached"), timeout=30, message="budget_reached")
        row = mirror.reader.session(sid)
        session = await engine.set_budget(sid, (row.list_cost_cents or 0) + 100_000)
        assert session["budget"]["max_list_cost"]["amount"] == str(row.list_cost_cents + 100_000)

        async def resumed() -> bool:
            page = await setup.list_events(sid, types=["session.status_running"], limit=100)
            return len(page.data) >= 2  # the first turn's, and the one after the raise

        await wait_for(resumed, timeout=30, message="running again after the raise")

        def moved_on() -> bool:
            return mirror.reader.session(sid).needs_you != "budget_reached"

        await wait_for(moved_on, timeout=30, message="the mirror no longer waiting on the budget")


async def test_an_outcome_is_defined_through_the_outbox_and_its_evaluation_mirrored(
    sim, mirror, setup
):
    env = await _env(setup)
    agent = await _agent(setup, "doc-generator")
    sid = (await setup.create_session(agent, env))["id"]
    async with _running(sim, mirror) as engine:
        await engine.submit_action(
            sid, "define_outcome", description="Reference docs for every public module",
            rubric="Every module has a page; the how-to runs", max_iterations=3,
        )  # fmt: skip

        def met() -> bool:
            return mirror.reader.outcomes([sid]).get(sid, {}).get("verdict") == "met"

        await wait_for(met, timeout=60, message="the outcome met")
        found = mirror.reader.outcomes([sid])[sid]
        assert found["iteration"] == 1 and found["max_iterations"] == 3
        assert "strict build passes" in found["explanation"]
        ends = mirror.reader.events_by_type(sid, "span.outcome_evaluation_end")
        assert [e.event["result"] for e in reversed(ends)] == ["needs_revision", "satisfied"]
        (row,) = [r for r in mirror.reader.outbox(sid) if r.kind == "define_outcome"]
        assert row.state == "sent"
        hits = mirror.reader.search("outcome:met type:span.outcome_evaluation_end")
        assert {h.session_id for h in hits} == {sid}
        assert not mirror.reader.search("outcome:not_met")


async def test_a_deployments_runs_sessions_and_spend_are_mirrored(sim, mirror, setup):
    env = await _env(setup)
    agent = await _agent(setup, "triage-bot")
    deployment = await setup.request("POST", "/v1/deployments", json={
        "name": "Nightly triage", "agent": agent, "environment_id": env,
        "initial_events": say("Triage the overnight tickets."),
        "schedule": {"type": "cron", "expression": "0 6 * * *", "timezone": "UTC"}})  # fmt: skip
    run = await setup.request("POST", f"/v1/deployments/{deployment['id']}/run")
    async with _running(sim, mirror):
        await wait_for(lambda: mirror.reader.deployments(), message="the deployment mirrored")

        def spent() -> bool:
            found = mirror.reader.deployment(deployment["id"])
            return found is not None and found.spend_cents > 0

        await wait_for(spent, timeout=30, message="its session's spend")
        row = mirror.reader.deployment(deployment["id"])
        assert (row.name, row.runs, row.failed_runs, row.sessions) == ("Nightly triage", 1, 0, 1)
        assert row.schedule == "0 6 * * * UTC" and row.next_run_at
        (mirrored,) = mirror.reader.deployment_runs(deployment["id"])
        assert mirrored.session_id == run["session_id"] and mirrored.trigger == "manual"
        assert mirror.reader.deployment_session_ids(deployment["id"]) == [run["session_id"]]
        by = {r.key: r for r in mirror.reader.cost_rows("deployment")}
        assert by[deployment["id"]].list_cost_cents == row.spend_cents
        assert by[deployment["id"]].label == "Nightly triage"


async def test_a_failed_vault_credential_makes_its_sessions_need_you(sim, mirror, setup):
    env = await _env(setup)
    sentry = "https://mcp.sentry.dev/mcp?revoked=1"
    vault = await setup.request("POST", "/v1/vaults", json={"display_name": "Team"})
    await setup.request("POST", f"/v1/vaults/{vault['id']}/credentials", json={
        "display_name": "Sentry", "auth": {"type": "mcp_oauth", "mcp_server_url": sentry,
                                           "access_token": "sim-sentry-token"}})  # fmt: skip
    agent = await _agent(
        setup, "general", mcp_servers=[{"type": "url", "name": "sentry", "url": sentry}],
        tools=[{"type": "mcp_toolset", "mcp_server_name": "sentry"}],
    )  # fmt: skip
    uses = (await setup.create_session(agent, env, vault_ids=[vault["id"]]))["id"]
    other = (await setup.create_session(agent, env))["id"]
    async with _running(sim, mirror):
        await wait_for(
            _needs(mirror, uses, "credential"),
            timeout=30,
            message="the session needing the credential fixed",
        )
        issue = mirror.reader.session(uses).credential
        assert issue["name"] == "Sentry" and issue["vault_name"] == "Team"
        assert "re-authorize" in issue["fix"]
        assert mirror.reader.session(other).needs_you is None  # no vault: not its problem
        (vault_row,) = mirror.reader.vaults()
        (cred,) = vault_row.credentials
        assert (cred.status, cred.problem, cred.sessions) == ("invalid", "reauthorize", 1)
