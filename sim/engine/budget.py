"""Budget pauses (§8.2, §11.3): stop before the next model request once list cost hits the cap."""

from __future__ import annotations

from drover.sim.engine.runtime import SessionRuntime
from drover.sim.engine.turn_steps import Ctx, checkpoint


def thread_tag(rt: SessionRuntime, thread_id: str) -> dict:
    return {
        "session_thread_id": thread_id,
        "agent_name": rt.record.threads[thread_id]["agent"]["name"],
    }


async def budget_gate(rt: SessionRuntime, ctx: Ctx) -> None:
    """Pause here while the session is over budget; resume when the budget is raised/removed.

    Sequence: ``session.thread_status_idle(budget_reached)`` for the primary thread (then the
    child playing, if any) → ``session.usage`` → ``session.status_idle(budget_reached)``.
    """
    if not rt.over_budget():
        return
    threads = [rt.primary_thread_id] + ([ctx.thread] if ctx.thread else [])
    stop = {"stop_reason": {"type": "budget_reached"}, "stop_details": None}
    for thread_id in threads:
        child = thread_id if thread_id != rt.primary_thread_id else None
        rt.emit(
            "session.thread_status_idle",
            {**thread_tag(rt, thread_id), **stop},
            thread=child,
            cross_post=child is not None,
        )
    rt.budget_paused = True
    rt.emit_idle({"type": "budget_reached"})
    try:
        while rt.over_budget():
            await rt.wait_poke()
            await checkpoint(rt, ctx)
    finally:
        rt.budget_paused = False
    # The domain emitted session.status_running when the budget was raised.
    for thread_id in threads:
        child = thread_id if thread_id != rt.primary_thread_id else None
        rt.emit(
            "session.thread_status_running",
            thread_tag(rt, thread_id),
            thread=child,
            cross_post=child is not None,
        )
