"""`drover tail` prints tool calls and the newer event types the way the TUI words them.

The wording is shared (`drover.text.tools`, `drover.text.workflow`), so the CLI and the
transcript agree: `bash  $ cmd`, a result as `bash ✗ exit 1 · 4.3s` over its output, workflow
runs by name with their phases, thread termination and compaction on their own lines.
"""

from __future__ import annotations

from transcript_fixtures import NEWS_EVENTS, TOOL_EVENTS, session

from drover.config import mirror_path
from drover.store.mirror import Mirror

SESSION = "sesn_tail_compact"


def _mirror(cli_env) -> None:
    mirror = Mirror.open(mirror_path("default", cli_env["data"], create=True))
    try:
        mirror.writer.submit("upsert_sessions", [session(SESSION, "rounding")]).result()
        mirror.writer.submit("ingest", SESSION, TOOL_EVENTS + NEWS_EVENTS).result()
    finally:
        mirror.close()


def test_tail_prints_tool_calls_compactly_with_duration_and_outcome(cli_env, drover):
    _mirror(cli_env)
    result = drover("tail", SESSION, "--offline")
    assert result.code == 0, result.err
    out = result.out
    assert "11:00:03 tool   bash  $ cd /workspace/repo && python -m pytest -q tests\n" in out
    assert "11:00:07 error  bash ✗ exit 1 · 4.3s\n" in out
    assert "                1 failed, 9 passed in 0.41s\n" in out
    assert "tool   read /workspace/repo/src/quotes/rounding.py\n" in out
    assert "result read ✓ · 0.2s\n" in out
    assert "tool   edit /workspace/repo/tests/test_rounding.py (+3 −1)\n" in out
    assert "tool   grep ROUND_HALF in /workspace/repo/src\n" in out
    assert "tool   github/create_pull_request  title: Fix rounding test, base: main\n" in out
    # The one call a person must answer keeps its id, for `drover approve SESSION EVENT`.
    assert "bash  $ git push --force origin main  [needs approval]  (sevt_t15)" in out
    assert '"command"' not in out  # no raw JSON input


def test_tail_prints_workflow_runs_thread_ends_and_compaction(cli_env, drover):
    _mirror(cli_env)
    out = drover("tail", SESSION, "--offline").out
    assert ('---    ◆ workflow "nightly release" created · 3 phases: build → test → ship\n'
            in out)  # fmt: skip
    assert '---    ◆ workflow "nightly release" › test started\n' in out
    assert 'error  ◆ workflow "nightly release" ended: timeout_error: The run reached' in out
    assert "error  ◆ workflow not created: max_workflow_runs_error: The session is at" in out
    assert '---    ◆ workflow "docs" ended: stopped by the agent\n' in out
    assert "---    ⑂ thread Test Writer terminated: it accepts no more input\n" in out
    assert "---    ⑂ thread Test Writer rescheduled: retrying after a transient error\n" in out
    assert "---    ≋ context compacted: earlier turns summarised to make room\n" in out
    # Progress ticks (running/idle, a phase's end) stay out of the tail, like thread idles.
    assert '"nightly release" running' not in out and "build ended" not in out


def test_tail_counts_a_call_from_its_approval(cli_env, drover):
    _mirror(cli_env)
    later = [
        {"type": "user.tool_confirmation", "id": "sevt_t17", "tool_use_id": "sevt_t15",
         "result": "allow", "processed_at": "2026-05-12T11:05:00Z"},
        {"type": "agent.tool_result", "id": "sevt_t18", "tool_use_id": "sevt_t15",
         "content": [{"type": "text", "text": "rejected: protected branch"}], "is_error": True,
         "processed_at": "2026-05-12T11:05:01.5Z"},
    ]  # fmt: skip
    mirror = Mirror.open(mirror_path("default", cli_env["data"]))
    try:
        mirror.writer.submit("ingest", SESSION, later).result()
    finally:
        mirror.close()
    out = drover("tail", SESSION, "--offline").out
    assert "11:05:01 error  bash ✗ error · 1.5s\n" in out  # not 5m from the call itself
