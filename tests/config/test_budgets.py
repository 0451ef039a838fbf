"""drover.config.budgets: `[budgets]` in config.toml, per profile, and clear errors."""

from __future__ import annotations

import pytest

from drover.config import Budgets, ConfigError, load_config, save_config

CONFIG = """\
default_profile = "work"

[budgets]
daily_usd = 20
monthly_usd = 300.5

[budgets.agents."Perf Investigator"]
daily_usd = 5

[profiles.work]
base_url = "http://127.0.0.1:8765"

[profiles.lab.budgets]
monthly_usd = 12.34
"""


def test_caps_per_profile_in_cents(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(CONFIG)
    config = load_config(path)
    assert config.budgets_for().caps() == [
        ("daily", None, 2000),
        ("monthly", None, 30050),
        ("daily", "Perf Investigator", 500),
    ]
    assert config.budgets_for("lab").caps() == [("monthly", None, 1234)]  # replaces, not merges
    assert config.budgets_for("unknown").caps() == config.budgets_for("work").caps()
    assert load_config(tmp_path / "absent.toml").budgets_for().caps() == []
    save_config(config, path)  # a round trip keeps them
    assert load_config(path) == config


def test_no_budgets_are_not_written_back(tmp_path):
    path = tmp_path / "config.toml"
    save_config(load_config(path), path)
    assert "budgets" not in path.read_text()
    assert Budgets().caps() == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[budgets]\ndaily_usd = 0\n", "line 2: budgets.daily_usd: must be at least 0.01"),
        ("[budgets]\ndaily_usd = nan\n", "line 2: budgets.daily_usd: must be a finite number"),
        ("[budgets]\nweekly_usd = 3\n", "line 2: budgets.weekly_usd: unknown key"),
        ('[budgets]\ndaily_usd = "lots"\n', "line 2: budgets.daily_usd: must be a number"),
        ('[budgets.agents." "]\ndaily_usd = 1\n', "agent budget needs the agent's name or id"),
        ("[budgets\ndaily_usd = 1\n", "line 1, column 9"),
    ],
)
def test_bad_budgets_name_the_file_and_line(tmp_path, text, message):
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(path) in str(caught.value) and message in str(caught.value)
