"""Expected failures: one clear line, the right exit code, never a traceback."""

from __future__ import annotations

import socket

import pytest
from cli_support import run_drover


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the block ends


def _clean(result, code: int) -> str:
    assert result.code == code, (result.out, result.err)
    assert "Traceback" not in result.err
    return result.err


@pytest.mark.parametrize(
    "argv",
    [
        ["tail", "--no-follow"],
        ["send", "-", "--json"],
        ["approve"],
        ["sync", "--until-idle", "--session"],
    ],
)
def test_unknown_session(on_sim, drover, argv):
    command, *rest = argv
    if command == "sync":
        args = [command, *rest, "sesn_011CdoesNotExist"]
    else:
        args = [command, "sesn_011CdoesNotExist", *rest]
    err = _clean(drover(*args, stdin="x"), 1)
    assert "no session sesn_011CdoesNotExist in profile 'default'" in err
    assert "hint: `drover ls`" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["ls"],
        ["sync", "--until-idle"],
        ["tail", "sesn_x"],
        ["send", "sesn_x", "hi"],
        ["login", "--key-stdin"],
    ],
)
def test_dead_network(cli_env, drover, monkeypatch, argv):
    url = f"http://127.0.0.1:{_closed_port()}"
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-some-key")
    err = _clean(drover(*argv, "--base-url", url, stdin="sk-ant-some-key\n"), 1)
    assert f"cannot reach {url} : connection refused — is the API (or `drover sim`) running?" in err


@pytest.mark.parametrize(
    "argv", [["ls"], ["sync", "--until-idle"], ["tail", "sesn_x"], ["approve", "sesn_x"]]
)
def test_rejected_key(csim, cli_env, drover, monkeypatch, argv):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-wrong")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", csim.base_url)
    err = _clean(drover(*argv), 1)
    assert "the API rejected the key for profile 'default' — run `drover login" in err
    assert "ANTHROPIC_API_KEY" in err  # it says where the rejected key came from


def test_no_key_anywhere(cli_env, drover, monkeypatch):
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    import keyring.core

    monkeypatch.setattr(keyring.core, "_keyring_backend", None)  # re-read the env var
    err = _clean(drover("ls"), 1)
    assert "no API key for profile 'default'" in err and "drover login" in err


def test_usage_errors_exit_2(cli_env, drover):
    assert drover("ls", "--status", "bogus").code == 2
    assert drover("tail").code == 2
    assert _clean(drover("ls", "--base-url", "localhost:8765"), 2)
    assert _clean(drover("ls", "--profile", "../etc"), 2)
    assert "no API key given" in _clean(drover("login", "--key-stdin", stdin=""), 2)


def test_debug_shows_the_traceback(cli_env, drover, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-some-key")
    result = drover("ls", "--debug", "--base-url", f"http://127.0.0.1:{_closed_port()}")
    assert result.code == 1 and "Traceback" in result.err


def test_help_exits_0() -> None:
    # What `--help`, the parser and `ls --offline` load: tests/test_imports.py.
    assert run_drover("--help", env={}).returncode == 0
