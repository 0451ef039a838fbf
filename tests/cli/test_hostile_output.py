"""Nothing injected, nothing leaked: a server's error text on every CLI error path.

The hostile endpoint (``error_server``) answers with error envelopes full of terminal escapes
(window title, OSC 52 clipboard, clear screen), bidi overrides, zero-width characters and the
caller's API key (plain, URL-encoded, wrapped over two lines). Whatever the command, stdout,
stderr, ``--debug`` tracebacks and drover.log show the escapes as visible stand-ins and never
the key.
"""

from __future__ import annotations

import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from cli_support import DROVER, run_drover
from error_server import FORBIDDEN, ErrorServer

import drover.cli.logs

SID = "sesn_011CHostile"
COMMANDS = {
    "ls": ["ls"],
    "sync": ["sync", "--until-idle", "--timeout", "30"],
    "send": ["send", SID, "hi"],
    "tail": ["tail", SID, "--no-follow"],
    "approve": ["approve", SID],
    "deny": ["deny", SID, "-m", "no"],
    "interrupt": ["interrupt", SID],
    "login": ["login", "--key-stdin", "--profile", "hostile"],
}


@pytest.fixture
def key() -> str:
    return f"sk-ant-test-ECHOCANARY-{uuid.uuid4().hex}"


@pytest.fixture
def hostile(cli_env, monkeypatch, key):
    server = ErrorServer()
    monkeypatch.setenv("ANTHROPIC_API_KEY", key)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
    yield server
    server.stop()
    drover.cli.logs._secrets.pop(key, None)


def assert_inert_and_keyless(texts: list[str], key: str) -> None:
    halves = (key[: len(key) // 2], key[len(key) // 2 :])
    for text in texts:
        assert not [c for c in FORBIDDEN if c in text], text
        assert key not in text and not any(half in text for half in halves), text
        assert "%2Dtest%2DECHOCANARY" not in text, text


def logs(data: Path) -> list[str]:
    return [p.read_text(errors="replace") for p in data.rglob("drover.log*")]


@pytest.mark.parametrize("status", [400, 401, 403, 409, 429, 500])
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_an_error_envelope_is_shown_inert_and_keyless(hostile, drover, cli_env, key, command,
                                                      status):  # fmt: skip
    hostile.fail(status)
    result = drover(*COMMANDS[command], stdin=f"{key}\n")
    assert result.code == 1, (result.out, result.err)
    assert "Traceback" not in result.err
    assert result.err.count("drover: ") == 1, result.err  # said once
    assert_inert_and_keyless([result.out, result.err, *logs(cli_env["data"])], key)
    if status not in (401, 404):  # these have drover's own words, not the server's
        assert "␛]0;pwned␇" in result.err and "⟨U+202E⟩" in result.err
        assert "[REDACTED:key]" in result.err


@pytest.mark.parametrize("command", ["ls", "sync", "send", "tail"])
def test_debug_tracebacks_are_inert_and_keyless(hostile, drover, cli_env, key, command):
    hostile.fail(400)
    result = drover(*COMMANDS[command], "--debug")
    assert result.code == 1 and "Traceback" in result.err
    assert_inert_and_keyless([result.out, result.err, *logs(cli_env["data"])], key)


def test_an_outbox_failure_is_shown_inert_and_keyless(hostile, drover, cli_env, key):
    hostile.fail(400, "POST", r"/v1/sessions/[^/]+/events")
    result = drover("send", SID, "hello")
    assert result.code == 1
    assert f"message to {SID} failed: " in result.err and "␛]0;pwned␇" in result.err
    assert_inert_and_keyless([result.out, result.err, *logs(cli_env["data"])], key)


def test_a_sync_stopped_by_the_server_is_shown_inert_and_keyless(hostile, drover, cli_env, key):
    hostile.fail(403, "GET", "/v1/agents")
    result = drover("sync", "--until-idle", "--timeout", "30")
    assert result.code == 1, result.err
    assert "␛]0;pwned␇" in result.err
    assert_inert_and_keyless([result.out, result.err, *logs(cli_env["data"])], key)


def test_a_live_stream_failure_is_shown_inert_and_keyless(hostile, cli_env, key, tmp_path):
    """`drover tail` reports a dropping stream on stderr as it happens (a real process)."""
    hostile.fail(500, "GET", r"/v1/sessions/[^/]+/events/stream")
    env = {"ANTHROPIC_API_KEY": key, "ANTHROPIC_BASE_URL": hostile.url}
    err = tmp_path / "stderr"
    with err.open("w") as sink:
        proc = subprocess.Popen(
            [str(DROVER), "tail", SID], stdout=subprocess.PIPE, stderr=sink, text=True,
            env={**__import__("os").environ, **env},
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while "# reconnecting" not in err.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=30)
    text = err.read_text()
    assert "# reconnecting (attempt" in text and "␛]0;pwned␇" in text, text
    assert_inert_and_keyless([out, text, *logs(cli_env["data"])], key)


def test_the_terminal_gets_no_escape_bytes_from_a_real_process(hostile, cli_env, key):
    """The console script end to end, with --debug: the bytes a terminal would receive."""
    hostile.fail(400)
    result = run_drover("ls", "--debug", env={})
    assert result.returncode == 1 and "Traceback" in result.stderr
    assert_inert_and_keyless([result.stdout, result.stderr, *logs(cli_env["data"])], key)


def test_a_bug_is_reported_with_a_clean_traceback(hostile, drover, cli_env, key, monkeypatch):
    """Even an unexpected exception (a bug) carrying server text prints it inert and keyless."""
    from error_server import hostile_message

    import drover.cli.cmd_ls as cmd_ls

    def broken(ctx):
        raise RuntimeError(hostile_message(key))

    monkeypatch.setattr(cmd_ls, "refresh", lambda ctx: broken(ctx))
    result = drover("ls")
    assert result.code == 1
    assert "Traceback" in result.err and "RuntimeError: ␛]0;pwned␇" in result.err
    assert result.err.rstrip().endswith("drover: ls failed unexpectedly (a bug)")
    assert_inert_and_keyless([result.out, result.err, *logs(cli_env["data"])], key)
