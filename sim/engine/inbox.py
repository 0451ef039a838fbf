"""Applying what clients send to a session (§7): receipts, queueing, answers, interrupts.

:func:`check_sends` raises for anything the session's state refuses, before
:func:`apply_sends` changes anything, so a rejected request leaves no trace.
"""

from __future__ import annotations

import copy

from drover.sim.engine.runtime import SessionRuntime, WorkItem
from drover.sim.wire.errors import conflict, invalid

#: What a session paused at its budget still accepts (§7.3).
BUDGET_ALLOWED = (
    "user.tool_confirmation",
    "user.tool_result",
    "user.custom_tool_result",
    "user.interrupt",
)
WORK_STARTING = ("user.message", "user.define_outcome", "system.message")


def check_sends(rt: SessionRuntime, events: list[dict], environment: dict | None) -> None:
    """Raise :class:`SimError` if the session's state refuses any of ``events``."""
    resource = rt.record.resource
    if resource["archived_at"] is not None or resource["status"] == "terminated":
        state = "archived" if resource["archived_at"] else "terminated"
        raise conflict(f"session {resource['id']!r} is {state}; it accepts no new events")
    # Only a session *paused* at its budget refuses work; an over-budget session that ended its
    # turn normally accepts a message and pauses before that turn's first model request.
    if rt.budget_paused and any(e["type"] in WORK_STARTING for e in events):
        raise invalid(
            "session is paused at its budget (budget_reached); only "
            + ", ".join(BUDGET_ALLOWED)
            + " are accepted until the budget is raised or removed"
        )
    answered: set[str] = set()
    for i, event in enumerate(events):
        kind = event["type"]
        where = f"body.events[{i}]"
        if kind == "user.tool_result":
            if (environment or {}).get("config", {}).get("type") != "self_hosted":
                raise invalid(
                    f"{where}: user.tool_result is only valid in self_hosted environments"
                )
            raise invalid(f"{where}.tool_use_id: no pending tool use with this id")
        if kind in ("user.tool_confirmation", "user.custom_tool_result"):
            key = "tool_use_id" if kind == "user.tool_confirmation" else "custom_tool_use_id"
            want = "confirm" if kind == "user.tool_confirmation" else "custom"
            pending = rt.pending.get(event[key])
            if (
                pending is None
                or pending.kind != want
                or pending.answer is not None
                or event[key] in answered
            ):
                raise invalid(
                    f"{where}.{key}: {event[key]!r} is not a tool use awaiting "
                    f"{'confirmation' if want == 'confirm' else 'a result'}"
                )
            answered.add(event[key])
        thread = event.get("session_thread_id") if kind == "user.interrupt" else None
        if thread and thread not in rt.record.threads:
            raise invalid(f"{where}.session_thread_id: unknown thread")


def apply_sends(rt: SessionRuntime, events: list[dict]) -> list[dict]:
    """Apply checked ``events``; return the receipt echoes (copies, as of the moment of receipt).

    With queued copies on (the default, as the real API behaves), ``user.message``,
    ``user.interrupt`` and ``user.tool_confirmation`` are queued first: the receipt shows them
    with ``processed_at: null``, live streams get that queued copy, and the processed copy
    follows once the session gets to them (at once when it is free).
    """
    copies = rt.duplicate_user_events()
    receipts: list[dict] = []
    answers = False
    echoes = [{"type": e["type"], "id": rt.ids.new("sevt"), **copy.deepcopy(e)} for e in events]
    attached: dict[int, dict] = {}  # index of a trailing system.message → its receipt
    for at, (event, echo) in enumerate(zip(events, echoes, strict=True)):
        kind = event["type"]
        if kind == "user.define_outcome":
            echo.setdefault("max_iterations", None)  # required-nullable on the echo
        if kind in ("user.message", "user.define_outcome"):
            if kind == "user.define_outcome":
                echo["outcome_id"] = rt.ids.new("outc")
            item = WorkItem(echo)
            if at + 1 < len(events) and events[at + 1]["type"] == "system.message":
                # It applies to the turn of this message: processed together with it.
                echoes[at + 1]["processed_at"] = None
                item.extra.append(echoes[at + 1])
                attached[at + 1] = copy.deepcopy(echoes[at + 1])
            receipts.append(_enqueue(rt, item, copies))
            continue
        if kind == "system.message":
            if at in attached:  # processed with its message; its receipt is taken already
                continue
            echo["processed_at"] = rt.now()  # it trails a tool result: processed on receipt
            rt.log.append(dict(echo))
        elif kind == "user.interrupt":
            echo["processed_at"] = None
            _transient(rt, echo, copies)
            if rt.busy or copies:
                receipts.append(copy.deepcopy(echo))
            if rt.busy:
                rt.request_interrupt(echo)
                continue
            echo["processed_at"] = rt.now()  # nothing runs: processed at once
            rt.log.append(dict(echo))
            if copies:
                continue
        else:  # answers: routed by tool-use id
            key = "tool_use_id" if kind == "user.tool_confirmation" else "custom_tool_use_id"
            pending = rt.pending[event[key]]
            echo.pop("session_thread_id", None)
            if pending.thread_id is not None:
                echo["session_thread_id"] = pending.thread_id
            if copies and kind == "user.tool_confirmation":
                echo["processed_at"] = None
                _transient(rt, echo, copies)
                receipts.append(copy.deepcopy(echo))
            echo["processed_at"] = rt.now()
            pending.answer = echo
            # Answers land on the session view only, even when routed to a child thread
            # (multiagent_delegation example); session_thread_id names the child.
            rt.log.append(dict(echo))
            answers = True
            if copies and kind == "user.tool_confirmation":
                continue
        receipts.append(copy.deepcopy(echo))
    if answers:
        _after_answers(rt)
    rt.ensure_task()
    rt.poke()
    for index in sorted(attached):  # a trailing system.message, in its place
        receipts.insert(index, attached[index])
    return receipts


def _enqueue(rt: SessionRuntime, item: WorkItem, copies: bool) -> dict:
    """Start ``item`` now if the session is free, else queue it; return its receipt.

    With queued copies on, a ``user.message`` always passes through the queue: its receipt and
    first stream copy carry ``processed_at: null``, even when the session starts it at once.
    """
    outcome = item.echo["type"] == "user.define_outcome"
    free = not rt.busy and rt.status == "idle"
    if outcome:
        # Processed on receipt (its echo is timestamped) even when work waits.
        if free:
            rt.queue.append(item)
            rt.start_item(item)
            return copy.deepcopy(item.echo)
        item.echo["processed_at"] = rt.now()
        rt.log.append(dict(item.echo))
        item.started = True  # its echo is in history; the turn starts with status_running
        rt.queue.append(item)
        return copy.deepcopy(item.echo)
    item.echo["processed_at"] = None
    _transient(rt, item.echo, copies)
    receipt = copy.deepcopy(item.echo)
    rt.queue.append(item)
    if free:
        rt.start_item(item)
        if not copies:
            receipt = copy.deepcopy(item.echo)
    return receipt


def _transient(rt: SessionRuntime, echo: dict, copies: bool) -> None:
    """Queued copies: show the queued event (``processed_at`` null) to live streams."""
    if copies:
        rt.log.publish_transient(dict(echo))


def _after_answers(rt: SessionRuntime) -> None:
    """After answers while idle on ``requires_action``: re-idle with the rest, or run."""
    if not rt.waiting_action:
        return
    remaining = [i for i, p in rt.pending.items() if p.answer is None]
    if remaining:
        rt.emit_idle({"type": "requires_action", "event_ids": remaining})
    else:
        rt.emit_running()
