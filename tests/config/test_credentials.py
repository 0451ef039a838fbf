"""Key lookup against a REAL Secret Service (gnome-keyring on a private D-Bus session).

Run with: dbus-run-session -- scripts/with-keyring .venv/bin/python -m pytest tests/config
The no-backend path runs in subprocesses with keyring's fail backend forced.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import keyring
import keyring.backends.fail
import keyring.backends.SecretService
import pytest

from drover.config import (
    Config,
    KeyringUnavailableError,
    MissingApiKeyError,
    Profile,
    delete_key,
    get_api_key,
    resolve_api_key,
    save_config,
    store_key,
)


@pytest.fixture
def profile():
    """A unique profile name, its keyring entry removed afterwards."""
    name = f"test-{uuid.uuid4().hex[:12]}"
    yield name
    delete_key(name)


@pytest.fixture(autouse=True)
def _no_env_key(monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)


def test_the_keyring_is_a_real_secret_service():
    assert isinstance(keyring.get_keyring(), keyring.backends.SecretService.Keyring)


def test_store_get_delete_round_trip(profile):
    store_key(profile, "  sk-ant-stored-1  ")
    assert keyring.get_password("drover", profile) == "sk-ant-stored-1"
    resolved = resolve_api_key(profile, env={})
    assert (resolved.value, resolved.source) == ("sk-ant-stored-1", "keyring")
    assert "sk-ant-stored-1" not in repr(resolved)
    assert delete_key(profile) is True
    assert delete_key(profile) is False
    with pytest.raises(MissingApiKeyError):
        get_api_key(profile, env={})


def test_lookup_order(profile):
    store_key(profile, "sk-from-keyring")
    env = {"ANTHROPIC_API_KEY": "sk-from-env"}
    assert resolve_api_key(profile, "sk-flag", env=env).source == "explicit"
    assert get_api_key(profile, "sk-flag", env=env) == "sk-flag"
    assert get_api_key(profile, None, env=env) == "sk-from-env"
    assert get_api_key(profile, "  ", env={"ANTHROPIC_API_KEY": ""}) == "sk-from-keyring"


def test_profiles_are_separate(profile):
    other = profile + "-b"
    store_key(profile, "sk-a")
    try:
        store_key(other, "sk-b")
        assert get_api_key(profile, env={}) == "sk-a" and get_api_key(other, env={}) == "sk-b"
    finally:
        delete_key(other)


def test_missing_key_message_is_actionable(profile):
    with pytest.raises(MissingApiKeyError) as info:
        get_api_key(profile, env={})
    message = str(info.value)
    assert f"no API key for profile {profile!r}" in message
    assert "drover login" in message and "ANTHROPIC_API_KEY" in message


def test_store_rejects_empty_key(profile):
    with pytest.raises(ValueError):
        store_key(profile, "   ")


def test_injected_fail_backend_in_process(profile):
    fail = keyring.backends.fail.Keyring()
    with pytest.raises(MissingApiKeyError, match="keyring is unavailable"):
        get_api_key(profile, env={}, backend=fail)
    with pytest.raises(KeyringUnavailableError, match="set ANTHROPIC_API_KEY instead"):
        store_key(profile, "sk-secret-xyz", backend=fail)
    with pytest.raises(KeyringUnavailableError):
        delete_key(profile, backend=fail)
    assert get_api_key(profile, env={"ANTHROPIC_API_KEY": "sk-e"}, backend=fail) == "sk-e"


_HEADLESS = """
import sys
from drover.config import CredentialError, get_api_key, store_key
try:
    get_api_key("default", env={})
except CredentialError as exc:
    print("LOOKUP:", exc)
try:
    store_key("default", "sk-ant-headless-secret")
except CredentialError as exc:
    print("STORE:", exc)
print("ENV:", get_api_key("default", env={"ANTHROPIC_API_KEY": "sk-ok"}))
"""


def test_headless_machine_without_backend_subprocess():
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    env.pop("ANTHROPIC_API_KEY", None)
    done = subprocess.run(
        [sys.executable, "-c", _HEADLESS],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # no traceback, no warning noise
    lines = done.stdout.splitlines()
    assert lines[0].startswith("LOOKUP: no API key for profile 'default': run `drover login")
    assert "NoKeyringError" in lines[0]
    assert lines[1].startswith("STORE: cannot save the API key") and "secret" not in lines[1]
    assert lines[2] == "ENV: sk-ok"


def test_key_never_lands_in_config_or_data_files(profile, tmp_path):
    secret = f"sk-ant-{uuid.uuid4().hex}"
    store_key(profile, secret)
    save_config(
        Config(default_profile=profile, profiles={profile: Profile()}), tmp_path / "config.toml"
    )
    get_api_key(profile, env={})
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes()
