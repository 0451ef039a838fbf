"""Wording for the newer session events: workflow runs, thread termination and rescheduling,
context compaction (SDK 2.17 shapes), shared by the TUI transcript and ``drover tail``.

A `workflow_run.*` event names its run and phase by id only; the run's name and its phases'
names are on the run's `workflow_run.created` event, which callers look up (within what they
have loaded, or by one indexed store query) and pass in. Without it the ids stand in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from drover.text.inert import inert_line

__all__ = ["NewsLine", "news_line", "run_id_of"]

_SHOWN_PHASES = 5


@dataclass(frozen=True, slots=True)
class NewsLine:
    """One of these events in words.

    Attributes:
        glyph: `◆` a workflow run, `⑂` a thread, `≋` compaction.
        text: the inert line after the glyph.
        tone: `running`, `idle`, `error`, `needs-you`, `terminated` or `dim` (the TUI colours
            by it; `drover tail` labels errors).
        main: worth a line in ``drover tail`` (the rest are progress ticks a document keeps).
    """

    glyph: str
    text: str
    tone: str
    main: bool = True


def run_id_of(event: Mapping[str, Any]) -> str | None:
    """The workflow run a `workflow_run.*` event belongs to (None when it has none)."""
    value = event.get("workflow_run_id")
    return value if isinstance(value, str) and value else None


def _run_name(event: Mapping[str, Any], created: Mapping[str, Any] | None) -> str:
    source = created if created is not None else event
    name = source.get("name") if source.get("type") == "workflow_run.created" else None
    return inert_line(str(name or run_id_of(event) or "workflow run"))


def _phases(created: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    phases = created.get("phases") if created is not None else None
    return [p for p in phases if isinstance(p, Mapping)] if isinstance(phases, list) else []


def _phase_name(event: Mapping[str, Any], created: Mapping[str, Any] | None) -> str:
    phase_id = event.get("workflow_run_phase_id")
    for phase in _phases(created):
        if phase.get("id") == phase_id:
            return inert_line(str(phase.get("name") or phase_id))
    return inert_line(str(phase_id or "phase"))


def _error_text(error: object) -> str:
    if not isinstance(error, Mapping):
        return "error"
    kind = inert_line(str(error.get("type") or "error"))
    message = inert_line(str(error.get("message") or ""))
    return f"{kind}: {message}" if message else kind


def _workflow(etype: str, event: Mapping[str, Any], created: Mapping[str, Any] | None) -> NewsLine:
    name = f'workflow "{_run_name(event, created)}"'
    what = etype.removeprefix("workflow_run.")
    if what == "created":
        phases = [inert_line(str(p.get("name") or p.get("id"))) for p in _phases(event)]
        shown = " → ".join(phases[:_SHOWN_PHASES])
        if len(phases) > _SHOWN_PHASES:
            shown += f" → +{len(phases) - _SHOWN_PHASES}"
        count = (
            f" · {len(phases)} phase{'s' if len(phases) != 1 else ''}: {shown}" if phases else ""
        )
        return NewsLine("◆", f"{name} created{count}", "running")
    if what in ("status_running", "status_idle"):
        state = what.removeprefix("status_")
        return NewsLine("◆", f"{name} {state}", state, main=False)
    if what in ("phase_started", "phase_ended"):
        verb = what.removeprefix("phase_")
        return NewsLine("◆", f"{name} › {_phase_name(event, created)} {verb}", "dim",
                        main=verb == "started")  # fmt: skip
    if what == "status_ended":
        result = event.get("result")
        kind = result.get("type") if isinstance(result, Mapping) else None
        if kind == "error" and isinstance(result, Mapping):
            return NewsLine("◆", f"{name} ended: {_error_text(result.get('error'))}", "error")
        if kind == "stopped":
            return NewsLine("◆", f"{name} ended: stopped by the agent", "needs-you")
        return NewsLine("◆", f"{name} ended: {inert_line(str(kind or 'ended'))}", "idle")
    if what == "error":
        if run_id_of(event) is None:
            return NewsLine("◆", f"workflow not created: {_error_text(event.get('error'))}",
                            "error")  # fmt: skip
        return NewsLine("◆", f"{name} error: {_error_text(event.get('error'))}", "error")
    return NewsLine("◆", f"{name} {inert_line(what)}", "dim")


def news_line(
    event: Mapping[str, Any], created: Mapping[str, Any] | None = None
) -> NewsLine | None:
    """The line for a workflow-run, thread-termination/rescheduling or compaction event.

    Args:
        event: a stored wire event.
        created: the run's `workflow_run.created` event, when the caller has it.

    Returns:
        None for any other event type.
    """
    etype = str(event.get("type", ""))
    if etype.startswith("workflow_run."):
        return _workflow(etype, event, created)
    agent = inert_line(str(event.get("agent_name") or event.get("session_thread_id") or "thread"))
    if etype == "session.thread_status_terminated":
        return NewsLine("⑂", f"thread {agent} terminated: it accepts no more input", "terminated")
    if etype == "session.thread_status_rescheduled":
        return NewsLine("⑂", f"thread {agent} rescheduled: retrying after a transient error",
                        "needs-you")  # fmt: skip
    if etype == "agent.thread_context_compacted":
        return NewsLine("≋", "context compacted: earlier turns summarised to make room", "dim")
    return None
