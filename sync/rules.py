"""Approve by rule: which pending tool call a profile's rules answer, and the loop that answers.

`match` is pure: a rule (`drover.config.rules.Rule`) answers a call only when the call's tool
is exactly the rule's (`name`, or `server/name` for an MCP tool), the session's agent is the
rule's (its name or id; any agent when the rule names none), the rule's pattern matches the
call's *whole* input text (`call_text`), and the rule has not lapsed. A custom tool's call
wants a result, not an approval: no rule ever answers one. When an `allow` and a `deny` rule
both match, the deny wins (a rule can only ever narrow what runs by accident).

`RuleRunner` looks at the sessions waiting for approval (one indexed query) about once a second
while the profile has rules in force, and answers each matching call through
`MirrorWrites.answer_by_rule`: one transaction queues the `tool_confirmation` in the outbox
(delivered exactly once like any answer), audits it and shows it in the transcript. It does
nothing while rules are paused (a switch in the mirror, shared by every process on the
profile), and it is never started read-only (`--readonly` applies no rule). Two processes that
both run one cannot answer a call twice: the audit table takes one answer per call.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from drover.config.rules import Rule
from drover.store.extract import ts_key
from drover.store.rule_audit import RuleAnswer
from drover.sync.service import BackgroundLoop

if TYPE_CHECKING:
    from drover.store.api import MirrorReads, MirrorWrites

__all__ = ["Call", "RuleRunner", "active_rules", "call_text", "call_tool", "match"]

log = logging.getLogger("drover.sync.rules")

TICK = 1.0
"""Seconds between looks at the sessions waiting for approval (a wake-up comes sooner)."""
_CONFIRMABLE = (None, "agent.tool_use", "agent.mcp_tool_use")


@dataclass(frozen=True, slots=True)
class Call:
    """A pending tool call, as a rule sees it."""

    session_id: str
    tool_use_id: str
    tool: str
    text: str
    agent_id: str | None
    agent_name: str | None


def call_tool(action: Mapping[str, Any]) -> str | None:
    """The tool a pending action calls as rules name it, or None when no rule may answer it
    (a custom tool, or a call whose tool-use event is not mirrored yet)."""
    if action.get("type") not in _CONFIRMABLE[1:]:
        return None
    name = action.get("name")
    if not isinstance(name, str) or not name:
        return None
    server = action.get("mcp_server_name")
    return f"{server}/{name}" if isinstance(server, str) and server else name


def call_text(value: object) -> str:
    """The input text a rule's pattern must match whole: a bash call's command, the one text
    field of a call that has one, else the input as JSON with sorted keys."""
    if isinstance(value, Mapping):
        if isinstance(value.get("command"), str):
            return str(value["command"])
        if len(value) == 1 and isinstance(next(iter(value.values())), str):
            return str(next(iter(value.values())))
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def active_rules(rules: Mapping[str, Rule], now: datetime) -> dict[str, Rule]:
    """The rules in force at `now` (not lapsed)."""
    return {name: rule for name, rule in rules.items() if rule.active(now)}


def _fits(rule: Rule, call: Call) -> bool:
    if rule.tool != call.tool:
        return False
    if rule.agent is not None and rule.agent not in (call.agent_id, call.agent_name):
        return False
    return re.fullmatch(rule.input, call.text) is not None


def match(rules: Mapping[str, Rule], call: Call, now: datetime) -> tuple[str, Rule] | None:
    """The rule that answers `call` at `now` (a deny before any allow), or None."""
    fitting = [(name, rule) for name, rule in rules.items() if rule.active(now)]
    fitting = [(name, rule) for name, rule in fitting if _fits(rule, call)]
    denies = [item for item in fitting if item[1].action == "deny"]
    chosen = denies or fitting
    return chosen[0] if chosen else None


def pending_calls(row: Any) -> list[Call]:
    """The calls of a session row (`SessionRow`) that a rule could answer."""
    out = []
    for action in row.pending_actions:
        tool = call_tool(action) if isinstance(action, Mapping) else None
        use = action.get("event_id") if isinstance(action, Mapping) else None
        if tool is None or not isinstance(use, str):
            continue
        text = call_text(action.get("input"))
        out.append(Call(row.id, use, tool, text, row.agent_id, row.agent_name))
    return out


class RuleRunner(BackgroundLoop):
    """Answers the calls a profile's rules match (see the module docstring).

    Args:
        reader: the mirror's reader.
        writer: the mirror's writer.
        rules: the profile's rules by name.
        clock: now (UTC); injected by tests to see a rule lapse.
        on_answer: called with the outbox's wake-up after each answer queued.
        tick: seconds between looks.
    """

    task_name = "rule-runner"

    def __init__(
        self,
        reader: MirrorReads,
        writer: MirrorWrites,
        rules: Mapping[str, Rule] | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
        on_answer: Callable[[], None] | None = None,
        tick: float = TICK,
    ) -> None:
        self._reader = reader
        self._writer = writer
        self.rules: dict[str, Rule] = dict(rules or {})
        self._clock = clock or (lambda: datetime.now(UTC))
        self._on_answer = on_answer
        self._tick = tick
        self._wake = asyncio.Event()
        self.answered = 0
        """Calls answered by this runner since it started."""

    def set_rules(self, rules: Mapping[str, Rule]) -> None:
        """Replace the rules (the config changed); looks again at once."""
        self.rules = dict(rules)
        self._wake.set()

    def poke(self) -> None:
        """Look now (new events arrived)."""
        self._wake.set()

    async def run_once(self) -> list[int]:
        """Answer every waiting call a rule in force matches; returns the audit ids."""
        now = self._clock()
        rules = active_rules(self.rules, now)
        if not rules:
            return []
        if await asyncio.to_thread(self._reader.rules_paused) is not None:
            return []
        rows = await asyncio.to_thread(self._reader.asking_sessions)
        done: list[int] = []
        for row in rows:
            for call in pending_calls(row):
                found = match(rules, call, now)
                if found is None:
                    continue
                name, rule = found
                answer = RuleAnswer(
                    call.session_id, call.tool_use_id, name, rule.action == "allow", call.tool,
                    call.agent_name or call.agent_id, call.text,
                    rule.to_data(json=True, exclude_none=True), rule.deny_message,
                    ts_key(now.isoformat()) or "",
                )  # fmt: skip
                audit_id = await self._writer.answer_by_rule(answer)
                if audit_id is not None:
                    done.append(audit_id)
                    log.info("rule %s %sed %s in %s", name, rule.action, call.tool_use_id,
                             call.session_id)  # fmt: skip
        if done:
            self.answered += len(done)
            if self._on_answer is not None:
                self._on_answer()
        return done

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:  # a broken read or write: the next look tries again
                log.exception("rules: answering failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._tick)
