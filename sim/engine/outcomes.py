"""Outcomes (§6.3, §6.6): play turns and grade them until satisfied or out of iterations."""

from __future__ import annotations

from drover.sim.engine.runtime import SessionRuntime
from drover.sim.engine.turn_steps import (
    Interrupted,
    PlayTurn,
    checkpoint,
    primary_ctx,
    sleep,
    step,
)

#: Grader tokens per evaluation (billed like any model request).
GRADER_USAGE = {
    "input_tokens": 1800,
    "output_tokens": 160,
    "cache_read_input_tokens": 0,
    "cache_creation_input_tokens": 0,
}
DEFAULT_ITERATIONS = (
    {"result": "satisfied", "explanation": "All rubric items are met.", "seconds": 1.0},
)


async def play_outcome(rt: SessionRuntime, echo: dict, play_turn: PlayTurn) -> None:
    """Work on a ``user.define_outcome``: turn, evaluation span, revise… (§6.6).

    Args:
        rt: The session runtime.
        echo: The processed ``user.define_outcome`` event.
        play_turn: :func:`drover.sim.engine.turns.play_turn` (passed in to avoid an import cycle).
    """
    outcome_id = echo["outcome_id"]
    script = rt.scenario.outcome or DEFAULT_ITERATIONS
    max_iterations = echo.get("max_iterations") or 3
    record = {
        "type": "outcome_evaluation",
        "outcome_id": outcome_id,
        "description": echo["description"],
        "iteration": 0,
        "result": "running",
        "explanation": None,
        "completed_at": None,
    }
    rt.record.resource["outcome_evaluations"].append(record)
    try:
        for iteration in range(max_iterations):
            record.update(iteration=iteration, result="running")
            ctx = primary_ctx(rt, echo["description"])
            await play_turn(rt, ctx, rt.scenario.turn(iteration))
            planned = script[min(iteration, len(script) - 1)]
            record["result"] = "evaluating"
            ids = {"outcome_id": outcome_id, "iteration": iteration}
            start = rt.emit("span.outcome_evaluation_start", ids)
            await step(rt)
            await sleep(rt, ctx, planned["seconds"] / 2)
            rt.emit("span.outcome_evaluation_ongoing", ids)
            await sleep(rt, ctx, planned["seconds"] / 2)
            result = planned["result"]
            if result == "needs_revision" and iteration == max_iterations - 1:
                result = "max_iterations_reached"
            rt.add_tokens(ctx.agent["model"]["id"], GRADER_USAGE)
            rt.emit(
                "span.outcome_evaluation_end",
                {
                    **ids,
                    "outcome_evaluation_start_id": start["id"],
                    "result": result,
                    "explanation": planned["explanation"],
                    "usage": dict(GRADER_USAGE),
                },
            )
            record.update(result=result, explanation=planned["explanation"])
            if result != "needs_revision":
                break
            await checkpoint(rt, ctx)
        record["completed_at"] = rt.now()
    except Interrupted:
        record.update(result="interrupted", completed_at=rt.now())
        raise
