"""What every part of a turn uses: its context, the exceptions that end it early, pacing, the
interrupt checkpoint, and closing a model request.

:mod:`drover.sim.engine.turns` plays turns with these, and so do the parts it calls
(:mod:`~drover.sim.engine.budget`, :mod:`~drover.sim.engine.delegation`,
:mod:`~drover.sim.engine.outcomes`), which is why they live below all of them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from drover.sim.engine.runtime import SessionRuntime
from drover.sim.scenarios.script import Request, Turn


class TurnOver(Exception):
    """The turn ends early with this stop reason (refusal, retries exhausted)."""

    def __init__(self, stop_reason: dict, stop_details: dict | None = None) -> None:
        super().__init__(stop_reason["type"])
        self.stop_reason, self.stop_details = stop_reason, stop_details


class Interrupted(Exception):
    """A ``user.interrupt`` was processed; the turn ends with ``end_turn``."""


class Terminated(Exception):
    """A terminal error ended the session."""


class ChildTerminated(Exception):
    """A child thread met an error it cannot come back from: the thread terminates, the
    session goes on."""


@dataclass
class Ctx:
    """Where a turn plays: the primary thread (``thread`` None) or a child thread."""

    thread: str | None
    agent: dict  # the (thread) agent snapshot: tools and model
    values: dict  # placeholder values: scenario vars + {message}
    inflight: str | None = None  # id of an open span.model_request_start
    last_request: Request | None = None
    name: str | None = None  # the agent name threads show (an advisor has none of its own)

    def tag(self) -> dict:
        """The fields of this thread's status events."""
        return {"session_thread_id": self.thread, "agent_name": self.name or self.agent["name"]}

    @property
    def model_id(self) -> str:
        model = self.agent["model"]
        return model["id"] if isinstance(model, dict) else model


#: :func:`drover.sim.engine.turns.play_turn`, handed to the parts of a turn that play turns of
#: their own (delegation, outcomes): they sit below ``turns``, which calls them.
PlayTurn = Callable[[SessionRuntime, Ctx, Turn], Awaitable[None]]


def primary_ctx(rt: SessionRuntime, message: str) -> Ctx:
    return Ctx(None, rt.record.resource["agent"], {**rt.vars, "message": message})


def message_text(echo: dict) -> str:
    return " ".join(b.get("text", "") for b in echo.get("content", []) if b.get("type") == "text")


async def checkpoint(rt: SessionRuntime, ctx: Ctx) -> None:
    """Process a pending interrupt: its echo, then close an open model request."""
    if not rt.flush_interrupts():
        return
    if ctx.inflight is not None:
        end_request(rt, ctx, ctx.last_request, is_error=False, share=0.5)
    rt.pending.clear()
    raise Interrupted


async def sleep(
    rt: SessionRuntime, ctx: Ctx, seconds: float, *, interruptible: bool = True
) -> None:
    await rt.pace.wait(seconds, rt.clock, rt.interrupt_flag() if interruptible else None)
    if interruptible:
        await checkpoint(rt, ctx)


async def step(rt: SessionRuntime) -> None:
    """Pace after an emitted event."""
    await rt.pace.after_event(rt.clock)


def _model_usage(request: Request, share: float = 1.0) -> dict:
    tokens = request.tokens
    return {
        "input_tokens": tokens.get("input", 0),
        "output_tokens": round(tokens.get("output", 0) * share),
        "cache_read_input_tokens": tokens.get("cache_read", 0),
        "cache_creation_input_tokens": tokens.get("cache_write", 0),
    }


def end_request(
    rt: SessionRuntime, ctx: Ctx, request: Request | None, *, is_error: bool, share: float = 1.0
) -> None:
    """Close the open model request with ``span.model_request_end`` and bill its tokens."""
    zero = {
        "input_tokens": 0,
        "output_tokens": 0,
        "cache_read_input_tokens": 0,
        "cache_creation_input_tokens": 0,
    }
    usage = zero if request is None or is_error else _model_usage(request, share)
    rt.add_tokens(ctx.model_id, usage, ctx.thread)
    rt.emit(
        "span.model_request_end",
        {
            "model_request_start_id": ctx.inflight,
            "is_error": is_error,
            "model_usage": usage,
        },
        thread=ctx.thread,
    )
    ctx.inflight = None
