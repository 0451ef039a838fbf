"""SDK conformance: the official ``anthropic`` 2.17.0 client against the sim over loopback,
every object and event parsed by the SDK's own types and checked strictly (no undeclared keys)."""

from __future__ import annotations

import anthropic
import httpx
import pytest
from sdk_check import PERSISTED_EVENT, assert_wire_shape

TEXT = [{"type": "text", "text": "Please fix the flaky test"}]
ASK = {
    "type": "agent_toolset_20260401",
    "default_config": {"enabled": True, "permission_policy": {"type": "always_ask"}},
}


def _setup(client: anthropic.Anthropic, name: str = "Fixer", tools: list | None = None):
    env = client.beta.environments.create(
        name=f"env-{name}", config={"type": "cloud", "networking": {"type": "unrestricted"}}
    )
    agent = client.beta.agents.create(name=name, model="claude-sonnet-4-6", tools=tools or [])
    return env, agent


def _run_turn(client: anthropic.Anthropic, session_id: str, send: list[dict]) -> list:
    """Open the stream, send, consume to a turn-ending idle answering every requires_action."""
    seen = []
    with client.beta.sessions.events.stream(session_id) as stream:
        client.beta.sessions.events.send(session_id, events=send)
        for event in stream:
            assert_wire_shape(event.to_dict())
            seen.append(event)
            if event.type == "session.status_idle":
                if event.stop_reason.type != "requires_action":
                    break
                answers = [
                    {"type": "user.tool_confirmation", "tool_use_id": eid, "result": "allow"}
                    for eid in event.stop_reason.event_ids
                ]
                client.beta.sessions.events.send(session_id, events=answers)
    return seen


def test_sdk_session_flow_with_requires_action(client, raw) -> None:
    env, agent = _setup(client, tools=[ASK])
    assert_wire_shape(raw.get(f"/v1/environments/{env.id}").json())
    assert_wire_shape(raw.get(f"/v1/agents/{agent.id}").json())
    session = client.beta.sessions.create(agent=agent.id, environment_id=env.id, title="t")
    assert session.status == "idle"
    assert_wire_shape(raw.get(f"/v1/sessions/{session.id}").json())

    seen = _run_turn(client, session.id, [{"type": "user.message", "content": TEXT}])
    types = [e.type for e in seen]
    assert types[-2:] == ["session.usage", "session.status_idle"]
    assert "session.status_running" in types
    asks = [
        e
        for e in seen
        if e.type == "session.status_idle" and e.stop_reason.type == "requires_action"
    ]
    assert asks, "an always_ask toolset must pause the session"
    confirmations = [e for e in seen if e.type == "user.tool_confirmation"]
    assert {c.tool_use_id for c in confirmations} >= set(asks[0].stop_reason.event_ids)

    history = raw.get(f"/v1/sessions/{session.id}/events").json()["data"]
    for event in history:
        assert_wire_shape(event, PERSISTED_EVENT)
    persisted = [e.id for e in seen if getattr(e, "id", None)]
    assert [e["id"] for e in history if e["id"] in set(persisted)] == list(dict.fromkeys(persisted))
    assert client.beta.sessions.retrieve(session.id).status == "idle"


def test_sdk_lists_events_across_pages(client, raw) -> None:
    env, agent = _setup(client)
    session = client.beta.sessions.create(agent=agent.id, environment_id=env.id)
    _run_turn(client, session.id, [{"type": "user.message", "content": TEXT}])
    everything = [e["id"] for e in raw.get(f"/v1/sessions/{session.id}/events").json()["data"]]
    assert len(everything) > 6
    first = client.beta.sessions.events.list(session.id, limit=3)
    assert len(first.data) == 3 and first.next_page
    paged = [e.id for e in first]  # iterating auto-paginates through next_page
    assert paged == everything
    newest = client.beta.sessions.events.list(session.id, limit=2, order="desc")
    assert [e.id for e in newest.data] == everything[::-1][:2]
    idles = client.beta.sessions.events.list(session.id, types=["session.status_idle"])
    assert [e.type for e in idles.data] == ["session.status_idle"]
    stamp = raw.get(f"/v1/sessions/{session.id}/events").json()["data"][3]["processed_at"]
    later = raw.get(f"/v1/sessions/{session.id}/events", params={"created_at[gte]": stamp})
    assert all(e["processed_at"] >= stamp for e in later.json()["data"])
    with pytest.raises(anthropic.BadRequestError):
        client.beta.sessions.events.list(session.id, order="asc", page=newest.next_page)


def test_sdk_lists_sessions_both_ways(client) -> None:
    env, agent = _setup(client)
    ids = [client.beta.sessions.create(agent=agent.id, environment_id=env.id).id for _ in range(5)]
    first = client.beta.sessions.list(limit=2)
    assert [s.id for s in first.data] == ids[::-1][:2]  # default order: newest first
    assert first.prev_page is None and first.next_page
    second = client.beta.sessions.list(limit=2, page=first.next_page)
    assert [s.id for s in second.data] == ids[::-1][2:4] and second.prev_page
    back = client.beta.sessions.list(limit=2, page=second.prev_page)
    assert [s.id for s in back.data] == [s.id for s in first.data] and back.prev_page is None
    assert [s.id for s in client.beta.sessions.list(order="asc", limit=2)] == ids
    client.beta.sessions.archive(ids[0])
    assert ids[0] not in [s.id for s in client.beta.sessions.list(limit=100).data]
    archived = client.beta.sessions.list(include_archived=True, statuses=["terminated"])
    assert [s.id for s in archived.data] == [ids[0]]
    by_agent = client.beta.sessions.list(agent_id=agent.id, limit=100)
    assert len(by_agent.data) == 4


def test_sdk_agent_versions_and_environments(client) -> None:
    env, agent = _setup(client)
    updated = client.beta.agents.update(agent.id, version=1, system="Be brief.")
    assert updated.version == 2
    assert client.beta.agents.retrieve(agent.id, version=1).version == 1
    assert [a.version for a in client.beta.agents.versions.list(agent.id)] == [1, 2]
    assert client.beta.agents.archive(agent.id).archived_at is not None
    assert agent.id not in [a.id for a in client.beta.agents.list()]
    assert agent.id in [a.id for a in client.beta.agents.list(include_archived=True)]
    with pytest.raises(anthropic.BadRequestError):
        client.beta.agents.list(limit=101)
    renamed = client.beta.environments.update(env.id, description="d")
    assert renamed.description == "d"
    assert client.beta.environments.archive(env.id).archived_at is not None
    assert client.beta.environments.delete(env.id).type == "environment_deleted"
    with pytest.raises(anthropic.NotFoundError):
        client.beta.environments.retrieve(env.id)


def test_sdk_threads_and_resources(client, sim) -> None:
    env, agent = _setup(client)
    session = client.beta.sessions.create(agent=agent.id, environment_id=env.id)
    threads = client.beta.sessions.threads.list(session.id)
    assert len(threads.data) >= 1
    primary = threads.data[0]
    assert primary.parent_thread_id is None
    assert_wire_shape(primary.to_dict())
    assert client.beta.sessions.threads.retrieve(primary.id, session_id=session.id).id == primary.id
    assert isinstance(
        client.beta.sessions.threads.events.list(primary.id, session_id=session.id).data, list
    )
    assert client.beta.sessions.resources.list(session.id).data == []
    with httpx.stream(
        "GET",
        f"{sim.base_url}/v1/sessions/{session.id}/threads/{primary.id}/stream",
        headers=sim.headers,
        timeout=5,
    ) as response:
        assert response.status_code == 200
        assert next(response.iter_raw()).startswith(b": connected")


def test_sdk_error_paths_raise_typed_errors_with_request_ids(client, sim) -> None:
    env, agent = _setup(client)
    with pytest.raises(anthropic.NotFoundError) as missing:
        client.beta.sessions.retrieve("sesn_011Cdoesnotexist")
    assert missing.value.request_id and missing.value.request_id.startswith("req_")
    with pytest.raises(anthropic.ConflictError):
        client.beta.environments.create(
            name=env.name, config={"type": "cloud", "networking": {"type": "unrestricted"}}
        )
    session = client.beta.sessions.create(agent=agent.id, environment_id=env.id)
    client.beta.sessions.archive(session.id)
    with pytest.raises(anthropic.ConflictError):
        client.beta.sessions.events.send(
            session.id, events=[{"type": "user.message", "content": TEXT}]
        )
    with pytest.raises(anthropic.BadRequestError) as bad:
        client.beta.sessions.create(agent=agent.id, environment_id="env_011Cnope", title=1)
    assert bad.value.body["type"] == "error"
    wrong_key = anthropic.Anthropic(api_key="nope", base_url=sim.base_url, max_retries=0)
    with pytest.raises(anthropic.AuthenticationError):
        wrong_key.beta.sessions.list()


def test_sdk_honours_retry_after_on_injected_429(client, sim) -> None:
    from drover.sim.settings import FaultPlan

    retrying = anthropic.Anthropic(api_key=sim.api_key, base_url=sim.base_url, max_retries=2)
    sim.faults = FaultPlan(fail_next=1, fail_status=529)
    assert retrying.beta.sessions.list().data == []  # one 529, then a retry that succeeds
    sim.faults = FaultPlan(throttle_every=1, retry_after_seconds=1)
    with pytest.raises(anthropic.RateLimitError) as limited:
        client.beta.sessions.list()
    assert limited.value.response.headers["retry-after"] == "1"


def _summary(page: dict) -> list[tuple]:
    return [(s["id"], s["status"], s["updated_at"], s["usage"]) for s in page["data"]]


BAD_SENDS = [
    (b"{not json", 400),
    (b'{"events": "nope"}', 400),
    (b'{"events": [{"type": "user.bogus"}]}', 400),
    (b'{"events": [{"type": "user.message"}]}', 400),
    (
        b'{"events": [{"type": "user.tool_confirmation", "tool_use_id": "sevt_x", "result": "m"}]}',
        400,
    ),
    (b'{"events": [{"type": "user.message", "content": [{"type": "video"}]}]}', 400),
    (b"[]", 400),
]


def test_bad_input_is_rejected_and_state_is_unchanged(client, raw, sim) -> None:
    env, agent = _setup(client)
    session = client.beta.sessions.create(agent=agent.id, environment_id=env.id)
    path = f"/v1/sessions/{session.id}/events"
    before = raw.get(path).json()
    sessions_before = _summary(raw.get("/v1/sessions").json())
    for body, status in BAD_SENDS:
        response = raw.post(path, content=body, headers={"content-type": "application/json"})
        assert response.status_code == status, (body, response.text)
        assert response.json()["error"]["type"] == "invalid_request_error"
    too_big = b'{"events": [{"type": "user.message", "content": [{"type": "text", "text": "'
    too_big += b"x" * (33 * 1024 * 1024) + b'"}]}]}'
    oversize = raw.post(path, content=too_big)
    assert oversize.status_code == 413
    assert oversize.json()["error"]["type"] == "invalid_request_error"  # no 413 type in the SDK
    for bad_create in (
        {"agent": agent.id},
        {"agent": 3, "environment_id": env.id},
        {"agent": {"type": "nope", "id": agent.id}, "environment_id": env.id},
    ):
        assert raw.post("/v1/sessions", json=bad_create).status_code == 400
    assert raw.get(path).json() == before
    assert _summary(raw.get("/v1/sessions").json()) == sessions_before  # durations still tick
    assert raw.get(f"/v1/sessions/{session.id}").json()["status"] == "idle"


def test_duplicate_delivery_fault_and_previews_reach_sdk_types(client, sim) -> None:
    from drover.sim.settings import FaultPlan

    env, agent = _setup(client)
    session = client.beta.sessions.create(agent=agent.id, environment_id=env.id)
    sim.faults = FaultPlan(duplicate_user_events=True)
    seen = []
    with client.beta.sessions.events.stream(
        session.id, event_deltas=["agent.message", "agent.thinking"]
    ) as stream:
        # The second message queues behind the first, so its queued copy is shown too.
        receipt = client.beta.sessions.events.send(
            session.id, events=[{"type": "user.message", "content": TEXT}] * 2
        )
        queued = receipt.data[1].id
        for event in stream:
            assert_wire_shape(event.to_dict())
            seen.append(event)
            done = any(e.id == queued and e.processed_at for e in seen if e.type == "user.message")
            if done and event.type == "session.status_idle":
                break
    copies = [e for e in seen if e.type == "user.message" and e.id == queued]
    assert len(copies) == 2
    assert copies[0].processed_at is None and copies[1].processed_at is not None
    assert {"event_start", "event_delta"} <= {e.type for e in seen}


def test_fleet_flag_populates_sessions(sim_factory) -> None:
    server = sim_factory(fleet=12)
    listed = httpx.get(
        f"{server.base_url}/v1/sessions", params={"limit": 100}, headers=server.headers
    ).json()["data"]
    assert len(listed) >= 12
    assert {s["status"] for s in listed} <= {"idle", "running", "rescheduling", "terminated"}
