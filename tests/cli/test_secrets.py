"""Invariant 5: the API key never reaches the data dir, the config dir, stdout or stderr."""

from __future__ import annotations

import logging
import uuid

import keyring
import pytest
from cli_support import create_session, run_drover, scenario_dir, status, wait_for

from drover.cli.logs import LOG_NAME, remember_secret, setup_logging, teardown_logging
from drover.config import delete_key


def test_the_key_is_in_no_file_and_no_output(sim_factory, tmp_path, cli_env, drover):
    assert type(keyring.get_keyring()).__module__ == "keyring.backends.SecretService"
    key = f"sk-ant-test-LEAKCANARY-{uuid.uuid4().hex}"
    sim = sim_factory(api_key=key, scenarios_dir=scenario_dir(tmp_path))
    profile = ["--profile", "leak", "--debug"]
    outputs: list[str] = []

    def run(*argv: str, stdin: str | None = None, code: int = 0) -> None:
        result = drover(*argv, *profile, stdin=stdin)
        outputs.extend([result.out, result.err])
        assert result.code == code, result.err

    try:
        run("login", "--base-url", sim.base_url, "--key-stdin", stdin=f"{key}\n")
        sid = create_session(sim, "risky-ops", ask="bash")
        wait_for(lambda: status(sim, sid) == "idle")
        run("sync", "--until-idle")
        run("ls")
        run("ls", "--json")
        run("send", sid, "hello")
        run("tail", sid, "--no-follow")
        run("tail", sid, "--no-follow", "--json")
        wait_for(lambda: status(sim, sid) == "idle")
        run("approve", sid)
        run("ls", "--base-url", "http://127.0.0.1:9", code=1)  # an error path, with traceback
        end_to_end = run_drover("sync", "--until-idle", "--profile", "leak", env={})
        outputs.extend([end_to_end.stdout, end_to_end.stderr])
    finally:
        delete_key("leak")

    files = [
        p
        for root in (cli_env["data"], cli_env["config"].parent)
        for p in root.rglob("*")
        if p.is_file()
    ]
    names = {p.name for p in files}
    assert {"mirror.db", LOG_NAME, "config.toml"} <= names, names
    assert (cli_env["data"] / LOG_NAME).stat().st_size > 0
    leaks = [str(p) for p in files if key.encode() in p.read_bytes()]
    assert leaks == []
    assert not any(key in text for text in outputs)
    assert any("Traceback" in text for text in outputs)  # --debug output was checked too


def test_the_log_redacts_keys_even_when_code_logs_them(tmp_path):
    secret = f"opaque-{uuid.uuid4().hex}"  # not key-shaped: redacted because it is known
    remember_secret(secret)
    handler = setup_logging(tmp_path)
    try:
        log = logging.getLogger("drover.test")
        log.warning("headers: %r", {"x-api-key": secret})
        log.warning("shaped: sk-ant-api03-abcDEF_123-xyz and Authorization: Bearer tok3n")
        try:
            raise RuntimeError(f"failed with {secret}")
        except RuntimeError:
            log.exception("boom")
    finally:
        teardown_logging(handler)
    text = (tmp_path / LOG_NAME).read_text()
    assert secret not in text and "sk-ant-api03" not in text and "tok3n" not in text
    assert text.count("[REDACTED:") >= 4 and "RuntimeError" in text


@pytest.mark.parametrize("argv", [["ls", "--offline"], ["tail", "sesn_x", "--offline"]])
def test_offline_commands_need_no_key(cli_env, drover, argv):
    result = drover(*argv)
    assert "no API key" not in result.err
