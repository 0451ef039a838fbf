"""`ProfileEngines`: one way from a profile to a client and an engine, each profile its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from drover.config import Config, MissingApiKeyError, Profile, delete_key, store_key
from drover.store.account import MirrorAccountError
from drover.store.mirror import Mirror
from drover.sync.account import Overrides
from drover.sync.profiles import ProfileEngines

CONFIG = Config(
    default_profile="home-test",
    profiles={
        "home-test": Profile(base_url="http://home.example.test", read_per_minute=600),
        "work-test": Profile(base_url="http://work.example.test", workspace_id="wrkspc_9"),
    },
)
ENV = {"ANTHROPIC_BASE_URL": "http://env.example.test/", "ANTHROPIC_API_KEY": "sk-ant-from-env"}


@pytest.fixture
def keys():
    store_key("home-test", "sk-ant-home-key")
    store_key("work-test", "sk-ant-work-key")
    yield
    delete_key("home-test")
    delete_key("work-test")


def test_each_profile_gets_its_own_endpoint_key_and_limits(keys, tmp_path):
    engines = ProfileEngines(CONFIG, tmp_path)
    home, work = engines.account("home-test"), engines.account()
    assert work.name == "home-test"  # no name: the start profile
    work = engines.account("work-test")
    assert (home.profile.base_url, home.key.value, home.key.source) == (
        "http://home.example.test", "sk-ant-home-key", "keyring")  # fmt: skip
    assert (work.profile.base_url, work.profile.workspace_id, work.key.value) == (
        "http://work.example.test", "wrkspc_9", "sk-ant-work-key")  # fmt: skip
    assert home.profile.read_per_minute == 600 and work.profile.read_per_minute == 1200


def test_flags_and_environment_override_the_start_profile_only(keys, tmp_path):
    engines = ProfileEngines(
        CONFIG, tmp_path, start="home-test", overrides=Overrides.from_command_line(env=ENV)
    )
    home, work = engines.account("home-test"), engines.account("work-test")
    assert home.profile.base_url == "http://env.example.test"
    assert (home.key.value, home.key.source) == ("sk-ant-from-env", "env")
    assert home.overrides == ("ANTHROPIC_BASE_URL", "ANTHROPIC_API_KEY")
    assert (work.profile.base_url, work.key.value, work.overrides) == (
        "http://work.example.test", "sk-ant-work-key", ())  # fmt: skip
    flags = Overrides.from_command_line("http://flag.example.test", "sk-ant-flag", env=ENV)
    assert flags.names == ("--base-url", "--api-key") and flags.key_source == "explicit"


def test_the_client_carries_the_profiles_endpoint_key_workspace_and_budget(keys, tmp_path):
    engines = ProfileEngines(CONFIG, tmp_path)
    client = engines.client(engines.account("work-test"))
    try:
        assert client.base_url == "http://work.example.test"
        assert client.workspace_id == "wrkspc_9"
        assert client._control.headers["x-api-key"] == "sk-ant-work-key"
        assert client.rate_budget.read.per_minute == 1200
    finally:
        import asyncio

        asyncio.run(client.aclose())


def test_a_profile_without_a_key_resolves_but_cannot_connect(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    import keyring.core

    keyring.core.init_backend()
    engines = ProfileEngines(CONFIG, tmp_path, overrides=Overrides.from_command_line(env=ENV))
    other = engines.account("work-test")  # the env's key is the start profile's, not this one's
    assert other.key is None and "drover login --profile work-test" in (other.key_problem or "")
    with pytest.raises(MissingApiKeyError):
        engines.client(other)


async def test_an_engine_binds_its_mirror_and_another_account_is_refused(keys, tmp_path: Path):
    engines = ProfileEngines(CONFIG, tmp_path)
    mirror = Mirror.open(engines.mirror_path("home-test", create=True))
    try:
        engine = await engines.engine("home-test", mirror)
        await engine.stop()
        assert mirror.reader.account().base_url == "http://home.example.test"
        with pytest.raises(MirrorAccountError, match="never mixes two accounts"):
            await engines.engine("work-test", mirror)  # work's account into home's mirror
    finally:
        mirror.close()
