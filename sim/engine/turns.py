"""Playing scripted turns: model requests, previews, tool calls, errors, refusals, budgets.

Event orderings mirror ``example-events.jsonl``. A turn is played by :func:`play_item` on the
session's task; it ends with ``session.usage`` + ``session.status_idle`` (or termination).
"""

from __future__ import annotations

from drover.sim.engine.budget import budget_gate
from drover.sim.engine.delegation import delegate, set_thread
from drover.sim.engine.outcomes import play_outcome
from drover.sim.engine.permissions import evaluate
from drover.sim.engine.runtime import Pending, SessionRuntime, WorkItem
from drover.sim.engine.turn_steps import (
    ChildTerminated,
    Ctx,
    Interrupted,
    Terminated,
    TurnOver,
    checkpoint,
    end_request,
    message_text,
    primary_ctx,
    sleep,
    step,
)
from drover.sim.engine.workflow import consult, run_workflow
from drover.sim.scenarios.script import Request, ToolCall, Turn, fill

#: Share of a request's seconds spent "thinking" before the message streams.
THINKING_SHARE = 0.4
#: Scripted seconds between a retryable error and the retry.
RETRY_BACKOFF = 2.0
#: Words per ``event_delta`` chunk.
DELTA_WORDS = 4


async def play_item(rt: SessionRuntime, item: WorkItem) -> None:
    """Play one work item to its idle (or to termination)."""
    try:
        ctx = primary_ctx(rt, message_text(item.echo))
        if item.echo["type"] == "user.define_outcome":
            await play_outcome(rt, item.echo, play_turn)
        else:
            index, rt.messages_answered = rt.messages_answered, rt.messages_answered + 1
            await play_turn(rt, ctx, rt.scenario.turn(index))
        # The request that crossed the cap completes; the thread then pauses instead of ending
        # its turn (interrupt_and_budget example), and ends it once the budget is raised.
        await budget_gate(rt, ctx)
        rt.emit_idle({"type": "end_turn"})
    except Interrupted:
        rt.emit_idle({"type": "end_turn"})
    except TurnOver as over:
        if over.stop_reason["type"] == "retries_exhausted":
            rt.queue.clear()  # exhausted: queued inputs are flushed (§6.5)
        rt.emit_idle(over.stop_reason, over.stop_details)
    except Terminated:
        rt.terminate()


async def play_turn(rt: SessionRuntime, ctx: Ctx, turn: Turn) -> None:
    """Play every request of ``turn`` (``repeat`` expanded) on ``ctx``'s thread."""
    for request in turn.requests:
        for i in range(request.repeat):
            values = dict(ctx.values, i=str(i + 1))
            if request.items:
                values["item"] = str(request.items[i % len(request.items)])
            await play_request(rt, ctx, request, values)


async def play_request(rt: SessionRuntime, ctx: Ctx, request: Request, values: dict) -> None:
    """One model request: budget gate, errors, output, tool calls, delegation."""
    await checkpoint(rt, ctx)
    await budget_gate(rt, ctx)
    if request.compaction:  # the context was summarised before this request
        rt.emit("agent.thread_context_compacted", thread=ctx.thread)
    if request.error:
        await _fail_attempts(rt, ctx, request)
    ctx.last_request = request
    ctx.inflight = rt.emit("span.model_request_start", thread=ctx.thread)["id"]
    await step(rt)
    thinking_seconds = request.seconds * THINKING_SHARE if request.thinking else 0.0
    if request.thinking:
        think_id = rt.ids.new("sevt")
        rt.log.publish_preview(
            {"type": "event_start", "event": {"type": "agent.thinking", "id": think_id}},
            thread_id=ctx.thread,
        )
        await sleep(rt, ctx, thinking_seconds)
        rt.emit("agent.thinking", thread=ctx.thread, event_id=think_id)
        await step(rt)
    if request.refusal is not None:
        await sleep(rt, ctx, request.seconds - thinking_seconds)
        end_request(rt, ctx, request, is_error=False, share=0.0)
        details = {
            "type": "refusal",
            "category": request.refusal.get("category"),
            "explanation": request.refusal.get("explanation"),
        }
        raise TurnOver({"type": "refusal"}, details)
    if request.message is not None:
        await _stream_message(
            rt, ctx, fill(request.message, values), request.seconds - thinking_seconds
        )
    else:
        await sleep(rt, ctx, request.seconds - thinking_seconds)
    calls = [(call, _tool_use(rt, ctx, call, values)) for call in request.tools]
    end_request(rt, ctx, request, is_error=False, share=1.0)
    await step(rt)
    await _await_answers(rt, ctx, [use for _, use in calls])
    for call, use in calls:
        await _tool_result(rt, ctx, call, use, values)
    # One level of delegation (§4.5): a child's own delegations, consultations and workflow
    # runs are not played.
    if ctx.thread is None:
        if request.advisor is not None:
            await consult(rt, request.advisor, values)
        for child in request.delegate:
            await delegate(rt, child, values, play_turn, member="subagents")
        if request.workflow is not None:
            await run_workflow(rt, request.workflow, values, play_turn)
    await checkpoint(rt, ctx)


async def _fail_attempts(rt: SessionRuntime, ctx: Ctx, request: Request) -> None:
    """The scripted failures before (or instead of) the request's success."""
    error = request.error or {}
    then = error.get("then", "recovers")
    attempts = error.get("attempts", 1)
    failures = attempts + (0 if then == "recovers" else 1)
    for n in range(failures):
        ctx.inflight = rt.emit("span.model_request_start", thread=ctx.thread)["id"]
        await sleep(rt, ctx, request.seconds)
        end_request(rt, ctx, request, is_error=True)
        status = "retrying" if n < attempts else then
        body = {
            "type": error.get("type", "model_overloaded_error"),
            "message": error.get("message") or "The model request failed.",
            "retry_status": {"type": status},
        }
        if body["type"].startswith("mcp_"):
            body["mcp_server_name"] = next(
                (c.mcp_server for c in request.tools if c.mcp_server), "mcp"
            )
        elif body["type"].startswith("repository_"):
            body["repository_url"] = None
        elif body["type"] == "credential_host_unreachable_error":
            body.update(credential_id="vcrd_sim", vault_id="vlt_sim")
        rt.emit("session.error", {"error": body}, thread=ctx.thread)
        if ctx.thread is not None:
            await _child_retry(rt, ctx, status)
            continue
        if status == "terminal":
            raise Terminated
        if status == "exhausted":
            raise TurnOver({"type": "retries_exhausted"})
        rt.set_status("rescheduling")
        rt.emit("session.status_rescheduled")
        await sleep(rt, ctx, RETRY_BACKOFF)
        rt.emit_running()
        await step(rt)


async def _child_retry(rt: SessionRuntime, ctx: Ctx, status: str) -> None:
    """A child thread's error: it reschedules (its own status events, cross-posted), or, when
    its retries are exhausted or the error is terminal, the child terminates."""
    if status in ("exhausted", "terminal"):
        raise ChildTerminated
    thread = rt.record.threads[ctx.thread]
    set_thread(rt, thread, "rescheduling")
    rt.emit("session.thread_status_rescheduled", ctx.tag(), thread=ctx.thread, cross_post=True)
    await sleep(rt, ctx, RETRY_BACKOFF)
    set_thread(rt, thread, "running")
    rt.emit("session.thread_status_running", ctx.tag(), thread=ctx.thread, cross_post=True)
    await step(rt)


async def _stream_message(rt: SessionRuntime, ctx: Ctx, text: str, seconds: float) -> None:
    """``event_start`` + ``event_delta`` chunks over ``seconds``, then the buffered message."""
    msg_id = rt.ids.new("sevt")
    rt.log.publish_preview(
        {"type": "event_start", "event": {"type": "agent.message", "id": msg_id}},
        thread_id=ctx.thread,
    )
    words = text.split(" ")
    chunks = [" ".join(words[i : i + DELTA_WORDS]) for i in range(0, len(words), DELTA_WORDS)]
    for n, chunk in enumerate(chunks):
        await sleep(rt, ctx, seconds / len(chunks))
        piece = chunk + (" " if n < len(chunks) - 1 else "")
        rt.log.publish_preview(
            {
                "type": "event_delta",
                "event_id": msg_id,
                "delta": {
                    "type": "content_delta",
                    "index": 0,
                    "content": {"type": "text", "text": piece},
                },
            },
            thread_id=ctx.thread,
        )
    rt.emit(
        "agent.message",
        {"content": [{"type": "text", "text": text}]},
        thread=ctx.thread,
        event_id=msg_id,
    )
    await step(rt)


def _tool_use(rt: SessionRuntime, ctx: Ctx, call: ToolCall, values: dict) -> dict:
    """Emit a tool-use event; register it as pending when the user must answer."""
    fields: dict = {"name": call.name, "input": fill(call.input, values)}
    if call.custom:
        event = rt.emit("agent.custom_tool_use", fields, thread=ctx.thread)
        rt.pending[event["id"]] = Pending(ctx.thread, "custom")
        return event
    kind = "agent.tool_use"
    if call.mcp_server is not None:
        kind, fields = "agent.mcp_tool_use", {"mcp_server_name": call.mcp_server, **fields}
    permission, evaluation = evaluate(ctx.agent["tools"], call)
    fields["evaluated_permission"] = permission
    if evaluation is not None:
        fields["evaluation"] = evaluation
    event = rt.emit(kind, fields, thread=ctx.thread)
    if permission == "ask":
        rt.pending[event["id"]] = Pending(ctx.thread, "confirm")
    return event


async def _await_answers(rt: SessionRuntime, ctx: Ctx, uses: list[dict]) -> None:
    """Idle with ``requires_action`` until every pending use of this request is answered."""
    waiting = [
        u["id"] for u in uses if u["id"] in rt.pending and rt.pending[u["id"]].answer is None
    ]
    if not waiting:
        return
    idle = None
    if ctx.thread is not None:
        idle = rt.emit(
            "session.thread_status_idle",
            {
                **ctx.tag(),
                "stop_reason": {"type": "requires_action", "event_ids": waiting},
                "stop_details": None,
            },
            thread=ctx.thread,
        )
        for use in uses:
            if use["id"] in waiting:  # the cross-posted copy names the child thread
                rt.log.append({**use, "session_thread_id": ctx.thread, "processed_at": rt.now()})
        rt.log.append(idle)
    rt.waiting_action = True
    rt.emit_idle({"type": "requires_action", "event_ids": waiting})
    try:
        while any(rt.pending[i].answer is None for i in waiting if i in rt.pending):
            await rt.wait_poke()
            await checkpoint(rt, ctx)
    finally:
        rt.waiting_action = False
    # The inbox emitted session.status_running when the last answer arrived.
    if ctx.thread is not None:
        # Only on the child's view: the primary stream already shows session.status_running.
        rt.emit("session.thread_status_running", ctx.tag(), thread=ctx.thread)


async def _tool_result(
    rt: SessionRuntime, ctx: Ctx, call: ToolCall, use: dict, values: dict
) -> None:
    """Run (or refuse) one tool call and emit its result; custom tools have the user's."""
    pending = rt.pending.pop(use["id"], None)
    if call.custom:
        return
    answer = pending.answer if pending else None
    if use.get("evaluated_permission") == "deny" or (answer and answer["result"] == "deny"):
        if answer is not None:
            reason = answer.get("deny_message")
            text = "Tool call denied by user" + (f": {reason}" if reason else ".")
        else:
            text = "Tool call denied by permission policy."
        content, is_error = [{"type": "text", "text": text}], True
    else:
        await sleep(rt, ctx, call.seconds, interruptible=False)
        if call.name == "web_search" and call.mcp_server is None:
            rt.web_searches += 1
        content, is_error = [{"type": "text", "text": fill(call.output, values)}], call.is_error
    if call.mcp_server is not None:
        fields = {"mcp_tool_use_id": use["id"], "content": content, "is_error": is_error}
        rt.emit("agent.mcp_tool_result", fields, thread=ctx.thread)
    else:
        fields = {"tool_use_id": use["id"], "content": content, "is_error": is_error}
        rt.emit("agent.tool_result", fields, thread=ctx.thread)
    await step(rt)
