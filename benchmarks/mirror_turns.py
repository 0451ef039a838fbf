"""One generated session's events, turn by turn, with an exact event count.

A turn is: `user.message`, `session.status_running`, some *blocks* (a model request with tool
calls and their results, with a confirmation round trip when a tool asks; a text-only request;
a retried model error; a hand-off to a child thread), a final model request (a message, an
interrupt or an exhausted error), `session.usage`, `session.status_idle`. Every block has a
known size, so a turn is planned to exactly the number of events asked for: that is what makes
the generator's `--events` exact.

Events go onto one timeline of `(thread_id | None, event)` in time order; the caller ingests
consecutive runs of one lane together, so local seq order matches time order (as when the
session and thread streams are followed live).
"""

from __future__ import annotations

import random
from typing import Any

from mirror_calls import Tokens, ToolCall, draw_call, new_id, stamp
from mirror_content import BASH_COMMON, COMMON_MESSAGES, FOLLOWUPS, RARE_WORD
from mirror_profiles import CHILD_AGENTS, Profile

SKELETON = 7
"""Events of the smallest turn: user.message, running, final request (3), usage, idle."""
_ERRORS = (
    ("model_overloaded_error", "The model is currently overloaded."),
    ("model_rate_limited_error", "Rate limited by the model provider."),
    ("model_request_failed_error", "Model request failed."),
)
_DENIALS = (
    "Not in production, please.",
    "Don't delete caches; just run pytest -q.",
    "Ask me before touching the database.",
)
_USAGE_KEYS = (
    "input_tokens",
    "output_tokens",
    "cache_read_input_tokens",
    "cache_creation_input_tokens",
)
ENDINGS = ("end_turn", "interrupt", "retries_exhausted", "budget_reached")


class SessionEvents:
    """Builds one session's timeline (see the module docstring).

    Args:
        rng: the session's own random source (seeded per session: deterministic).
        profile: the agent profile it plays.
        values: the session's template variables.
        start_ms: epoch milliseconds of the first event.
        budget: the session's `budget` object or None. Every `session.usage` refers to this
            same dict, so the caller can settle the cap once the costs are known.
    """

    def __init__(
        self,
        rng: random.Random,
        profile: Profile,
        values: dict[str, Any],
        start_ms: int,
        budget: dict[str, Any] | None,
    ) -> None:
        self.rng = rng
        self.profile = profile
        self.values = values
        self.start_ms = self.t = start_ms
        self.budget = budget
        self.tokens = Tokens(profile.model)
        self.timeline: list[tuple[str | None, dict[str, Any]]] = []
        self.primary_thread = new_id(rng, "sthr_") if profile.delegates else None
        self.children: dict[str, str] = {}  # child agent name -> thread id
        self.thread_started: dict[str, int] = {}  # thread id -> ms created
        self.last_usage: dict[str, Any] | None = None
        self.cost_before_last_turn = 0
        self.gap_ms = (60_000, 7_200_000)
        """Pause before each user message (ms range): the user reading, then replying."""
        self._running_since = start_ms

    # -- primitives ------------------------------------------------------------------------

    def fill(self, template: str) -> str:
        """`template` with the session's variables (and a fresh number for `{n}`)."""
        return template.format(n=self.rng.randint(2, 480), **self.values)

    def _ev(self, etype: str, dt_ms: int, lane: str | None = None, **fields: Any) -> dict:
        self.t += dt_ms
        event = {"type": etype, "id": new_id(self.rng, "sevt_"), **fields}
        event["processed_at"] = stamp(self.t)
        self.timeline.append((lane, event))
        return event

    def _text(self, template: str) -> list[dict[str, str]]:
        return [{"type": "text", "text": self.fill(template)}]

    def _message(self, lane: str | None) -> None:
        text = self.fill(self.rng.choice(self.profile.messages + COMMON_MESSAGES))
        if self.rng.random() < 1 / 5_000:
            text += f" It looks like a {RARE_WORD}: it only fails under load."
        content = [{"type": "text", "text": text}]
        self._ev("agent.message", self.rng.randint(400, 2500), lane, content=content)

    def _model_usage(self, error: bool) -> dict[str, int]:
        if error:  # a failed request used nothing
            return dict.fromkeys(_USAGE_KEYS, 0)
        rng = self.rng
        usage = {
            "input_tokens": rng.randint(80, 4500),
            "output_tokens": rng.randint(20, 900),
            "cache_read_input_tokens": rng.choice((0, rng.randint(2000, 40_000))),
            "cache_creation_input_tokens": rng.choice((0, 0, rng.randint(500, 6000))),
        }
        self.tokens.add(usage)
        return usage

    def _request(
        self,
        lane: str | None,
        *,
        thinking: bool = False,
        message: bool = False,
        calls: tuple[ToolCall, ...] = (),
        error: bool = False,
    ) -> list[dict]:
        """start, [thinking], [message], tool uses, end; returns the tool-use events."""
        start = self._ev("span.model_request_start", self.rng.randint(20, 60), lane)
        if thinking:
            self._ev("agent.thinking", self.rng.randint(800, 4000), lane)
        if message:
            self._message(lane)
        uses = []
        for call in calls:
            etype, fields = call.use_event()
            uses.append(self._ev(etype, self.rng.randint(40, 120), lane, **fields))
            self.tokens.web_searches += call.tool == "web_search"
        self._ev(
            "span.model_request_end",
            self.rng.randint(10, 30),
            lane,
            model_request_start_id=start["id"],
            is_error=error,
            model_usage=self._model_usage(error),
        )
        return uses

    def _result(self, call: ToolCall, use: dict, lane: str | None, denial: str | None) -> None:
        etype, fields = call.result_event(use["id"], denial)
        self._ev(etype, self.rng.randint(80, 9000), lane, **fields)

    def _running(self, dt_ms: int) -> None:
        self._ev("session.status_running", dt_ms)
        self._running_since = self.t

    def _idle(self, stop_reason: dict[str, Any]) -> None:
        # Runtime is billed while running; waiting for the user is idle time.
        self.tokens.active_ms += self.t + 20 - self._running_since
        usage = self.tokens.usage()
        self.last_usage = self._ev("session.usage", 20, usage=usage, budget=self.budget)
        self._ev("session.status_idle", 5, stop_reason=stop_reason, stop_details=None)

    # -- blocks ------------------------------------------------------------------------------

    def _plan_tools(self, room: int) -> dict[str, Any]:
        k = self.rng.randint(1, min(3, (room - 2) // 2))
        fits_ask = room >= 2 + 2 * k + 4
        calls = tuple(
            draw_call(self.rng, self.profile, self.fill, asks_ok=fits_ask and i == 0)
            for i in range(k)
        )
        block = {"kind": "tools", "calls": calls, "thinking": False, "message": False}
        block["size"] = 2 + 2 * k + (4 if calls[0].asks else 0)
        for flag, chance in (("thinking", 0.35), ("message", 0.5)):
            if block["size"] < room and self.rng.random() < chance:
                block[flag] = True
                block["size"] += 1
        return block

    def _plan_block(self, room: int) -> dict[str, Any]:
        """The next block of a turn, at most `room` (≥ 3) events."""
        roll = self.rng.random()
        if self.profile.delegates and room >= 14 and roll < 0.12:
            child = self.rng.choice(CHILD_AGENTS)
            size = 13 if child in self.children else 14  # + session.thread_created
            self.children.setdefault(child, new_id(self.rng, "sthr_"))
            return {"kind": "delegate", "child": child, "size": size}
        if room >= 5 and roll > 0.96:
            return {"kind": "retry", "size": 5}
        if roll > 0.92 or room < 4:
            return {"kind": "text", "thinking": False, "message": True, "size": 3}
        return self._plan_tools(room)

    def _emit_tools(self, block: dict[str, Any]) -> None:
        calls = block["calls"]
        uses = self._request(
            None, thinking=block["thinking"], message=block["message"], calls=calls
        )
        denial = None
        if calls[0].asks:
            self._idle({"type": "requires_action", "event_ids": [uses[0]["id"]]})
            answer: dict[str, Any] = {"result": "allow"}
            if self.rng.random() < 0.15:
                denial = self.rng.choice(_DENIALS)
                answer = {"result": "deny", "deny_message": denial}
            wait = self.rng.randint(3000, 600_000)
            self._ev("user.tool_confirmation", wait, tool_use_id=uses[0]["id"], **answer)
            self._running(30)
        for i, (call, use) in enumerate(zip(calls, uses, strict=True)):
            self._result(call, use, None, denial if i == 0 else None)

    def _error(self, retry: str) -> None:
        kind, message = self.rng.choice(_ERRORS)
        self._request(None, error=True)
        error = {"type": kind, "message": message, "retry_status": {"type": retry}}
        self._ev("session.error", 10, error=error)

    def _emit_retry(self) -> None:
        self._error("retrying")
        self._ev("session.status_rescheduled", 10)
        self._ev("session.status_running", self.rng.randint(2000, 15_000))

    def _emit_delegate(self, child: str) -> None:
        """Hand a task to a child thread and take its report (the thread's own lane)."""
        thread, primary = self.children[child], self.primary_thread
        task = self._text("Review the {module} changes for PR #{pr} and run the tests.")
        if thread not in self.thread_started:
            self.thread_started[thread] = self.t
            self._ev("session.thread_created", 200, session_thread_id=thread,
                     agent_name=child, workflow_run_id=None)  # fmt: skip
        self._ev("agent.thread_message_sent", 20, to_session_thread_id=thread,
                 to_agent_name=child, content=task)  # fmt: skip
        self._ev("session.thread_status_running", 50, session_thread_id=thread, agent_name=child)
        self._ev("agent.thread_message_received", 5, thread, from_session_thread_id=primary,
                 content=task)  # fmt: skip
        command, output, failed = self.rng.choice(BASH_COMMON)
        call = ToolCall("bash", {"command": self.fill(command)}, self.fill(output), failed, False)
        uses = self._request(thread, calls=(call,))
        self._result(call, uses[0], thread, None)
        self._request(thread, message=True)
        report = self._text("Reviewed {module}: {n} tests pass; one nit in {file}.py.")
        self._ev("agent.thread_message_sent", 10, thread, to_session_thread_id=primary,
                 content=report)  # fmt: skip
        self._ev("session.thread_status_idle", 10, thread, session_thread_id=thread,
                 agent_name=child, stop_reason={"type": "end_turn"}, stop_details=None)  # fmt: skip
        self._ev("agent.thread_message_received", 5, from_session_thread_id=thread,
                 from_agent_name=child, content=report)  # fmt: skip

    # -- turns -------------------------------------------------------------------------------

    def turn(self, size: int, *, first: bool, ending: str = "end_turn") -> None:
        """Append one turn of exactly `size` (≥ `SKELETON`) events.

        Args:
            size: events in the turn.
            first: the kickoff turn (the prompt) rather than a follow-up.
            ending: one of `ENDINGS`.
        """
        if size < SKELETON or ending not in ENDINGS:
            raise ValueError(f"bad turn: {size} events (≥ {SKELETON}), ending {ending!r}")
        self.cost_before_last_turn = self.tokens.cents()
        extra, blocks = size - SKELETON, []
        while extra >= 3:
            blocks.append(self._plan_block(extra))
            extra -= blocks[-1]["size"]
        # 0-2 events left: switch on thinking/message in planned requests, then thinking in
        # the final one, then steering user.message(s) sent while the agent runs.
        for block in blocks:
            for flag in ("thinking", "message"):
                if extra and block.get(flag) is False:
                    block[flag], extra = True, extra - 1
        final_thinking = bool(extra) and ending != "retries_exhausted"
        extra -= final_thinking
        prompt = self.rng.choice(self.profile.prompts) if first else self.rng.choice(FOLLOWUPS)
        self._ev("user.message", self.rng.randint(*self.gap_ms), content=self._text(prompt))
        self._running(40)
        for _ in range(extra):
            steer = self._text("Also keep an eye on {file}.py while you're there.")
            self._ev("user.message", self.rng.randint(500, 5000), content=steer)
        for block in blocks:
            if block["kind"] == "tools":
                self._emit_tools(block)
            elif block["kind"] == "text":
                self._request(None, thinking=block["thinking"], message=True)
            elif block["kind"] == "retry":
                self._emit_retry()
            else:
                self._emit_delegate(block["child"])
        self._final(ending, final_thinking)

    def _final(self, ending: str, thinking: bool) -> None:
        if ending == "retries_exhausted":
            self._error("exhausted")
        elif ending == "interrupt":
            start = self._ev("span.model_request_start", 30)
            if thinking:
                self._ev("agent.thinking", self.rng.randint(800, 3000))
            self._ev("user.interrupt", self.rng.randint(1000, 20_000))
            self._ev("span.model_request_end", 10, model_request_start_id=start["id"],
                     is_error=False, model_usage=self._model_usage(False))  # fmt: skip
        else:
            self._request(None, thinking=thinking, message=True)
        self._idle({"type": "end_turn" if ending == "interrupt" else ending})
