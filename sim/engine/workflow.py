"""Advisor consultations and workflow runs (``multiagent_20261001``): the parts of a turn that
``workflow_run.*`` events and short-lived advisor threads come from.

Advisor: the primary asks the advisor model a question on a thread of its own (agent
``{type: "advisor", model}``); the advisor answers and its thread terminates
(``session.thread_status_terminated``, cross-posted), as the platform documents.

Workflow run, on the session view: ``workflow_run.created`` (with its phases) →
``status_running`` → per phase ``phase_started``, its child threads (each created with the
run's ``workflow_run_id``), ``phase_ended`` → ``status_idle`` → ``status_ended``. A run that
ends in error emits ``workflow_run.error`` before closing its last phase; every
``phase_started`` gets its ``phase_ended`` before ``status_ended``.
"""

from __future__ import annotations

from drover.sim.engine.delegation import delegate, open_thread, set_thread, terminate_thread
from drover.sim.engine.runtime import SessionRuntime
from drover.sim.engine.turn_steps import Ctx, PlayTurn, sleep, step
from drover.sim.scenarios.script import Advisor, Workflow, fill

#: The advisor's model when the agent names none (a coordinator without an advisor entry).
DEFAULT_ADVISOR_MODEL = "claude-opus-4-7"
ADVISOR_NAME = "advisor"
ADVISOR_USAGE = {
    "input_tokens": 2400,
    "output_tokens": 180,
    "cache_read_input_tokens": 0,
    "cache_creation_input_tokens": 0,
}


def advisor_model(rt: SessionRuntime) -> str | None:
    """The advisor model the session's agent may consult, or ``None`` if it has none."""
    multiagent = rt.record.resource["agent"].get("multiagent") or {}
    if multiagent.get("type") == "multiagent_20261001":
        advisor = multiagent["advisor"]
        return advisor["model"] if advisor["type"] == "enabled" else None
    for member in multiagent.get("agents", []):
        if member.get("type") == "advisor":
            return member["model"]
    return None


async def consult(rt: SessionRuntime, advice: Advisor, values: dict) -> None:
    """The primary consults its advisor (skipped when the agent has none)."""
    model = advisor_model(rt)
    if model is None:
        return
    agent = {"type": "advisor", "model": model}
    thread, tag = open_thread(rt, agent, ADVISOR_NAME)
    question = [{"type": "text", "text": fill(advice.question, values)}]
    rt.emit(
        "agent.thread_message_sent",
        {"to_session_thread_id": thread["id"], "to_agent_name": ADVISOR_NAME, "content": question},
    )
    rt.emit(
        "agent.thread_message_received",
        {"from_session_thread_id": rt.primary_thread_id, "content": question},
        thread=thread["id"],
    )
    set_thread(rt, thread, "running")
    rt.emit("session.thread_status_running", tag, thread=thread["id"], cross_post=True)
    ctx = Ctx(thread["id"], agent, values, name=ADVISOR_NAME)
    start = rt.emit("span.model_request_start", thread=thread["id"])
    await sleep(rt, ctx, 2.0, interruptible=False)
    rt.add_tokens(model, ADVISOR_USAGE, thread["id"])
    rt.emit(
        "span.model_request_end",
        {"model_request_start_id": start["id"], "is_error": False, "model_usage": ADVISOR_USAGE},
        thread=thread["id"],
    )
    answer = [{"type": "text", "text": fill(advice.answer, values)}]
    rt.emit(
        "agent.thread_message_sent",
        {"to_session_thread_id": rt.primary_thread_id, "content": answer},
        thread=thread["id"],
    )
    rt.emit(
        "agent.thread_message_received",
        {
            "from_session_thread_id": thread["id"],
            "from_agent_name": ADVISOR_NAME,
            "content": answer,
        },
    )
    terminate_thread(rt, thread, tag)
    await step(rt)


async def run_workflow(rt: SessionRuntime, plan: Workflow, values: dict, play_turn: PlayTurn):
    """Play a workflow run on the session view (see the module doc)."""
    run_id = rt.ids.new("wfrun")
    phases = [
        {"id": rt.ids.new("wfph"), "name": p.name, "description": p.description}
        for p in plan.phases
    ]
    tag = {"workflow_run_id": run_id}
    rt.emit(
        "workflow_run.created",
        {**tag, "name": plan.name, "description": plan.description, "phases": phases},
    )
    rt.emit("workflow_run.status_running", tag)
    await step(rt)
    error = None
    if plan.result == "error":
        message = plan.message or "The workflow run's plan failed."
        error = {"type": plan.error, "message": message}
    for index, (phase, shown) in enumerate(zip(plan.phases, phases, strict=True)):
        phase_ids = {**tag, "workflow_run_phase_id": shown["id"]}
        started = rt.emit("workflow_run.phase_started", phase_ids)
        for child in phase.agents:
            await delegate(rt, child, values, play_turn, workflow_run_id=run_id, member="workflows")
        if error is not None and index == len(phases) - 1:
            rt.emit("workflow_run.error", {**tag, "error": error})
        rt.emit("workflow_run.phase_ended", {**phase_ids, "phase_started_id": started["id"]})
        await step(rt)
    if not phases and error is not None:
        rt.emit("workflow_run.error", {**tag, "error": error})
    rt.emit("workflow_run.status_idle", tag)
    result = {"type": plan.result} if error is None else {"type": "error", "error": error}
    rt.emit("workflow_run.status_ended", {**tag, "result": result})
    await step(rt)
