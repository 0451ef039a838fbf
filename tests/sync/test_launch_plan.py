"""Launch planning: items from lines, JSON Lines, CSV or a count; placeholders; tags; limits."""

from __future__ import annotations

import io

import pytest

from drover.config.templates import LaunchTemplate
from drover.sync.launch_plan import (
    LAUNCH_TAG,
    TAG_ITEM,
    PlanError,
    counted_items,
    guess_format,
    parse_items,
    plan_launch,
    read_items,
    render,
    session_request,
)


def _template(**fields):
    fields.setdefault("agent", "agent_1")
    fields.setdefault("environment", "env_1")
    return LaunchTemplate(**fields)


def test_one_item_per_line_gives_item_and_skips_blanks_and_comments():
    text = "https://x/pull/1\n\n# later\n  https://x/pull/2  \n"
    assert parse_items(text, "lines") == [
        {"item": "https://x/pull/1"},
        {"item": "https://x/pull/2"},
    ]


def test_json_lines_give_named_fields_and_strings_give_item():
    text = '{"url": "u1", "repo": "web", "n_files": 3}\n"plain"\n\n'
    assert parse_items(text, "jsonl") == [
        {"url": "u1", "repo": "web", "n_files": "3"},
        {"item": "plain"},
    ]
    with pytest.raises(PlanError, match="line 2 is not JSON"):
        parse_items('{"a": 1}\n{nope\n', "jsonl")


def test_csv_gives_its_columns():
    text = "url,repo\nu1,web\nu2,api\n"
    assert parse_items(text, "csv") == [{"url": "u1", "repo": "web"}, {"url": "u2", "repo": "api"}]


def test_the_format_comes_from_the_name_else_from_the_text():
    assert guess_format("prs.csv", "a,b") == "csv"
    assert guess_format("prs.jsonl", "x") == "jsonl"
    assert guess_format("prs.txt", '{"a": 1}\n{"a": 2}') == "jsonl"
    assert guess_format("-", "one\ntwo") == "lines"


def test_items_from_stdin_and_empty_files(tmp_path):
    assert read_items("-", stdin=io.StringIO("a\nb\n")) == [{"item": "a"}, {"item": "b"}]
    empty = tmp_path / "empty.txt"
    empty.write_text("\n")
    with pytest.raises(PlanError, match="no items"):
        read_items(str(empty))
    with pytest.raises(PlanError, match="cannot read"):
        read_items(str(tmp_path / "missing.txt"))


def test_count_gives_n_from_one():
    plan = plan_launch(
        _template(message="job {n}"), counted_items(3), agent_id="agent_1", environment_id="env_1"
    )
    assert [r.first_message for r in plan.requests] == ["job 1", "job 2", "job 3"]
    with pytest.raises(PlanError):
        counted_items(0)


def test_placeholders_render_and_braces_escape():
    assert render("Review {url} {{literal}}", {"url": "u"}) == "Review u {literal}"
    with pytest.raises(PlanError, match=r"\{repo\} is not a field of the item \(it has \{url\}\)"):
        render("{repo}", {"url": "u"})
    with pytest.raises(PlanError, match="no placeholder"):
        render("a { b", {})
    with pytest.raises(PlanError, match="no placeholder"):
        render("{a.__class__ }", {})


def test_every_session_is_tagged_with_the_launch_and_its_item():
    template = _template(
        title="PR {item}",
        message="Review {item}",
        metadata={"team": "web", "pr": "{item}"},
        vault_ids=["vlt_1"],
        budget_usd=2.5,
        agent_version=3,
    )
    plan = plan_launch(
        template, [{"item": "a"}, {"item": "b"}], agent_id="agent_1", environment_id="env_1"
    )
    second = plan.requests[1]
    assert second.title == "PR b" and second.first_message == "Review b"
    assert second.metadata == {"team": "web", "pr": "b", LAUNCH_TAG: plan.id, TAG_ITEM: "1"}
    body = second.body()
    assert body["budget"] == {
        "type": "limit",
        "max_list_cost": {"amount": "250", "currency": "USD"},
    }
    assert body["vault_ids"] == ["vlt_1"]
    assert second.agent() == {"type": "agent", "id": "agent_1", "version": 3}
    assert plan.launch.items[1][0] == {"item": "b", "n": "2"}


def test_a_missing_field_names_the_item_before_anything_is_sent():
    with pytest.raises(PlanError, match=r"item 2: \{repo\} is not a field"):
        plan_launch(
            _template(message="{url} in {repo}"),
            [{"url": "u1", "repo": "web"}, {"url": "u2"}],
            agent_id="a",
            environment_id="e",
        )


def test_metadata_limits_are_checked_up_front():
    too_many = {f"k{i}": "v" for i in range(15)}
    with pytest.raises(PlanError, match="at most 14 keys"):
        plan_launch(_template(metadata=too_many), [{}], agent_id="a", environment_id="e")
    with pytest.raises(PlanError, match="512"):
        plan_launch(
            _template(metadata={"k": "{item}"}),
            [{"item": "x" * 600}],
            agent_id="a",
            environment_id="e",
        )


def test_a_repository_token_is_read_from_the_environment_never_stored():
    with pytest.raises(ValueError, match="authorization_token_env"):
        _template(resources=[{"type": "github_repository", "url": "u", "authorization_token": "t"}])
    template = _template(
        resources=[
            {
                "type": "github_repository",
                "url": "https://github.com/acme/{repo}",
                "authorization_token_env": "GH_TOKEN",
            }
        ]
    )
    plan = plan_launch(template, [{"repo": "web"}], agent_id="a", environment_id="e")
    assert plan.token_envs == ("GH_TOKEN",)
    _fields, stored = plan.launch.items[0]
    assert "ghp_" not in repr(stored) and stored["resources"][0]["url"].endswith("/web")
    request = session_request(plan.launch.spec, stored, {"GH_TOKEN": "ghp_secret"})
    assert request.resources[0]["authorization_token"] == "ghp_secret"
    assert "authorization_token_env" not in request.resources[0]
    with pytest.raises(PlanError, match="GH_TOKEN is not set"):
        session_request(plan.launch.spec, stored, {})
