"""drover.config.editor: a change touches the keys it names and keeps every other byte."""

from __future__ import annotations

import pytest

from drover.config import ConfigError, load_config
from drover.config.editor import REMOVE, save_theme, update_config

HAND_WRITTEN = """\
# drover config, written by hand
default_profile = "work"   # the one I use
theme = "drover-dark"

[profiles.work]
base_url = "http://127.0.0.1:8765"
read_per_minute = 1200      # not 1200.0

# nothing here yet
[budgets]
daily_usd = 20
"""


def test_switching_the_theme_changes_one_line(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(HAND_WRITTEN)
    save_theme("drover-light", path)
    assert path.read_text() == HAND_WRITTEN.replace('"drover-dark"', '"drover-light"')
    assert load_config(path).theme == "drover-light"


def test_an_unchanged_value_does_not_rewrite_the_file(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(HAND_WRITTEN)
    before = path.stat().st_mtime_ns
    save_theme("drover-dark", path)
    assert path.stat().st_mtime_ns == before and path.read_text() == HAND_WRITTEN


def test_a_missing_key_is_added_above_the_tables_and_nothing_else_is(tmp_path):
    path = tmp_path / "config.toml"
    text = HAND_WRITTEN.replace('theme = "drover-dark"\n', "")
    path.write_text(text)
    save_theme("drover-solarized", path)
    after = path.read_text()
    assert after.replace('theme = "drover-solarized"\n', "") == text
    assert after.index("theme =") < after.index("[profiles.work]")


def test_a_new_profile_is_one_new_table_without_defaults(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(HAND_WRITTEN)
    update_config(
        {("profiles", "ci"): {}, ("profiles", "ci", "base_url"): "http://ci.example"}, path
    )
    after = path.read_text()
    assert after.startswith(HAND_WRITTEN)
    assert after[len(HAND_WRITTEN) :].strip() == '[profiles.ci]\nbase_url = "http://ci.example"'
    assert "per_minute = 300" not in after and "desktop_notifications" not in after


def test_a_fresh_file_holds_only_what_was_set(tmp_path):
    path = tmp_path / "new" / "config.toml"
    update_config({("profiles", "default"): {}}, path)
    assert path.read_text() == "[profiles.default]\n"
    save_theme("drover-light", path)
    assert path.read_text() == 'theme = "drover-light"\n\n[profiles.default]\n'


def test_remove_deletes_one_key(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(HAND_WRITTEN)
    update_config({("profiles", "work", "base_url"): REMOVE}, path)
    assert path.read_text() == HAND_WRITTEN.replace('base_url = "http://127.0.0.1:8765"\n', "")


def test_an_invalid_result_is_refused_and_the_file_kept(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(HAND_WRITTEN)
    with pytest.raises(ConfigError, match="read_per_minute"):
        update_config({("profiles", "work", "read_per_minute"): -1}, path)
    assert path.read_text() == HAND_WRITTEN


def test_a_broken_file_is_never_overwritten(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("theme = \n")
    with pytest.raises(ConfigError, match="line 1"):
        save_theme("drover-light", path)
    assert path.read_text() == "theme = \n"


def test_keys_and_aliases_are_checked(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[keys]\n"fleet.allow" = "a"\n[aliases]\nw = "grid 4"\n')
    config = load_config(path)
    assert config.keys == {"fleet.allow": "a"} and config.aliases == {"w": "grid 4"}
    path.write_text('[aliases]\n"two words" = "grid"\n')
    with pytest.raises(ConfigError, match="one word"):
        load_config(path)
    path.write_text('[keys]\n"fleet.allow" = ""\n')
    with pytest.raises(ConfigError, match="one or more keys"):
        load_config(path)
