"""The search language, parsed without a database: FTS5 expressions, facets, edge cases."""

from __future__ import annotations

import pytest

from drover.store.search_filters import EVENT_TYPES, SearchFilters, resolve_types
from drover.store.search_query import SearchSyntaxError, parse_query


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("deploy", '"deploy"'),
        ("deploy failed", '"deploy" "failed"'),
        ('"connection refused" kube*', '"connection refused" "kube"*'),
        ('"error in mod"*', '"error in mod"*'),
        ('deploy -flaky -"known issue"', '("deploy") NOT "flaky" NOT "known issue"'),
        ("AND OR NEAR( col:x", None),  # `col:` is not a filter key, see the error test below
    ],
)
def test_text_becomes_quoted_fts_terms(text, match):
    if match is None:
        with pytest.raises(SearchSyntaxError):
            parse_query(text)
        return
    assert parse_query(text).match == match


def test_operators_and_punctuation_are_words_not_syntax():
    assert parse_query("AND OR NEAR(x) ( --").match == '"AND" "OR" "NEAR(x)"'
    assert parse_query("( -- &&").match is None
    assert parse_query("rm -rf /").match == '("rm") NOT "rf"'


def test_facets_are_collected_and_validated():
    parsed = parse_query(
        'zebra agent:"pr reviewer" agent:agent_1 session:sesn_1 STATUS:Idle type:tool_use '
        "tool:bash since:2026-05-01 before:2026-05-31T12:30:00+02:00 until:2026-05-20"
    )
    f = parsed.filters
    assert parsed.match == '"zebra"' and parsed.words == ("zebra",)
    assert f.agents == ("pr reviewer", "agent_1") and f.sessions == ("sesn_1",)
    assert f.statuses == ("idle",) and f.tools == ("bash",)
    assert f.types == ("agent.custom_tool_use", "agent.mcp_tool_use", "agent.tool_use")
    assert (f.after, f.before) == ("2026-05-01", "2026-05-21")  # until: includes its day
    assert f.describe() == [
        'agent:"pr reviewer"', "agent:agent_1", "session:sesn_1", "status:idle",
        "type:agent.custom_tool_use", "type:agent.mcp_tool_use", "type:agent.tool_use",
        "tool:bash", "after:2026-05-01", "before:2026-05-21",
    ]  # fmt: skip


def test_times_are_normalised_to_utc_seconds():
    f = parse_query("x after:2026-05-01T12:30:45.123+02:00 before:2026-05-02T00:00:00Z").filters
    assert (f.after, f.before) == ("2026-05-01T10:30:45", "2026-05-02T00:00:00")


def test_urls_and_times_stay_text():
    assert parse_query("https://example.com/x").match == '"https://example.com/x"'
    assert parse_query("12:30").match == '"12:30"'
    assert parse_query('"colour:red"').match == '"colour:red"'


def test_type_short_forms():
    assert resolve_types("agent.brand_new") == ("agent.brand_new",)
    assert set(resolve_types("span")) == {t for t in EVENT_TYPES if t.startswith("span.")}
    assert set(resolve_types("error")) == {"session.error", "workflow_run.error"}
    assert {"user.message", "agent.message"} <= set(resolve_types("message"))


def test_keyword_facets_merge_with_query_facets():
    typed = parse_query("x agent:a after:2026-05-01 before:2026-06-01").filters
    flags = SearchFilters.build(agent=["b"], after="2026-05-10", before="2026-05-20")
    both = flags.merged(typed)
    assert both.agents == ("b", "a")
    assert (both.after, both.before) == ("2026-05-10", "2026-05-20")
    assert not SearchFilters().active and both.active


def test_unknown_filter_message_names_the_keys_and_how_to_search_the_text():
    with pytest.raises(SearchSyntaxError) as caught:
        parse_query("colour:red")
    assert str(caught.value) == (
        "unknown filter colour; use agent, session, status, type, tool, outcome, after, before "
        '(to search for the text, quote it: "colour:…")'
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7d", "2026-05-14T12:00:00"),
        ("24h", "2026-05-20T12:00:00"),
        ("-30m", "2026-05-21T11:30:00"),
        ("2W", "2026-05-07T12:00:00"),
        ("90s", "2026-05-21T11:58:30"),
    ],
)
def test_relative_dates_mean_that_long_ago(text, expected):
    from datetime import UTC, datetime

    from drover.store.search_filters import parse_bound

    now = datetime(2026, 5, 21, 12, 0, tzinfo=UTC)
    assert parse_bound(text, "after", now=now) == expected


def test_relative_dates_work_as_facets_and_bad_ones_say_the_forms():
    f = parse_query("deploy after:7d before:-1h").filters
    assert f.after is not None and f.before is not None and f.after < f.before
    with pytest.raises(SearchSyntaxError, match="how long ago: 30m, 24h, 7d, 2w"):
        parse_query("x after:7y")
