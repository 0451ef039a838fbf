"""drover.config.settings: the typed model, TOML load/save, errors that name file and line."""

from __future__ import annotations

import pytest

from drover.config import Config, ConfigError, Profile, load_config, save_config


def test_missing_file_gives_defaults(tmp_path):
    config = load_config(tmp_path / "absent.toml")
    assert config == Config()
    resolved = config.resolve()
    assert resolved.name == "default" and resolved.base_url == "https://api.anthropic.com"
    assert (resolved.create_per_minute, resolved.read_per_minute) == (300, 1200)
    assert resolved.workspace_id is None and config.theme


def test_round_trip(tmp_path):
    path = tmp_path / "sub" / "config.toml"
    config = Config(
        default_profile="work",
        theme="drover-light",
        profiles={
            "work": Profile(
                base_url="http://127.0.0.1:8765",
                workspace_id="wrkspc_1",
                create_per_minute=60,
                read_per_minute=600,
            ),
            "prod": Profile(),
        },
    )
    assert save_config(config, path) == path
    assert load_config(path) == config
    text = path.read_text()
    assert "[profiles.work]" in text and "None" not in text
    resolved = load_config(path).resolve()
    assert resolved.name == "work" and resolved.base_url == "http://127.0.0.1:8765"
    assert resolved.read_per_minute == 600


def test_env_var_path(tmp_path, monkeypatch):
    path = tmp_path / "env.toml"
    path.write_text('theme = "x"\n')
    monkeypatch.setenv("DROVER_CONFIG", str(path))
    assert load_config().theme == "x"


def test_base_url_precedence(monkeypatch):
    config = Config(profiles={"default": Profile(base_url="http://profile")})
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://env/")  # never read by the config itself
    assert config.resolve().base_url == "http://profile"
    assert config.resolve(base_url="http://override/").base_url == "http://override"
    assert Config().resolve().base_url == "https://api.anthropic.com"


def test_unknown_profile_is_a_clear_error():
    config = Config(profiles={"a": Profile()})
    with pytest.raises(ConfigError, match=r"no profile named 'b' \(defined: a\)"):
        config.resolve("b")


def test_malformed_toml_names_file_and_line(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('theme = "ok"\n\n[profiles.default]\nbase_url = \n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert str(path) in message and "line 4" in message
    assert "Traceback" not in message


def test_invalid_value_names_file_key_and_line(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[profiles.default]\nbase_url = "x"\nread_per_minute = -5\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert str(path) in message and "profiles.default" in message
    assert "line 2" in message and "(and 1 more)" in message


def test_api_key_in_config_is_rejected(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[profiles.default]\napi_key = "sk-ant-oops"\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert "api_key" in str(info.value) and "line 2" in str(info.value)
    assert "sk-ant-oops" not in str(info.value)


def test_bad_profile_name_in_file(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[profiles."../evil"]\n')
    with pytest.raises(ConfigError, match="invalid profile name"):
        load_config(path)


def test_unreadable_file(tmp_path):
    path = tmp_path / "config.toml"
    path.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_config(path)
