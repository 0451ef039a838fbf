"""`drover search`: offline full-text search of the mirror, as text and as JSON."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from drover.store.mirror import Mirror

HOSTILE = "zebra \x1b]0;pwned\x07 and \x1b[31mred\x1b[0m [bold]x[/]"


def _at(minute: int) -> str:
    return f"2026-05-0{1 + minute // 60}T10:{minute % 60:02d}:00Z"


def _session(sid: str, title: str, agent: str) -> dict[str, Any]:
    return {"id": sid, "type": "session", "title": title, "status": "idle",
            "agent": {"id": f"agent_{agent}", "name": agent, "model": {"id": "claude-sonnet-4-5"}},
            "environment_id": "env_1", "created_at": _at(0),
            "updated_at": "2026-06-01T00:00:00Z"}  # fmt: skip


@pytest.fixture
def mirrored(cli_env: dict[str, Path]) -> Path:
    """Two sessions in the default profile's mirror, written by the real writer."""
    path = cli_env["data"] / "default" / "mirror.db"
    mirror = Mirror.open(path)
    w = mirror.writer
    w.submit("upsert_sessions", [
        _session("sesn_a", "Review \x1b[2J PR 12", "reviewer"),
        _session("sesn_b", "Nightly docs", "docgen"),
    ]).result()  # fmt: skip
    w.submit("ingest", "sesn_a", [
        {"type": "user.message", "id": "a1", "processed_at": _at(1),
         "content": [{"type": "text", "text": "find the zebra bug"}]},
        {"type": "agent.tool_use", "id": "a2", "name": "bash", "processed_at": _at(2),
         "input": {"command": "grep -rn zebra src"}},
        {"type": "agent.tool_result", "id": "a3", "tool_use_id": "a2", "processed_at": _at(3),
         "content": [{"type": "text", "text": "src/zoo.py:3: zebra = None"}]},
    ]).result()  # fmt: skip
    w.submit("ingest", "sesn_b", [
        {"type": "agent.message", "id": "b1", "processed_at": _at(70),
         "content": [{"type": "text", "text": HOSTILE}]},
    ]).result()  # fmt: skip
    mirror.close()
    return path


def test_text_output_newest_first_with_bracketed_matches(drover, mirrored):
    result = drover("search", "zebra")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert [line.split()[2] for line in lines] == ["sesn_b", "sesn_a", "sesn_a", "sesn_a"]
    assert lines[0].startswith("2026-05-02 10:10:00  sesn_b  Nightly docs")
    assert "agent.tool_result(bash)" in lines[1] and "src/zoo.py:3: [zebra] = None" in lines[1]
    assert "agent.tool_use(bash)" in lines[2] and "user.message" in lines[3]
    # Agent text and titles are inert: escapes are shown as pictures, never sent raw.
    assert "\x1b" not in result.out and "␛]0;pwned␇" in lines[0]
    assert "Review ␛[2J PR 12" in lines[1]
    assert "[bold]x[/]" in lines[0]  # markup is text too


def test_flags_are_facets(drover, mirrored):
    def ids(*argv: str) -> list[str]:
        result = drover("search", *argv, "--json")
        assert result.code == 0, result.err
        return [hit["event_id"] for hit in json.loads(result.out)]

    assert ids("zebra", "--agent", "reviewer") == ["a3", "a2", "a1"]
    assert ids("zebra", "--tool", "bash") == ["a3", "a2"]
    assert ids("zebra", "--type", "tool_use") == ["a2"]
    assert ids("zebra", "--session", "sesn_b") == ["b1"]
    assert ids("zebra", "--after", "2026-05-02") == ["b1"]
    assert ids("zebra", "--before", "2026-05-02", "--status", "idle") == ["a3", "a2", "a1"]
    assert ids("--tool", "bash") == ["a3", "a2"]  # facets alone
    assert ids("zebra", "type:user.message") == ["a1"]  # tokens in the query work too
    assert ids("zebra", "--limit", "1") == ["b1"]


def test_json_hits_carry_plain_snippets_and_match_offsets(drover, mirrored):
    result = drover("search", "zebra", "session:sesn_a", "--json")
    hits = json.loads(result.out)
    first = hits[0]
    assert {k: first[k] for k in ("event_id", "session_id", "type", "tool", "title")} == {
        "event_id": "a3", "session_id": "sesn_a", "type": "agent.tool_result", "tool": "bash",
        "title": "Review \x1b[2J PR 12",
    }  # fmt: skip
    assert first["agent_name"] == "reviewer" and first["processed_at"] == _at(3)
    assert first["snippet"] == "src/zoo.py:3: zebra = None"
    start, end = first["matches"][0]
    assert first["snippet"][start:end] == "zebra"


def test_terminal_output_highlights_matches_unless_no_color(drover, mirrored, monkeypatch):
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    colour = drover("search", "zebra", "--session", "sesn_a", "--limit", "1")
    assert "src/zoo.py:3: \x1b[1;33mzebra\x1b[0m = None" in colour.out
    monkeypatch.setenv("NO_COLOR", "1")
    plain = drover("search", "zebra", "--session", "sesn_a", "--limit", "1")
    assert "[zebra]" in plain.out and "\x1b" not in plain.out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["colour:red"], "drover: unknown filter colour; use agent, session, status, type, tool, "
                         "outcome, after, before"),
        (['"zebra'], "drover: unbalanced quote"),
        (["z*"], "drover: prefix z* is too short"),
        (["zebra", "--after", "yesterday"], "drover: bad date 'yesterday' in after:"),
        (["zebra", "--type", "banana"], "drover: unknown event type banana"),
        (["zebra AND", "--raw"], "drover: invalid search expression"),
        ([], "drover: nothing to search for: give words or a filter"),
        (["zebra", "--limit", "0"], "drover: --limit must be at least 1"),
    ],
)  # fmt: skip
def test_bad_queries_are_usage_errors_with_a_message(drover, mirrored, argv, message):
    result = drover("search", *argv)
    assert result.code == 2
    assert result.err.startswith(message), result.err
    assert "Traceback" not in result.err and result.out == ""


def test_nothing_mirrored_yet(drover, cli_env):
    result = drover("search", "zebra", "--json")
    assert result.code == 0 and json.loads(result.out) == []
    assert "nothing mirrored yet" in result.err
