"""Multi-agent delegation (§10): a child thread plays a turn and replies to the primary.

Orderings follow the ``multiagent_delegation`` example: the session view gets
``session.thread_created`` and ``agent.thread_message_sent``; the child's view gets
``agent.thread_message_received``; thread status events land on the child's view and are
cross-posted (same object) to the session view.
"""

from __future__ import annotations

import copy

from drover.sim.engine.runtime import SessionRuntime
from drover.sim.engine.turn_steps import Ctx, Interrupted, PlayTurn, Terminated, TurnOver, step
from drover.sim.scenarios.script import Delegate, fill
from drover.sim.wire.objects import new_thread, thread_agent


def _child_agent(rt: SessionRuntime, name: str) -> dict:
    """The child's agent: the roster member of that name, else the session agent renamed."""
    snapshot = rt.record.resource["agent"]
    roster = (snapshot.get("multiagent") or {}).get("agents", [])
    for member in roster:
        if member.get("type") == "agent" and member.get("name") == name:
            return copy.deepcopy(member)
    agent = thread_agent(snapshot)
    agent["name"] = name
    return agent


async def delegate(rt: SessionRuntime, child: Delegate, values: dict, play_turn: PlayTurn) -> None:
    """Create a child thread, play its turn, deliver its reply to the primary thread.

    Args:
        rt: The session runtime.
        child: The scripted delegation.
        values: Placeholder values of the delegating request.
        play_turn: :func:`drover.sim.engine.turns.play_turn` (passed in to avoid an import cycle).
    """
    agent = _child_agent(rt, child.agent_name)
    thread_id = rt.ids.new("sthr")
    now = rt.now()
    thread = new_thread(thread_id, rt.record.id, agent, rt.primary_thread_id, now)
    rt.record.threads[thread_id] = thread
    rt.log.add_thread(thread_id)
    tag = {"session_thread_id": thread_id, "agent_name": child.agent_name}
    message = [{"type": "text", "text": fill(child.message, values)}]
    rt.emit("session.thread_created", {**tag, "workflow_run_id": None})
    rt.emit(
        "agent.thread_message_sent",
        {"to_session_thread_id": thread_id, "to_agent_name": child.agent_name, "content": message},
    )
    rt.emit(
        "agent.thread_message_received",
        {"from_session_thread_id": rt.primary_thread_id, "content": message},
        thread=thread_id,
    )
    _set_thread(rt, thread, "running")
    rt.emit("session.thread_status_running", tag, thread=thread_id, cross_post=True)
    await step(rt)

    scenario = rt.scenarios.get(child.scenario or "", rt.scenario)
    child_values = {**scenario.choose_vars(rt.rng), **rt.vars, "message": message[0]["text"]}
    child_ctx = Ctx(thread_id, agent, child_values)
    stop: dict = {"type": "end_turn"}
    details = None
    try:
        await play_turn(rt, child_ctx, scenario.turn(0))
    except TurnOver as over:
        stop, details = over.stop_reason, over.stop_details
    except (Interrupted, Terminated):
        _set_thread(rt, thread, "idle")
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
    _set_thread(rt, thread, "idle")
    idle = rt.emit(
        "session.thread_status_idle",
        {**tag, "stop_reason": stop, "stop_details": details},
        thread=thread_id,
    )
    rt.log.append(idle)  # cross-posted after the reply, as in the example
    await step(rt)


def _set_thread(rt: SessionRuntime, thread: dict, status: str) -> None:
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
    if status == "idle":
        thread["usage"] = rt.thread_usage(
            thread["id"], thread["agent"]["model"]["id"], started["active"]
        )
