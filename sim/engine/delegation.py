"""Multi-agent delegation (§10): a child thread plays a turn and replies to the primary.

Orderings follow the ``multiagent_delegation`` example: the session view gets
``session.thread_created`` and ``agent.thread_message_sent``; the child's view gets
``agent.thread_message_received``; thread status events land on the child's view and are
cross-posted (same object) to the session view.

The child's agent is the saved agent of that name the session's ``multiagent`` names (a
coordinator's roster, or ``multiagent_20261001``'s predefined agents), else an inline agent
when the configuration allows them, else the session agent renamed. A child whose retries are
exhausted (or that meets a terminal error) terminates (``session.thread_status_terminated``);
the primary carries on with what it has.
"""

from __future__ import annotations

import copy

from drover.sim.engine.runtime import SessionRuntime
from drover.sim.engine.turn_steps import (
    ChildTerminated,
    Ctx,
    Interrupted,
    PlayTurn,
    Terminated,
    TurnOver,
    step,
)
from drover.sim.scenarios.script import Delegate, fill
from drover.sim.wire.objects import inline_agent, new_thread, thread_agent


def _members(multiagent: dict | None, member: str | None) -> list[dict]:
    if not multiagent:
        return []
    if multiagent["type"] == "coordinator":
        return multiagent["agents"]
    names = (member,) if member else ("subagents", "workflows")
    found = []
    for name in names:
        found += multiagent[name].get("predefined_agents", [])
    return found


def child_agent(rt: SessionRuntime, name: str, member: str | None = None) -> dict:
    """The agent a child thread of that name runs (see the module doc).

    Args:
        rt: The session runtime.
        name: The child's agent name.
        member: ``subagents`` or ``workflows``: where a ``multiagent_20261001`` agent looks.
    """
    snapshot = rt.record.resource["agent"]
    multiagent = snapshot.get("multiagent")
    for agent in _members(multiagent, member):
        if agent.get("type") == "agent" and agent.get("name") == name:
            return copy.deepcopy(agent)
    if multiagent and multiagent["type"] == "multiagent_20261001":
        config = multiagent[member or "subagents"]
        if config["type"] == "enabled" and config["inline_agents"]["type"] == "enabled":
            return inline_agent(name, snapshot)
    agent = thread_agent(snapshot)
    agent["name"] = name
    return agent


def open_thread(
    rt: SessionRuntime, agent: dict, name: str, workflow_run_id: str | None = None
) -> tuple[dict, dict]:
    """Create a child thread (object, view, ``session.thread_created``); return it and its tag."""
    thread_id = rt.ids.new("sthr")
    thread = new_thread(thread_id, rt.record.id, agent, rt.primary_thread_id, rt.now())
    thread["workflow_run_id"] = workflow_run_id
    rt.record.threads[thread_id] = thread
    rt.log.add_thread(thread_id)
    tag = {"session_thread_id": thread_id, "agent_name": name}
    rt.emit("session.thread_created", {**tag, "workflow_run_id": workflow_run_id})
    return thread, tag


async def delegate(
    rt: SessionRuntime,
    child: Delegate,
    values: dict,
    play_turn: PlayTurn,
    *,
    workflow_run_id: str | None = None,
    member: str | None = None,
) -> None:
    """Create a child thread, play its turn, deliver its reply to the primary thread.

    Args:
        rt: The session runtime.
        child: The scripted delegation.
        values: Placeholder values of the delegating request.
        play_turn: :func:`drover.sim.engine.turns.play_turn` (passed in to avoid an import cycle).
        workflow_run_id: The workflow run that starts the thread, if any.
        member: ``subagents`` or ``workflows`` (which predefined agents to look in).
    """
    agent = child_agent(rt, child.agent_name, member)
    thread, tag = open_thread(rt, agent, child.agent_name, workflow_run_id)
    thread_id = thread["id"]
    message = [{"type": "text", "text": fill(child.message, values)}]
    rt.emit(
        "agent.thread_message_sent",
        {"to_session_thread_id": thread_id, "to_agent_name": child.agent_name, "content": message},
    )
    rt.emit(
        "agent.thread_message_received",
        {"from_session_thread_id": rt.primary_thread_id, "content": message},
        thread=thread_id,
    )
    set_thread(rt, thread, "running")
    rt.emit("session.thread_status_running", tag, thread=thread_id, cross_post=True)
    await step(rt)

    scenario = rt.scenarios.get(child.scenario or "", rt.scenario)
    child_values = {**scenario.choose_vars(rt.rng), **rt.vars, "message": message[0]["text"]}
    child_ctx = Ctx(thread_id, agent, child_values, name=child.agent_name)
    stop: dict = {"type": "end_turn"}
    details = None
    try:
        await play_turn(rt, child_ctx, scenario.turn(0))
    except TurnOver as over:
        stop, details = over.stop_reason, over.stop_details
    except ChildTerminated:
        terminate_thread(rt, thread, tag)
        await step(rt)
        return
    except (Interrupted, Terminated):
        set_thread(rt, thread, "idle")
        rt.emit(
            "session.thread_status_idle",
            {**tag, "stop_reason": {"type": "end_turn"}, "stop_details": None},
            thread=thread_id,
            cross_post=True,
        )
        raise
    reply = [{"type": "text", "text": fill(child.reply, child_values)}]
    rt.emit(
        "agent.thread_message_sent",
        {"to_session_thread_id": rt.primary_thread_id, "content": reply},
        thread=thread_id,
    )
    rt.emit(
        "agent.thread_message_received",
        {
            "from_session_thread_id": thread_id,
            "from_agent_name": child.agent_name,
            "content": reply,
        },
    )
    set_thread(rt, thread, "idle")
    idle = rt.emit(
        "session.thread_status_idle",
        {**tag, "stop_reason": stop, "stop_details": details},
        thread=thread_id,
    )
    rt.log.append(idle)  # cross-posted after the reply, as in the example
    await step(rt)


def terminate_thread(rt: SessionRuntime, thread: dict, tag: dict) -> None:
    """``session.thread_status_terminated`` on the child's view, cross-posted."""
    set_thread(rt, thread, "terminated")
    rt.emit("session.thread_status_terminated", tag, thread=thread["id"], cross_post=True)


def set_thread(rt: SessionRuntime, thread: dict, status: str) -> None:
    """Thread status, stats and usage (stats appear at the first transition)."""
    now = rt.now()
    thread["status"] = status
    thread["updated_at"] = now
    mono = rt.clock.monotonic()
    started = rt.thread_clock.setdefault(thread["id"], {"t0": mono, "run": None, "active": 0.0})
    if started["run"] is not None:
        started["active"] += mono - started["run"]
    started["run"] = mono if status == "running" else None
    thread["stats"] = {
        "active_seconds": round(started["active"], 3),
        "duration_seconds": round(mono - started["t0"], 3),
        "startup_seconds": 0,
    }
    if status in ("idle", "terminated"):
        model = thread["agent"]["model"]
        model_id = model["id"] if isinstance(model, dict) else model
        thread["usage"] = rt.thread_usage(thread["id"], model_id, started["active"])
