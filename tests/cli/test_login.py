"""`drover login`: the key goes to the real Secret Service, never to the config file."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import subprocess
import termios
import time

import keyring
import pytest
from cli_support import DROVER, run_drover

from drover.config import KEYRING_SERVICE, delete_key


@pytest.fixture
def secret_service() -> None:
    backend = keyring.get_keyring()
    assert type(backend).__module__ == "keyring.backends.SecretService", (
        f"run under `dbus-run-session -- scripts/with-keyring` (backend: {backend!r})"
    )


def test_login_stores_the_key_in_the_secret_service(secret_service, csim, cli_env, drover):
    result = drover(
        "login",
        "--profile",
        "simprof",
        "--base-url",
        csim.base_url,
        "--key-stdin",
        stdin=csim.api_key + "\n",
    )
    try:
        assert result.code == 0, result.err
        assert keyring.get_password(KEYRING_SERVICE, "simprof") == csim.api_key
        config = cli_env["config"].read_text()
        assert "[profiles.simprof]" in config and csim.base_url in config
        assert csim.api_key not in config and csim.api_key not in result.out + result.err
        # The stored key is used from the keyring: no environment variable is set.
        listed = drover("ls", "--profile", "simprof", "--json")
        assert listed.code == 0, listed.err
    finally:
        delete_key("simprof")


def test_login_keeps_a_hand_written_config_byte_for_byte(secret_service, csim, cli_env, drover):
    written = (
        "# mine\n"
        'theme = "drover-light"   # easier on the eyes\n\n'
        "[profiles.work]\n"
        "read_per_minute = 1200  # not 1200.0\n\n"
        "# caps\n[budgets]\ndaily_usd = 20\n"
    )
    cli_env["config"].parent.mkdir(parents=True)
    cli_env["config"].write_text(written)
    result = drover(
        "login", "--profile", "simprof", "--base-url", csim.base_url, "--key-stdin",
        stdin=csim.api_key + "\n",
    )  # fmt: skip
    try:
        assert result.code == 0, result.err
        after = cli_env["config"].read_text()
        assert after == written + f'\n[profiles.simprof]\nbase_url = "{csim.base_url}"\n'
        again = drover("login", "--profile", "simprof", "--key-stdin", stdin=csim.api_key + "\n")
        assert again.code == 0, again.err
        assert cli_env["config"].read_text() == after  # nothing to record: nothing rewritten
    finally:
        delete_key("simprof")


def test_login_with_a_wrong_key_stores_nothing(secret_service, csim, cli_env, drover):
    result = drover(
        "login",
        "--profile",
        "wrongkey",
        "--base-url",
        csim.base_url,
        stdin="sk-ant-not-the-right-key\n",
    )
    assert result.code == 1
    assert "rejected this key; nothing was stored" in result.err
    assert "Traceback" not in result.err
    assert keyring.get_password(KEYRING_SERVICE, "wrongkey") is None
    assert not cli_env["config"].exists()


def test_login_without_a_keyring_backend_says_to_use_the_environment(cli_env, tmp_path):
    result = run_drover(
        "login",
        "--key-stdin",
        "--no-verify",
        stdin="sk-ant-whatever\n",
        env={
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
            "DROVER_CONFIG": str(cli_env["config"]),
            "DROVER_DATA_DIR": str(cli_env["data"]),
        },
    )
    assert result.returncode == 1
    assert "ANTHROPIC_API_KEY" in result.stderr and "keyring" in result.stderr
    assert "Traceback" not in result.stderr
    assert not cli_env["config"].exists()


def _read_until(fd: int, marker: bytes, timeout: float = 20.0) -> bytes:
    seen, deadline = b"", time.monotonic() + timeout
    while marker not in seen and time.monotonic() < deadline:
        if select.select([fd], [], [], 0.1)[0]:
            try:
                chunk = os.read(fd, 1024)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
    return seen


def test_login_prompts_on_the_terminal_without_echoing_the_key(secret_service, cli_env):
    master, slave = pty.openpty()

    def controlling_terminal() -> None:  # getpass talks to /dev/tty, i.e. this pty
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)

    proc = subprocess.Popen(
        [str(DROVER), "login", "--profile", "typed", "--no-verify"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        preexec_fn=controlling_terminal,
        env={**os.environ},
    )
    os.close(slave)
    try:
        prompt = _read_until(master, b"API key for profile typed: ")
        assert prompt.endswith(b"API key for profile typed: "), prompt
        os.write(master, b"sk-ant-typed-secret\r")
        rest = _read_until(master, b"profile recorded")
        assert proc.wait(timeout=20) == 0, rest
        assert keyring.get_password(KEYRING_SERVICE, "typed") == "sk-ant-typed-secret"
    finally:
        os.close(master)
        delete_key("typed")
    assert b"sk-ant-typed-secret" not in prompt + rest  # not echoed
    assert b"stored in the OS keyring" in rest
