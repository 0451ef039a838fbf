"""drover.config.schema: the records' checks, their paths and messages, and writing them back."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from drover.config.budgets import Budgets
from drover.config.rules import Rule
from drover.config.schema import SchemaError
from drover.config.settings import Config, Profile
from drover.config.templates import LaunchTemplate
from drover.config.theme_file import ThemeFile


def _problems(data: object, record: type = Config) -> list[tuple[str, str]]:
    with pytest.raises(SchemaError) as caught:
        record.from_data(data)  # type: ignore[attr-defined]
    return [(p.where, p.message) for p in caught.value.problems]


def test_every_problem_is_named_by_its_path_in_the_datas_order() -> None:
    data = {
        "profiles": {
            "work": {"base_url": "ftp://x", "read_per_minute": 0, "api_key": "sk-ant-secret"},
        },
        "theme": 3,
    }
    assert _problems(data) == [
        ("profiles.work.base_url", "base_url must start with http:// or https://"),
        ("profiles.work.read_per_minute", "must be greater than 0"),
        ("profiles.work.api_key", "unknown key (not a setting drover has)"),
        ("theme", "must be text"),
    ]
    with pytest.raises(SchemaError) as caught:
        Config.from_data(data)
    assert str(caught.value) == (
        "profiles.work.base_url: base_url must start with http:// or https:// (and 3 more)"
    )
    assert "sk-ant-secret" not in str(caught.value)  # a value is never echoed back


def test_kinds_are_checked_strictly() -> None:
    assert _problems({"desktop_notifications": "yes"}) == [
        ("desktop_notifications", "must be true or false")
    ]
    # True is an int to Python, never a count in a config file; floats are not whole numbers
    assert _problems({"profiles": {"p": {"create_burst": True}}}) == [
        ("profiles.p.create_burst", "must be a whole number")
    ]
    assert _problems({"profiles": {"p": {"create_burst": 2.5}}}) == [
        ("profiles.p.create_burst", "must be a whole number")
    ]
    assert _problems({"profiles": {"p": "work"}}) == [("profiles.p", "must be a table")]
    assert _problems({"keys": ["a"]}) == [("keys", "must be a table")]
    assert _problems({"budgets": {"daily_usd": float("inf")}}) == [
        ("budgets.daily_usd", "must be a finite number")
    ]
    assert _problems({"action": "maybe", "tool": "bash", "input": "x"}, Rule) == [
        ("action", "must be one of 'allow', 'deny'")
    ]
    assert _problems({"tool": "", "input": "x", "until": "soon"}, Rule) == [
        ("tool", "must not be empty"),
        ("until", "must be a date and time"),
    ]
    assert _problems({"agent": "a"}, LaunchTemplate) == [("environment", "required")]
    assert _problems({"primary": "#zzz", "name": "no spaces"}, ThemeFile) == [
        ("primary", "'#zzz' is not a colour like #88C0D0"),
        ("name", "letters, digits, '.', '_' and '-' (at most 64, starting with a letter or digit)"),
    ]


def test_numbers_widen_and_times_get_a_zone() -> None:
    profile = Profile.from_data({"create_per_minute": 60})
    assert profile.create_per_minute == 60.0 and isinstance(profile.create_per_minute, float)
    naive = Rule.from_data({"tool": "bash", "input": "ls", "until": "2030-01-01T12:00:00"})
    assert naive.until == datetime(2030, 1, 1, 12, tzinfo=UTC)


def test_code_builds_records_through_the_same_checks() -> None:
    with pytest.raises(SchemaError, match=r"^input: input is not a regular expression"):
        Rule(tool="bash", input="(")
    with pytest.raises(SchemaError, match=r"^create_per_minute: must be greater than 0$"):
        Profile(create_per_minute=-1)
    template = LaunchTemplate(agent="a", environment="e", message="  ")
    assert template.message is None  # a blank first message: the sessions start idle
    with pytest.raises(SchemaError, match=r"^budget_usd: must be greater than 0$"):
        dataclasses.replace(template, budget_usd=0.0)


def test_to_data_leaves_out_what_it_is_asked_to() -> None:
    rule = Rule(tool="bash", input="ls", until=datetime(2030, 1, 1, tzinfo=UTC))
    assert rule.to_data(exclude_none=True) == {
        "tool": "bash", "input": "ls", "action": "allow", "until": rule.until,
    }  # fmt: skip
    assert rule.to_data(exclude_none=True, json=True)["until"] == "2030-01-01T00:00:00Z"
    template = LaunchTemplate(agent="a", environment="e", metadata={"team": "web"})
    assert template.to_data(exclude_none=True, exclude_defaults=True) == {
        "agent": "a", "environment": "e", "metadata": {"team": "web"},
    }  # fmt: skip
    budgets = Budgets.from_data({"daily_usd": 5, "agents": {"Bot": {"monthly_usd": 9}}})
    assert budgets.to_data(exclude_none=True) == {
        "daily_usd": 5.0, "agents": {"Bot": {"monthly_usd": 9.0}},
    }  # fmt: skip
    assert Budgets.from_data(budgets.to_data()) == budgets
