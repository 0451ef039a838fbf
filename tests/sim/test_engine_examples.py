"""Event orderings mirror the protocol's example-events.jsonl (validated against the SDK).

Each test plays a script shaped like one example scenario and compares the persisted type
sequence with the example's (stream-only previews excluded), view by view.
"""

from __future__ import annotations

import asyncio
import runpy
from pathlib import Path

import pytest

from drover.sim.engine.pace import Pace

# tests/sim is not a package: the shared helpers are loaded by path.
_s = runpy.run_path(str(Path(__file__).with_name("test_engine_support.py")))
make_session, say, types, last = (_s[k] for k in ("make_session", "say", "types", "last"))
ASK_BASH = _s["ASK_BASH"]

EXAMPLES = {
    "basic_tool_call": """
        [[turns]]
        [[turns.requests]]
        thinking = true
        message = "I'll count the Python files first."
        tools = [{ name = "bash", input = { command = "git ls-files '*.py' | wc -l" } }]
        [[turns.requests]]
        tools = [{ name = "read", input = { file_path = "/workspace/repo/README.md" } }]
        [[turns.requests]]
        message = "There are 42 Python files."
    """,
    "requires_action_confirmation": """
        [[turns]]
        [[turns.requests]]
        message = "I need to install packages first."
        tools = [{ name = "bash", input = { command = "pip install -r requirements.txt" } }]
        [[turns.requests]]
        tools = [{ name = "bash", input = { command = "rm -rf .pytest_cache && pytest -q" } }]
        [[turns.requests]]
        message = "Understood."
    """,
    "error_reschedule": """
        [[turns]]
        [[turns.requests]]
        message = "## v1.4"
        error = { type = "model_overloaded_error", attempts = 1, then = "recovers" }
        [[turns]]
        [[turns.requests]]
        message = "never"
        error = { type = "model_request_failed_error", attempts = 1, then = "exhausted" }
    """,
    "multiagent_delegation": """
        [[turns]]
        [[turns.requests]]
        message = "I'll ask the reviewer agent to look at the diff."
        [[turns.requests.delegate]]
        agent_name = "Reviewer"
        message = "Review PR #88"
        scenario = "child"
        reply = "Diff looks good."
        [[turns.requests]]
        message = "PR #88 is ready to merge."
    """,
    "child": """
        [[turns]]
        [[turns.requests]]
        tools = [{ name = "bash", input = { command = "pytest -q" }, output = "37 passed" }]
        [[turns.requests]]
        message = "Diff looks good."
    """,
    "interrupt_and_budget": """
        [[turns]]
        [[turns.requests]]
        seconds = 30
        message = "# Ingestion service - a long design doc"
        tokens = { input = 900, output = 35, cache_write = 900 }
        [[turns]]
        [[turns.requests]]
        message = "- Goals"
        tokens = { input = 400000, output = 28, cache_read = 900 }
    """,
}

SESSION = {
    "basic_tool_call": [
        "user.message", "session.status_running", "span.model_request_start", "agent.thinking",
        "agent.message", "agent.tool_use", "span.model_request_end", "agent.tool_result",
        "span.model_request_start", "agent.tool_use", "span.model_request_end",
        "agent.tool_result", "span.model_request_start", "agent.message",
        "span.model_request_end", "session.usage", "session.status_idle",
    ],
    "requires_action_confirmation": [
        "user.message", "session.status_running", "span.model_request_start", "agent.message",
        "agent.tool_use", "span.model_request_end", "session.usage", "session.status_idle",
        "user.tool_confirmation", "session.status_running", "agent.tool_result",
        "span.model_request_start", "agent.tool_use", "span.model_request_end", "session.usage",
        "session.status_idle", "user.tool_confirmation", "session.status_running",
        "agent.tool_result", "span.model_request_start", "agent.message",
        "span.model_request_end", "session.usage", "session.status_idle",
    ],
    "error_reschedule": [
        "user.message", "session.status_running", "span.model_request_start",
        "span.model_request_end", "session.error", "session.status_rescheduled",
        "session.status_running", "span.model_request_start", "agent.message",
        "span.model_request_end", "session.usage", "session.status_idle", "user.message",
        "session.status_running", "span.model_request_start", "span.model_request_end",
        "session.error", "session.status_rescheduled", "session.status_running",
        "span.model_request_start", "span.model_request_end", "session.error", "session.usage",
        "session.status_idle",
    ],
    "multiagent_delegation": [
        "user.message", "session.status_running", "span.model_request_start", "agent.message",
        "span.model_request_end", "session.thread_created", "agent.thread_message_sent",
        "session.thread_status_running", "agent.tool_use", "session.thread_status_idle",
        "session.usage", "session.status_idle", "user.tool_confirmation",
        "session.status_running", "agent.thread_message_received",
        "session.thread_status_idle", "span.model_request_start", "agent.message",
        "span.model_request_end", "session.usage", "session.status_idle",
    ],
    "interrupt_and_budget": [
        "user.message", "session.status_running", "span.model_request_start", "user.interrupt",
        "span.model_request_end", "session.usage", "session.status_idle", "user.message",
        "session.status_running", "span.model_request_start", "agent.message",
        "span.model_request_end", "session.thread_status_idle", "session.usage",
        "session.status_idle",
    ],
}  # fmt: skip
CHILD_VIEW = [
    "agent.thread_message_received", "session.thread_status_running",
    "span.model_request_start", "agent.tool_use", "span.model_request_end",
    "session.thread_status_idle", "session.thread_status_running", "agent.tool_result",
    "span.model_request_start", "agent.message", "span.model_request_end",
    "agent.thread_message_sent", "session.thread_status_idle",
]  # fmt: skip


@pytest.fixture
async def sim(tmp_path):
    async for domain in _s["sim"](tmp_path, EXAMPLES):
        yield domain


async def answer_all(sim, sid: str) -> None:
    """Allow every pending request, one idle at a time, as the examples do."""
    while (idle := last(sim, sid, "session.status_idle"))["stop_reason"][
        "type"
    ] == "requires_action":
        events = [{"type": "user.tool_confirmation", "tool_use_id": i, "result": "allow"}
                  for i in idle["stop_reason"]["event_ids"]]  # fmt: skip
        sim.send_events(sid, {"events": events})
        await sim.settle(sid)


@pytest.mark.parametrize("name", ["basic_tool_call", "requires_action_confirmation"])
async def test_single_agent_examples(sim, name):
    sid = make_session(sim, name, tools=ASK_BASH if name.startswith("requires") else None)
    say(sim, sid)
    await sim.settle(sid)
    await answer_all(sim, sid)
    assert types(sim, sid) == SESSION[name]


async def test_error_reschedule_example(sim):
    sid = make_session(sim, "error_reschedule")
    for _ in range(2):
        say(sim, sid)
        await sim.settle(sid)
    assert types(sim, sid) == SESSION["error_reschedule"]


async def test_multiagent_delegation_example(sim):
    sid = make_session(sim, "multiagent_delegation", tools=ASK_BASH)
    say(sim, sid)
    await sim.settle(sid)
    await answer_all(sim, sid)
    assert types(sim, sid) == SESSION["multiagent_delegation"]
    child = next(t for t in sim.list_threads(sid) if t["parent_thread_id"] is not None)
    assert types(sim, sid, child["id"]) == CHILD_VIEW


async def test_interrupt_and_budget_example(sim):
    sid = make_session(sim, "interrupt_and_budget", model="claude-opus-4-8", budget_cents=150)
    sim.state.sessions[sid].runtime.pace = Pace.parse("10x")
    say(sim, sid)
    await asyncio.sleep(0.01)
    sim.send_events(sid, {"events": [
        {"type": "user.interrupt"},
        {"type": "user.message", "content": [{"type": "text", "text": "outline"}]},
    ]})  # fmt: skip
    await sim.settle(sid)
    assert types(sim, sid) == SESSION["interrupt_and_budget"]
    assert last(sim, sid, "session.status_idle")["stop_reason"] == {"type": "budget_reached"}
