"""`drover serve`'s guard rails: loopback unless `--public` (which warns), the key never in argv.

The server itself runs in a real browser in tests/e2e/test_serve_chromium.py; here
textual-serve's `Server.serve` is replaced to see what drover would have served.
"""

from __future__ import annotations

import shlex

import pytest
from textual_serve.server import Server

from drover.cli.cmd_serve import is_loopback


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[Server]:
    calls: list[Server] = []
    monkeypatch.setattr(Server, "serve", lambda self, debug=False: calls.append(self))
    return calls


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost"])
def test_loopback_addresses(host: str) -> None:
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "10.0.0.1", "example.com"])
def test_other_addresses(host: str) -> None:
    assert not is_loopback(host)


def test_serve_binds_loopback_by_default(cli_env, drover, served) -> None:
    result = drover("serve", "--port", "8123")
    assert result.code == 0, result.err
    assert (served[0].host, served[0].port) == ("127.0.0.1", 8123)
    assert "http://127.0.0.1:8123/" in result.err and "WARNING" not in result.err
    argv = shlex.split(served[0].command)
    assert argv[1:4] == ["-m", "drover.cli.main", "tui"]
    assert served[0].templates_path.name == "web-page"  # the page without remote fonts


def test_another_address_needs_public_and_then_warns(cli_env, drover, served) -> None:
    refused = drover("serve", "--host", "0.0.0.0")
    assert refused.code == 2 and not served
    assert "--public" in refused.err and "no login" in refused.err
    allowed = drover("serve", "--host", "0.0.0.0", "--port", "8124", "--public", "--readonly")
    assert allowed.code == 0 and served[0].host == "0.0.0.0"
    assert "WARNING: listening on 0.0.0.0:8124" in allowed.err
    assert "--readonly" in shlex.split(served[0].command)


def test_the_api_key_reaches_the_app_by_environment_not_argv(
    cli_env, drover, served, monkeypatch
) -> None:
    # setenv first: monkeypatch restores only what it recorded, and `serve` sets the variable.
    monkeypatch.setenv("ANTHROPIC_API_KEY", "")
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    result = drover("serve", "--api-key", "sk-ant-test-123", "--base-url", "http://127.0.0.1:9")
    assert result.code == 0, result.err
    command = served[0].command
    assert "sk-ant-test-123" not in command and "--base-url http://127.0.0.1:9" in command
    import os

    assert os.environ["ANTHROPIC_API_KEY"] == "sk-ant-test-123"
