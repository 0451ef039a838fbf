"""The newer families' rules on SimDomain directly (no HTTP): cron schedules firing on the
domain's clock, memory listing and redaction, credential expiry, work-lease reclaim, and
multiagent_20261001 defaults and merging."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sdk_check import assert_wire_shape

from drover.sim.domain.facade import SimDomain
from drover.sim.wire.cron import Cron, CronError
from drover.sim.wire.errors import SimError
from drover.sim.wire.ids import ManualClock, rfc3339

START = datetime(2026, 11, 20, 8, 58, tzinfo=UTC)  # a Friday


@pytest.fixture
def clocked():
    clock = ManualClock(START)
    return SimDomain(seed=1, pace="instant", clock=clock), clock


def test_cron_fields_and_day_matching() -> None:
    weekdays = Cron("0 9 * * 1-5", "UTC")
    runs = weekdays.next_after(START, 3)
    assert [r.strftime("%a %H:%M") for r in runs] == ["Fri 09:00", "Mon 09:00", "Tue 09:00"]
    london = Cron("30 6 1 * *", "Europe/London")  # 06:30 local on the 1st (GMT in December)
    assert london.next_after(START)[0] == datetime(2026, 12, 1, 6, 30, tzinfo=UTC)
    either = Cron("0 0 13 * 5", "UTC")  # POSIX: the 13th OR a Friday
    assert either.next_after(START)[0].day == 27  # the next Friday comes before the 13th
    for bad in ("* * *", "61 * * * *", "*/0 * * * *", "@daily x y z w"):
        with pytest.raises(CronError):
            Cron(bad, "UTC")
    with pytest.raises(CronError):
        Cron("* * * * *", "Mars/Olympus")


async def test_a_scheduled_deployment_fires_on_the_domains_clock(clocked) -> None:
    domain, clock = clocked
    env = domain.create_environment({"name": "e"})
    agent = domain.create_agent({"name": "Ticket Triage", "model": "claude-haiku-4-5"})
    deployment = domain.create_deployment({
        "name": "Every five minutes", "agent": agent["id"], "environment_id": env["id"],
        "initial_events": [{"type": "user.message", "content": [{"type": "text", "text": "go"}]}],
        "schedule": {"type": "cron", "expression": "*/5 * * * *", "timezone": "UTC"},
    })  # fmt: skip
    assert deployment["schedule"]["upcoming_runs_at"][0] == "2026-11-20T09:00:00.000Z"
    assert domain.fire_due() == []
    clock.advance(180)  # 09:01
    (run,) = domain.fire_due()
    assert run["trigger_context"] == {
        "type": "schedule",
        "scheduled_at": "2026-11-20T09:00:00.000Z",
    }
    assert domain.get_session(run["session_id"])["deployment_id"] == deployment["id"]
    assert domain.fire_due() == []  # not twice for the same time
    assert domain.get_deployment(deployment["id"])["schedule"]["last_run_at"] is not None
    domain.pause_deployment(deployment["id"])
    clock.advance(600)
    assert domain.fire_due() == []  # paused deployments do not fire
    for obj in (run, domain.get_deployment(deployment["id"])):
        assert_wire_shape(obj)
    await domain.stop()


def test_memory_listing_folds_by_depth_and_redaction_spares_the_current_version(clocked):
    domain, _ = clocked
    store = domain.create_memory_store({"name": "Notes"})["id"]
    for path in ("/a.md", "/b/one.md", "/b/c/two.md", "/b/c/three.md"):
        domain.create_memory(store, {"path": path, "content": path})
    assert [i["path"] for i in domain.list_memories(store, depth=1)] == ["/a.md", "/b/"]
    assert [i["path"] for i in domain.list_memories(store, prefix="/b/", depth=1)] == [
        "/b/c/", "/b/one.md"
    ]  # fmt: skip
    assert len(domain.list_memories(store, prefix="/b/c/")) == 2
    for bad in ({"path": "a.md", "content": ""}, {"path": "/x/../y", "content": ""},
                {"path": "/x", "content": "é" * 60_000}):  # fmt: skip
        with pytest.raises(SimError):
            domain.create_memory(store, bad)
    memory = domain.list_memories(store)[0]
    with pytest.raises(SimError):  # the version holding its current content
        domain.redact_memory_version(store, memory["memory_version_id"])


def test_an_expired_oauth_token_is_refreshed_or_invalid(clocked) -> None:
    domain, clock = clocked
    vault = domain.create_vault({"display_name": "v"})["id"]
    soon = rfc3339(START + timedelta(minutes=5))
    plain = {"type": "mcp_oauth", "mcp_server_url": "https://mcp.example.com/mcp",
             "access_token": "t", "expires_at": soon}  # fmt: skip
    basic = {"type": "client_secret_basic", "client_secret": "s"}
    refresh = {"client_id": "c", "refresh_token": "r", "token_endpoint": "https://auth/token",
               "token_endpoint_auth": basic}  # fmt: skip
    bare = domain.create_credential(vault, {"auth": plain})["id"]
    renewing = domain.create_credential(vault, {"auth": {**plain, "refresh": refresh}})["id"]
    assert domain.validate_credential(vault, bare)["status"] == "valid"
    clock.advance(600)
    assert domain.validate_credential(vault, bare)["status"] == "invalid"
    renewed = domain.validate_credential(vault, renewing)
    assert renewed["status"] == "valid" and renewed["refresh"]["status"] == "succeeded"
    with pytest.raises(SimError):  # expires_at must be in the future
        domain.create_credential(vault, {"auth": plain})


def test_unacknowledged_work_is_reclaimed(clocked) -> None:
    domain, clock = clocked
    env = domain.create_environment({"name": "byo", "config": {"type": "self_hosted"}})["id"]
    agent = domain.create_agent({"name": "a", "model": "claude-haiku-4-5"})["id"]
    session = domain.create_session({"agent": agent, "environment_id": env})["id"]
    first = domain.poll_work(env, reclaim_older_than_ms=None, worker_id="w1")
    assert first["data"]["id"] == session
    assert domain.poll_work(env, reclaim_older_than_ms=None, worker_id="w2") is None
    clock.advance(6)  # past the default 5 s
    again = domain.poll_work(env, reclaim_older_than_ms=None, worker_id="w2")
    assert again["id"] == first["id"]
    domain.ack_work(env, again["id"])
    domain.archive_session(session)
    assert domain.get_work(env, again["id"])["state"] == "stopped"


def test_multiagent_20261001_defaults_and_merge(clocked) -> None:
    domain, _ = clocked
    helper = domain.create_agent({"name": "Helper", "model": "claude-haiku-4-5"})
    agent = domain.create_agent({"name": "Lead", "model": "claude-opus-4-7",
                                 "multiagent": {"type": "multiagent_20261001"}})  # fmt: skip
    defaults = agent["multiagent"]
    assert defaults["advisor"] == {"type": "disabled"}
    assert defaults["subagents"] == defaults["workflows"] == {
        "type": "enabled", "inline_agents": {"type": "enabled"}, "predefined_agents": []
    }  # fmt: skip
    merged = domain.update_agent(agent["id"], {"multiagent": {
        "type": "multiagent_20261001",
        "subagents": {"type": "enabled", "predefined_agents": [helper["id"], {"type": "self"}]},
        "advisor": {"type": "enabled", "model": "claude-opus-4-7"},
    }})["multiagent"]  # fmt: skip
    assert merged["workflows"] == defaults["workflows"]  # omitted: kept
    assert [r["id"] for r in merged["subagents"]["predefined_agents"]] == [
        helper["id"],
        agent["id"],
    ]
    no_inline = {"type": "enabled", "inline_agents": {"type": "disabled"}}
    kept = domain.update_agent(
        agent["id"], {"multiagent": {"type": "multiagent_20261001", "subagents": no_inline}}
    )
    assert (
        kept["multiagent"]["subagents"]["predefined_agents"]
        == merged["subagents"]["predefined_agents"]
    )  # same type: merged, the list kept
    with pytest.raises(SimError):  # inline disabled and nothing predefined
        domain.update_agent(agent["id"], {"multiagent": {"type": "multiagent_20261001",
            "workflows": {"type": "enabled", "inline_agents": {"type": "disabled"}}}})  # fmt: skip
    reset = domain.update_agent(agent["id"], {"multiagent": {"type": "multiagent_20261001",
                                                             "advisor": None}})  # fmt: skip
    assert reset["multiagent"]["advisor"] == {"type": "disabled"}
    assert_wire_shape(reset)
