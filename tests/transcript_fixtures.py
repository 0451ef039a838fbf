"""Wire events for the transcript tests: tool calls of every kind, and the newer event types.

Shapes follow the official SDK (anthropic 2.17.0, `anthropic/types/beta/sessions/`);
`tests/tui/test_transcript_tools.py::test_fixture_events_have_the_sdk_shapes` checks each one
against the SDK's own models, so these are what a server sends, not what drover hopes for.
Importable by any test as ``transcript_fixtures`` (tests/ is on the path); the TUI tests
`ingest` them into their app's mirror, the CLI tests into a mirror of their own.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

TOOLS = "sesn_tools"
"""The session of the tool-call events."""
NEWS = "sesn_news"
"""The session of the workflow/thread/compaction events."""
START = datetime(2026, 5, 12, 11, 0, 0, tzinfo=UTC)


def session(sid: str, title: str) -> dict[str, Any]:
    """A Session object for `sid` (what `upsert_sessions` takes)."""
    return {"id": sid, "type": "session", "title": title, "status": "idle",
            "agent": {"id": "agent_fixer", "name": "Fixer", "model": {"id": "claude-opus-4-7"}},
            "environment_id": "env_1", "created_at": at(0), "updated_at": at(0)}  # fmt: skip


async def add_session(app: Any, sid: str, events: list[dict[str, Any]]) -> None:
    """Mirror a session and its events through a running app's writer (TUI tests)."""
    from tui_support import ingest

    title = {TOOLS: "fix the rounding test", NEWS: "nightly release"}.get(sid, sid)
    await app.mirror.writer.upsert_sessions([session(sid, title)])
    await ingest(app, sid, events)


def at(seconds: float) -> str:
    """A `processed_at` this many seconds after `START`."""
    return (START + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")


def _text(text: str) -> list[dict[str, str]]:
    return [{"type": "text", "text": text}]


def _use(eid: str, name: str, args: dict[str, Any], t: float, **extra: Any) -> dict[str, Any]:
    return {"type": "agent.tool_use", "id": eid, "name": name, "input": args,
            "evaluated_permission": "allow", "processed_at": at(t), **extra}  # fmt: skip


def _result(eid: str, use: str, text: str, t: float, *, error: bool = False) -> dict[str, Any]:
    return {"type": "agent.tool_result", "id": eid, "tool_use_id": use, "content": _text(text),
            "is_error": error, "processed_at": at(t)}  # fmt: skip


# fmt: off
TEST_OUTPUT = "..F.......\n1 failed, 9 passed in 0.41s\nExit code: 1"

TOOL_EVENTS: list[dict[str, Any]] = [
    {"type": "user.message", "id": "sevt_t01", "content": _text("Fix the rounding test."),
     "processed_at": at(0)},
    {"type": "session.status_running", "id": "sevt_t02", "processed_at": at(0.1)},
    {"type": "agent.thinking", "id": "sevt_t03", "processed_at": at(0.5)},
    {"type": "agent.message", "id": "sevt_t04", "processed_at": at(2),
     "content": _text("The `quotes` module sits at 42% coverage; reading it first.")},
    _use("sevt_t05", "read", {"file_path": "/workspace/repo/src/quotes/rounding.py"}, 2.1),
    _result("sevt_t06", "sevt_t05", "     1\t\"\"\"Rounding.\"\"\"\n     2\timport decimal\n", 2.3),
    _use("sevt_t07", "grep", {"pattern": "ROUND_HALF", "path": "/workspace/repo/src"}, 2.4),
    _result("sevt_t08", "sevt_t07", "src/quotes/rounding.py:9: ROUND_HALF_EVEN\n", 2.6),
    _use("sevt_t09", "bash", {"command": "cd /workspace/repo && python -m pytest -q tests"}, 3),
    _result("sevt_t10", "sevt_t09", TEST_OUTPUT, 7.3, error=True),
    _use("sevt_t11", "edit", {"file_path": "/workspace/repo/tests/test_rounding.py",
                              "old_string": "    assert r(999) == 500\n",
                              "new_string": "    assert r(999) == 499\n    assert r(1_001) == 500\n"
                                            "    assert r(5) == 4\n"}, 8),
    _result("sevt_t12", "sevt_t11", "The file was updated.", 8.2),
    {"type": "agent.mcp_tool_use", "id": "sevt_t13", "mcp_server_name": "github",
     "name": "create_pull_request", "input": {"title": "Fix rounding test", "base": "main"},
     "evaluated_permission": "allow", "processed_at": at(9)},
    {"type": "agent.mcp_tool_result", "id": "sevt_t14", "mcp_tool_use_id": "sevt_t13",
     "content": _text("https://example.invalid/pr/7"), "is_error": False,
     "processed_at": at(10.5)},
    _use("sevt_t15", "bash", {"command": "git push --force origin main"}, 11,
         evaluated_permission="ask"),
    {"type": "session.status_idle", "id": "sevt_t16", "processed_at": at(11.1),
     "stop_reason": {"type": "requires_action", "event_ids": ["sevt_t15"]}},
]

_PHASES = [
    {"id": "wfph_build", "name": "build", "description": "compile and package"},
    {"id": "wfph_test", "name": "test", "description": None},
    {"id": "wfph_ship", "name": "ship", "description": None},
]

NEWS_EVENTS: list[dict[str, Any]] = [
    {"type": "workflow_run.created", "id": "sevt_n01", "workflow_run_id": "wfr_nightly",
     "name": "nightly release", "description": "Build, test and ship the nightly.",
     "phases": _PHASES, "processed_at": at(20)},
    {"type": "workflow_run.status_running", "id": "sevt_n02", "workflow_run_id": "wfr_nightly",
     "processed_at": at(20.5)},
    {"type": "workflow_run.phase_started", "id": "sevt_n03", "workflow_run_id": "wfr_nightly",
     "workflow_run_phase_id": "wfph_build", "processed_at": at(21)},
    {"type": "workflow_run.phase_ended", "id": "sevt_n04", "workflow_run_id": "wfr_nightly",
     "workflow_run_phase_id": "wfph_build", "phase_started_id": "sevt_n03",
     "processed_at": at(40)},
    {"type": "workflow_run.phase_started", "id": "sevt_n05", "workflow_run_id": "wfr_nightly",
     "workflow_run_phase_id": "wfph_test", "processed_at": at(41)},
    {"type": "session.thread_created", "id": "sevt_n06", "session_thread_id": "sthr_tester",
     "agent_name": "Test Writer", "processed_at": at(42)},
    {"type": "session.thread_status_rescheduled", "id": "sevt_n07",
     "session_thread_id": "sthr_tester", "agent_name": "Test Writer", "processed_at": at(50)},
    {"type": "agent.thread_context_compacted", "id": "sevt_n08", "processed_at": at(55)},
    {"type": "session.thread_status_terminated", "id": "sevt_n09",
     "session_thread_id": "sthr_tester", "agent_name": "Test Writer", "processed_at": at(60)},
    {"type": "workflow_run.phase_ended", "id": "sevt_n10", "workflow_run_id": "wfr_nightly",
     "workflow_run_phase_id": "wfph_test", "phase_started_id": "sevt_n05",
     "processed_at": at(61)},
    {"type": "workflow_run.error", "id": "sevt_n11", "workflow_run_id": "wfr_nightly",
     "error": {"type": "timeout_error", "message": "The run reached its time limit."},
     "processed_at": at(62)},
    {"type": "workflow_run.status_ended", "id": "sevt_n12", "workflow_run_id": "wfr_nightly",
     "result": {"type": "error", "error": {"type": "timeout_error",
                                           "message": "The run reached its time limit."}},
     "processed_at": at(62.5)},
    {"type": "workflow_run.error", "id": "sevt_n13", "workflow_run_id": None,
     "error": {"type": "max_workflow_runs_error",
               "message": "The session is at its limit of open workflow runs."},
     "processed_at": at(63)},
    {"type": "workflow_run.created", "id": "sevt_n14", "workflow_run_id": "wfr_docs",
     "name": "docs", "description": None, "phases": [], "processed_at": at(64)},
    {"type": "workflow_run.status_idle", "id": "sevt_n15", "workflow_run_id": "wfr_docs",
     "processed_at": at(65)},
    {"type": "workflow_run.status_ended", "id": "sevt_n16", "workflow_run_id": "wfr_docs",
     "result": {"type": "stopped"}, "processed_at": at(66)},
]
# fmt: on
