"""One session's engine: status, usage, the work queue and the asyncio task that plays turns.

The runtime owns everything that changes while a session lives; :mod:`drover.sim.engine.turns` plays
scripted turns through it and :mod:`drover.sim.engine.inbox` applies what clients send. All of it
runs on the sim's event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from drover.sim.engine.pace import Pace
from drover.sim.engine.record import SessionRecord
from drover.sim.scenarios.script import Scenario
from drover.sim.wire.ids import Clock, IdFactory, parse_rfc3339, rfc3339
from drover.sim.wire.pricing import (
    budget_cents,
    money,
    runtime_cost_usd,
    to_cents,
    token_cost_usd,
)

TOKEN_FIELDS = ("input_tokens", "output_tokens", "cache_read_input_tokens")


@dataclass
class Pending:
    """A tool use waiting for the user: a confirmation (``ask``) or a custom tool result."""

    thread_id: str | None
    kind: str  # "confirm" | "custom"
    answer: dict | None = None


@dataclass
class WorkItem:
    """A queued user event that starts work: a ``user.message`` or ``user.define_outcome``."""

    echo: dict
    started: bool = False
    extra: list[dict] = field(default_factory=list)  # a trailing system.message


class SessionRuntime:
    """The live state of one session and the task that plays its scenario.

    Args:
        record: The session's record (resource, log, threads).
        ids: Id factory (shared by the domain; unique across runs).
        clock: The session's clock.
        pace: Playback speed.
        scenario: The scenario the session's agent plays.
        scenarios: All scenarios (delegated threads may play another one).
        rng: The session's seeded generator (fills ``{vars}``).
        play: Plays one work item to its idle: :func:`drover.sim.engine.turns.play_item`
            (passed in because the turn players build on this module).
        duplicate_user_events: Callable telling whether queued copies are on (the default).
    """

    def __init__(
        self,
        record: SessionRecord,
        *,
        ids: IdFactory,
        clock: Clock,
        pace: Pace,
        scenario: Scenario,
        scenarios: dict[str, Scenario],
        rng: random.Random,
        play: Callable[[SessionRuntime, WorkItem], Awaitable[None]],
        duplicate_user_events: Callable[[], bool] = lambda: True,
    ) -> None:
        self.record, self.log = record, record.log
        self.ids, self.clock, self.pace = ids, clock, pace
        self.scenario, self.scenarios, self.rng = scenario, scenarios, rng
        self.vars = scenario.choose_vars(rng)
        self.duplicate_user_events = duplicate_user_events
        self._play = play
        self.queue: deque[WorkItem] = deque()
        self.current: WorkItem | None = None
        self.pending: dict[str, Pending] = {}
        self.waiting_action = False
        self.budget_paused = False
        self.interrupts: list[dict] = []
        self.messages_answered = 0
        self.primary_thread_id: str = ""
        self.token_usd = 0.0
        self.tokens = {k: 0 for k in TOKEN_FIELDS} | {"cache_write": 0}
        self.web_searches = 0
        self.thread_tokens: dict[str, dict] = {}
        self.thread_clock: dict[str, dict] = {}
        self._active = 0.0
        self._run_started: float | None = None
        self._last: datetime | None = None
        self._poke: asyncio.Event | None = None
        self._interrupt: asyncio.Event | None = None
        self._task: asyncio.Task | None = None

    # -- time, ids, events ---------------------------------------------------------------

    def now(self) -> str:
        """The next timestamp: the clock's, but never before the previous one (§16)."""
        moment = self.clock.now()
        if self._last is not None and moment < self._last:
            moment = self._last
        self._last = moment
        return rfc3339(moment)

    def make(self, kind: str, fields: dict | None = None, *, event_id: str | None = None) -> dict:
        """A new persisted event (not yet appended)."""
        return {
            "type": kind,
            "id": event_id or self.ids.new("sevt"),
            **(fields or {}),
            "processed_at": self.now(),
        }

    def emit(
        self,
        kind: str,
        fields: dict | None = None,
        *,
        thread: str | None = None,
        cross_post: bool = False,
        event_id: str | None = None,
    ) -> dict:
        """Create and append an event to a view (``thread`` None = session view)."""
        event = self.make(kind, fields, event_id=event_id)
        self.log.append(event, thread_id=thread, cross_post=cross_post)
        return event

    # -- status and usage ----------------------------------------------------------------

    @property
    def status(self) -> str:
        return self.record.resource["status"]

    def set_status(self, status: str) -> None:
        """Change the session status, metering running time and touching ``updated_at``."""
        resource = self.record.resource
        mono = self.clock.monotonic()
        if self._run_started is not None and status != "running":
            self._active += mono - self._run_started
            self._run_started = None
        elif self._run_started is None and status == "running":
            self._run_started = mono
        resource["status"] = status
        resource["updated_at"] = self.now()
        primary = self.record.threads.get(self.primary_thread_id)
        if primary is not None:
            self._update_primary(primary, status)
        self.refresh_usage()

    def _update_primary(self, primary: dict, status: str) -> None:
        """The primary thread mirrors the session: status, stats, usage (set at each idle)."""
        primary["status"] = status
        primary["updated_at"] = self.record.resource["updated_at"]
        created = parse_rfc3339(primary["created_at"])
        duration = max(0.0, (self.clock.now() - created).total_seconds())
        active = self.active_seconds()
        primary["stats"] = {
            "active_seconds": active,
            "duration_seconds": round(duration, 3),
            "startup_seconds": 0,
        }
        if status == "idle":
            model_id = self.record.resource["agent"]["model"]["id"]
            primary["usage"] = self.thread_usage(primary["id"], model_id, active)

    def active_seconds(self) -> float:
        running = self.clock.monotonic() - self._run_started if self._run_started is not None else 0
        return round(self._active + running, 3)

    def cost_cents(self) -> int:
        return to_cents(self.token_usd + runtime_cost_usd(self.active_seconds()))

    def add_tokens(self, model_id: str, usage: dict, thread: str | None = None) -> None:
        """Account one model request's ``model_usage`` (span shape), also per child thread."""
        per_thread = self.thread_tokens.setdefault(
            thread or self.primary_thread_id, {k: 0 for k in self.tokens}
        )
        totals = [self.tokens, per_thread]
        for total in totals:
            for key in TOKEN_FIELDS:
                total[key] += usage[key]
            total["cache_write"] += usage["cache_creation_input_tokens"]
        self.token_usd += token_cost_usd(model_id, _session_usage_shape(usage))
        self.refresh_usage()

    def usage(self) -> dict:
        """The session's ``usage`` object as of now."""
        return {
            **{k: self.tokens[k] for k in TOKEN_FIELDS},
            "cache_creation": {
                "ephemeral_5m_input_tokens": self.tokens["cache_write"],
                "ephemeral_1h_input_tokens": 0,
            },
            "list_cost": money(self.cost_cents()),
            "active_seconds": self.active_seconds(),
            "server_tool_use": {"web_search_requests": self.web_searches, "web_fetch_requests": 0},
        }

    def thread_usage(self, thread: str, model_id: str, active: float) -> dict:
        """A child thread's ``usage``: its tokens and their cost (runtime excluded, §5.4)."""
        tokens = self.thread_tokens.get(thread, {k: 0 for k in self.tokens})
        shaped = {k: tokens[k] for k in TOKEN_FIELDS} | {
            "cache_creation": {
                "ephemeral_5m_input_tokens": tokens["cache_write"],
                "ephemeral_1h_input_tokens": 0,
            }
        }
        cost = to_cents(token_cost_usd(model_id, shaped))
        return shaped | {"list_cost": money(cost), "active_seconds": round(active, 3)}

    def refresh_usage(self) -> None:
        usage = self.usage()
        self.record.resource["usage"] = usage
        self.record.resource["stats"]["active_seconds"] = usage["active_seconds"]

    def over_budget(self) -> bool:
        """Whether list cost has reached the budget (work-starting sends are refused)."""
        cap = budget_cents(self.record.resource["budget"])
        return cap is not None and self.cost_cents() >= cap

    def emit_idle(self, stop_reason: dict, stop_details: dict | None = None) -> None:
        """``session.usage`` then ``session.status_idle`` (the protocol's fixed pair)."""
        self.set_status("idle")
        self.emit(
            "session.usage", {"usage": self.usage(), "budget": self.record.resource["budget"]}
        )
        self.emit("session.status_idle", {"stop_reason": stop_reason, "stop_details": stop_details})

    def emit_running(self) -> None:
        self.set_status("running")
        self.emit("session.status_running")

    def terminate(self) -> None:
        """End the session for good: ``terminated``, ``session.status_terminated``."""
        self.queue.clear()
        self.pending.clear()
        self.waiting_action = self.budget_paused = False
        self.set_status("terminated")
        for thread in self.record.threads.values():
            thread["status"] = "terminated"
        self.record.ended_at = self.clock.now()
        self.emit("session.status_terminated")
        self.poke()

    # -- the task ------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        """An item is being played (possibly paused on a confirmation or the budget)."""
        return self.current is not None or bool(self.queue)

    def poke(self) -> None:
        """Wake the task (new work, an answer, an interrupt, a budget change)."""
        if self._poke is not None:
            self._poke.set()

    def ensure_task(self) -> None:
        """Start the playing task if work is queued and a loop runs (else :meth:`start` will)."""
        if self._task is not None or self.status == "terminated":
            return
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return
        self._poke = asyncio.Event()
        self._interrupt = asyncio.Event()
        if self.interrupts:
            self._interrupt.set()
        self._task = asyncio.create_task(self._main(), name=f"sim-session-{self.record.id}")
        self._poke.set()

    async def stop(self) -> None:
        """Cancel the playing task."""
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def cancel(self) -> None:
        """Cancel the task without waiting (archive/delete from sync code)."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._task = None

    async def wait_poke(self) -> None:
        assert self._poke is not None
        await self._poke.wait()
        self._poke.clear()

    def interrupt_flag(self) -> asyncio.Event | None:
        """Set while an interrupt waits: real sleeps end early on it."""
        return self._interrupt

    def request_interrupt(self, echo: dict) -> None:
        """Queue a ``user.interrupt`` for the task's next checkpoint (it jumps the queue)."""
        self.interrupts.append(echo)
        if self._interrupt is not None:
            self._interrupt.set()
        self.poke()

    def flush_interrupts(self) -> bool:
        """Append the processed copies of pending interrupts; whether there were any."""
        if not self.interrupts:
            return False
        if self._interrupt is not None:
            self._interrupt.clear()
        for echo in self.interrupts:
            self.log.append({**echo, "processed_at": self.now()})
        self.interrupts.clear()
        return True

    def start_item(self, item: WorkItem) -> None:
        """Process a work item's user event: echo with a timestamp, then ``status_running``."""
        item.echo["processed_at"] = self.now()
        self.log.append(dict(item.echo))
        for extra in item.extra:
            extra["processed_at"] = item.echo["processed_at"]
            self.log.append(dict(extra))
        item.started = True
        self.emit_running()

    async def _main(self) -> None:
        while self.status != "terminated":
            if not self.queue:
                self.flush_interrupts()
                await self.wait_poke()
                continue
            item = self.queue[0]
            self.current = item
            try:
                self.flush_interrupts()
                if not item.started:
                    self.start_item(item)
                elif self.status != "running":  # a define_outcome echoed on receipt
                    self.emit_running()
                self.queue.popleft()
                await self._play(self, item)
            finally:
                self.current = None
            await self.pace.after_event(self.clock)


def _session_usage_shape(usage: dict) -> dict:
    return {
        **{k: usage[k] for k in TOKEN_FIELDS},
        "cache_creation": {"ephemeral_5m_input_tokens": usage["cache_creation_input_tokens"]},
    }
