"""Wording for outcomes and automatic answers, shared by the TUI transcript, replay and
``drover tail``.

* An outcome (`user.define_outcome`) and its evaluation: `◎ outcome: …` when defined, `◎
  evaluating outcome · iteration 2` while the grader runs, then its verdict with the grader's
  explanation (`✓ outcome met · iteration 2: …`, `↻ needs revision`, `✗ outcome not met: max
  iterations reached`). Iterations are counted from 1 here (the wire counts from 0). The
  `ongoing` heartbeat says nothing new: it is a progress tick the transcript condenses away.
* An automatic answer by rule (the local `drover.rule_answer` event, see
  `drover.store.rule_audit`): `⚖ allowed by rule pytest · bash $ pytest -q`.

Everything returned is inert (`drover.text.inert`): outcome descriptions and explanations come
from people and graders, and are data.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from drover.text.inert import inert_line
from drover.text.workflow import NewsLine

__all__ = [
    "OUTCOME_MARKS",
    "RULE_EVENT",
    "outcome_cell",
    "outcome_line",
    "outcome_summary",
    "parse_usd",
    "rule_line",
]

RULE_EVENT = "drover.rule_answer"  # drover.store.rule_audit.RULE_EVENT (a local row)
OUTCOME_MARKS = {"met": "✓", "not_met": "✗", "evaluating": "…"}
"""The fleet's OUTCOME column: a session's current outcome by verdict."""
_RESULTS = {
    "satisfied": ("✓", "outcome met", "running"),
    "needs_revision": ("↻", "needs revision", "needs-you"),
    "max_iterations_reached": ("✗", "outcome not met: max iterations reached", "error"),
    "failed": ("✗", "outcome not met: the rubric does not apply", "error"),
    "interrupted": ("✗", "outcome evaluation interrupted", "terminated"),
}
_SHOWN = 160  # characters of a description or explanation on one line


def _cut(value: object, width: int = _SHOWN) -> str:
    line = inert_line(str(value or ""))
    return line if len(line) <= width else line[: width - 1] + "…"


def _iteration(event: Mapping[str, Any]) -> str:
    value = event.get("iteration")
    return f" · iteration {value + 1}" if isinstance(value, int) else ""


def outcome_line(event: Mapping[str, Any]) -> NewsLine | None:
    """An outcome event in words (None: not an outcome event)."""
    etype = event.get("type")
    if etype == "user.define_outcome":
        most = event.get("max_iterations")
        limit = f" · up to {most} iterations" if isinstance(most, int) else ""
        return NewsLine("◎", f"outcome: {_cut(event.get('description'))}{limit}", "user")
    if etype == "span.outcome_evaluation_start":
        return NewsLine("◎", f"evaluating outcome{_iteration(event)} …", "running")
    if etype == "span.outcome_evaluation_ongoing":
        return NewsLine("◎", f"still evaluating{_iteration(event)} …", "dim", main=False)
    if etype == "span.outcome_evaluation_end":
        result = str(event.get("result") or "")
        glyph, words, tone = _RESULTS.get(result, ("◎", f"outcome {_cut(result)}", "dim"))
        why = _cut(event.get("explanation"))
        return NewsLine(glyph, f"{words}{_iteration(event)}" + (f": {why}" if why else ""), tone)
    return None


def rule_line(event: Mapping[str, Any]) -> NewsLine | None:
    """An automatic answer by rule in words (None: not one)."""
    if event.get("type") != RULE_EVENT:
        return None
    allowed = event.get("decision") == "allow"
    verb = "allowed" if allowed else "denied"
    call = _cut(event.get("call"), 90)
    tool = _cut(event.get("tool"), 40)
    text = f"{verb} by rule {_cut(event.get('rule'), 64)} · {tool}" + (f" $ {call}" if call else "")
    return NewsLine("⚖", text, "running" if allowed else "needs-you")


def outcome_cell(outcome: Mapping[str, Any] | None) -> str:
    """The fleet's OUTCOME cell: ✓ met, ✗ not met, … evaluating, '' without an outcome."""
    if not outcome:
        return ""
    return OUTCOME_MARKS.get(str(outcome.get("verdict") or ""), "")


def outcome_summary(outcome: Mapping[str, Any] | None) -> str:
    """A session's current outcome in one inert line (its header): verdict, iteration of the
    most allowed, and the grader's latest explanation."""
    if not outcome:
        return ""
    result = str(outcome.get("result") or "")
    iteration = outcome.get("iteration")
    most = outcome.get("max_iterations")
    words = {
        "pending": "waiting to start", "running": "working on it",
        "evaluating": "evaluating", "needs_revision": "revising",
    }.get(result) or _RESULTS.get(result, ("", _cut(result), ""))[1]  # fmt: skip
    step = ""
    if isinstance(iteration, int):
        step = f" · iteration {iteration + 1}" + (f" of {most}" if isinstance(most, int) else "")
    mark = outcome_cell(outcome)
    why = _cut(outcome.get("explanation"), 100)
    return f"{mark} {words}{step}".strip() + (f" — {why}" if why else "")


def parse_usd(text: str) -> int | None:
    """Dollars as typed (`25`, `$12.50`, `1,000`) → cents; None when it is no amount."""
    cleaned = text.strip().lstrip("$").replace(",", "").strip()
    if not re.fullmatch(r"\d{1,7}(\.\d{1,2})?", cleaned):
        return None
    return round(float(cleaned) * 100)
