"""Shell hygiene: --version, completion in bash/zsh/fish, pipes closed early, one message per
error with the same exit code in the TUI and the CLI, id prefixes, relative dates, logout,
auth status and paths. Pipes and exit codes run the installed console script."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from importlib import metadata

import keyring
import pytest
from cli_support import DROVER, create_session, run_drover, status, wait_for

from drover.cli.cmd_completion import SCRIPTS
from drover.config import KEYRING_SERVICE

NOISE = ("Traceback", "BrokenPipeError", "Exception ignored")


@pytest.fixture
def mirrored(on_sim, cli_env, drover) -> dict[str, str]:
    """Two finished sessions and one waiting on a bash approval, all mirrored."""
    ids = {
        "plain": create_session(on_sim, "general", title="plain work"),
        "other": create_session(on_sim, "general", title="more work"),
        "risky": create_session(on_sim, "risky-ops", ask="bash", title="needs approval"),
    }
    for sid in ids.values():
        wait_for(lambda sid=sid: status(on_sim, sid) == "idle", what=f"{sid} idle")
    assert drover("sync", "--until-idle", "--timeout", "30").code == 0
    return ids


def test_version(cli_env):
    done = run_drover("--version", env={})
    assert (done.returncode, done.stdout) == (0, f"drover {metadata.version('drover')}\n")


# -- pipes ------------------------------------------------------------------------------------


def _into_a_closed_pipe(*argv: str) -> subprocess.CompletedProcess[bytes]:
    """Run drover with stdout a pipe whose reader has already gone (as `| head` does)."""
    read, write = os.pipe()
    os.close(read)
    try:
        return subprocess.run([str(DROVER), *argv], stdout=write, stderr=subprocess.PIPE,
                              timeout=60, check=False)  # fmt: skip
    finally:
        os.close(write)


def test_output_into_a_closed_pipe_ends_quietly(mirrored):
    sid = mirrored["plain"]
    for argv in (["ls", "--json", "--offline"], ["search", "--type", "message"], ["cost"],
                 ["export", sid, "-o", "-"], ["tail", sid, "--offline"],
                 ["sim", "--list-scenarios"]):  # fmt: skip
        done = _into_a_closed_pipe(*argv)
        err = done.stderr.decode()
        assert done.returncode == 141, (argv, err)
        assert not [n for n in NOISE if n in err], (argv, err)


def test_a_real_head_gets_its_line_and_nothing_else_is_said(mirrored):
    line = f"'{DROVER}' export {mirrored['plain']} -o - | head -n 1"
    done = subprocess.run(line, shell=True, capture_output=True, text=True, timeout=60)
    assert done.stdout.startswith("# ") and done.stdout.count("\n") == 1
    assert not [n for n in NOISE if n in done.stderr], done.stderr


# -- errors and exit codes --------------------------------------------------------------------


def test_an_error_is_printed_once(cli_env):
    done = run_drover("ls", "--base-url", "localhost:8765", env={})
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "drover: --base-url must start with http:// or https://, not 'localhost:8765'"
    ]
    bad = cli_env["config"]
    bad.parent.mkdir(parents=True)
    bad.write_text("default_profile = [")
    done = run_drover("ls", "--offline", env={})
    assert done.returncode == 1 and len(done.stderr.splitlines()) == 1, done.stderr
    assert "failed:" not in done.stderr


def test_no_key_exits_1_in_the_tui_as_in_the_cli(cli_env):
    env = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    tui, ls = run_drover("tui", env=env), run_drover("ls", env=env)
    assert tui.returncode == ls.returncode == 1, (tui.stderr, ls.stderr)
    for done in (tui, ls):
        assert done.stderr.startswith("drover: no API key for profile 'default'")
        assert done.stderr.count("drover: ") == 1


# -- completion -------------------------------------------------------------------------------


def _bash(script: str, words: list[str]) -> list[str]:
    quoted = " ".join(repr(w) for w in words)
    code = f"{script}\nCOMP_WORDS=({quoted}); COMP_CWORD={len(words) - 1}; _drover; "
    code += "printf '%s\\n' \"${COMPREPLY[@]}\""
    done = subprocess.run(["bash", "-c", code], capture_output=True, text=True, timeout=60,
                          check=True)  # fmt: skip
    return done.stdout.splitlines()


def _zsh(script: str, words: list[str]) -> list[str]:
    # Outside a Tab press, _describe and _files are stubs that print what they were given.
    stubs = '_describe() { print -l -- "${(@P)${@[-1]}}"; }; _files() { print "FILES $*"; }'
    quoted = " ".join("'" + w.replace("'", "'\\''") + "'" for w in words)
    code = f"{stubs}\n{script}\nwords=({quoted}); CURRENT={len(words)}; _drover"
    done = subprocess.run(["zsh", "-f", "-c", code], capture_output=True, text=True,
                          timeout=60, check=True)  # fmt: skip
    return done.stdout.splitlines()


def _fish(script: str, line: str) -> list[str]:
    done = subprocess.run(["fish", "--no-config", "-c", f"{script}\ncomplete -C'{line}'"],
                          capture_output=True, text=True, timeout=60, check=True)  # fmt: skip
    return done.stdout.splitlines()


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_in_each_shell(shell, mirrored, monkeypatch):
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} is not installed")
    monkeypatch.setenv("PATH", f"{DROVER.parent}{os.pathsep}{os.environ['PATH']}")
    script = run_drover("completion", shell, env={}).stdout
    assert script == SCRIPTS[shell]
    sid = mirrored["risky"]

    def complete(*words: str) -> list[str]:
        if shell == "bash":
            return _bash(script, ["drover", *words])
        if shell == "zsh":
            return [line.split(":", 1)[0] for line in _zsh(script, ["drover", *words])]
        return [line.split("\t")[0] for line in _fish(script, " ".join(["drover", *words]))]

    assert {"sync", "search", "doctor", "completion"} <= set(complete(""))
    assert complete("ls", "--sta") == ["--status"]
    assert complete("ls", "--status", "ru") == ["running"]
    assert set(complete("tail", "")) == set(mirrored.values())
    assert complete("tail", sid[:-4]) == [sid]
    pending = complete("approve", sid, "")
    assert len(pending) == 1 and pending[0].startswith("sevt_")
    assert complete("auth", "st") == ["status"]
    if shell == "bash":
        assert "--data-dir" in complete("export", "--da")


# -- ids, dates -------------------------------------------------------------------------------


def test_unique_id_prefixes_are_accepted(mirrored, drover):
    plain, risky = mirrored["plain"], mirrored["risky"]
    short = plain[: len("sesn_") + 12]
    tail = drover("tail", short, "--offline")
    assert tail.code == 0, tail.err
    assert drover("tail", short.removeprefix("sesn_"), "--offline").out == tail.out
    assert drover("export", short, "-o", "-").out.startswith("# plain work")
    hits = json.loads(drover("search", "--session", short, "--json", "type:message").out)
    assert hits and {h["session_id"] for h in hits} == {plain}
    listed = json.loads(drover("ls", "--offline", "--json").out)
    pending = next(r for r in listed if r["id"] == risky)["pending_actions"][0]
    approved = drover("approve", risky[:-6], pending[: len("sevt_") + 10])
    assert approved.code == 0, approved.err
    assert f"sent tool_confirmation to {risky}" in approved.out

    ambiguous = drover("tail", "sesn_011C", "--offline")
    assert ambiguous.code == 2
    assert ambiguous.err.startswith("drover: sesn_011C is the start of more than one session id")
    assert "  hint: give more of the id" in ambiguous.err


def test_relative_dates_in_search_and_cost(mirrored, drover):
    recent = json.loads(drover("search", "type:message", "after:-30m", "--json").out)
    assert recent
    assert json.loads(drover("search", "type:message", "before:7d", "--json").out) == []
    assert json.loads(drover("search", "type:message", "--after", "24h", "--json").out) == recent
    week_ago = (datetime.now(UTC) - timedelta(days=7)).date().isoformat()
    cost = json.loads(drover("cost", "--since", "7d", "--json").out)
    assert cost["since"] == week_ago
    bad = drover("cost", "--since", "7 days")
    assert bad.code == 2 and "how long ago (7d, 24h)" in bad.err
    bad = drover("search", "after:soon")
    assert bad.code == 2 and "how long ago: 30m, 24h, 7d, 2w" in bad.err


# -- logout, auth status, paths ---------------------------------------------------------------


def test_logout_and_auth_status(csim, cli_env, drover, monkeypatch):
    assert type(keyring.get_keyring()).__module__ == "keyring.backends.SecretService"
    key = "sk-ant-test-status-0123456789"
    try:
        login = drover("login", "--profile", "work", "--base-url", csim.base_url,
                       "--key-stdin", "--no-verify", stdin=f"{key}\n")  # fmt: skip
        assert login.code == 0, login.err
        monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-from-the-environment")
        status_all = drover("auth", "status")
        assert status_all.code == 0, status_all.err
        assert status_all.out.splitlines() == [
            "default (current): https://api.anthropic.com · key from ANTHROPIC_API_KEY",
            f"work: {csim.base_url} · key from the OS keyring",
        ]
        assert key not in status_all.out + status_all.err
        monkeypatch.delenv("ANTHROPIC_API_KEY")
        checked = drover("auth", "status", "--profile", "work", "--check", "--json")
        assert json.loads(checked.out) == [{"profile": "work", "current": True,
                                            "base_url": csim.base_url, "key_source": "keyring",
                                            "accepted": False}]  # fmt: skip
        assert checked.code == 1  # the sim's key is another one
        out = drover("logout", "--profile", "work")
        assert out.code == 0 and "removed the API key of profile 'work'" in out.out
        assert keyring.get_password(KEYRING_SERVICE, "work") is None
        gone = drover("auth", "status", "--profile", "work")
        assert gone.code == 1
        hint = "no key — `drover login --profile work`"
        assert gone.out == f"work (current): {csim.base_url} · {hint}\n"
        again = drover("logout", "--profile", "work")
        assert again.code == 0 and "nothing to remove" in again.out
    finally:
        if keyring.get_password(KEYRING_SERVICE, "work"):
            keyring.delete_password(KEYRING_SERVICE, "work")


def test_paths(cli_env, drover):
    done = drover("paths")
    assert done.code == 0
    mirror = cli_env["data"] / "default" / "mirror.db"
    assert done.out.splitlines() == [
        f"config    {cli_env['config']}  (not created yet)",
        f"data dir  {cli_env['data']}",
        f"log       {cli_env['data'] / 'drover.log'}  (not created yet)",  # by the first record
        f"mirror    {mirror}  (not created yet)",
    ]
    as_json = json.loads(drover("paths", "--json").out)
    assert as_json == {"config": str(cli_env["config"]), "data_dir": str(cli_env["data"]),
                       "log": str(cli_env["data"] / "drover.log"), "mirror": str(mirror),
                       "profile": "default"}  # fmt: skip
