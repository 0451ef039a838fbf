"""A planted secret of every kind — in a user message, a tool input, a tool result, an agent
message and the session title — never survives an export, in any format, unless asked."""

from __future__ import annotations

import html
import json

import pytest
from export_support import KEY_SECRETS, NEEDLES, SECRETS, export_text

FORMATS = ("md", "html", "jsonl")


def _plain(text: str, fmt: str) -> str:
    """The export with its own escaping undone, so an escaped secret still counts as leaked."""
    if fmt == "html":
        return html.unescape(text)
    if fmt == "md":
        return text.replace("\\", "")
    return "\n".join(json.dumps(json.loads(line), ensure_ascii=False) for line in text.splitlines())


def test_every_kind_is_planted_in_every_place(mirror, planted):
    """The fixture really carries each secret where the other tests claim it does."""
    places = {"user.message": 0, "agent.tool_use": 0, "agent.tool_result": 0, "agent.message": 0}
    for row in mirror.reader.iter_events(planted):
        raw = json.dumps(row.event)
        if row.type in places:
            places[row.type] += sum(needle in raw for _, needle in SECRETS.values())
    assert places == dict.fromkeys(places, len(SECRETS))
    raw = json.dumps(mirror.reader.session(planted).raw)
    assert SECRETS["github-token"][1] in raw


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_secret_survives_a_redacted_export(mirror, planted, fmt):
    text, summary = export_text(mirror, planted, fmt)
    plain = _plain(text, fmt)
    leaked = [needle for needle in NEEDLES if needle in plain]
    assert leaked == []
    assert summary.redacted and summary.redactions >= 4 * len(SECRETS) + 2 * len(KEY_SECRETS)
    assert "[REDACTED:github-token]" in plain and "[REDACTED:secret]" in plain


@pytest.mark.parametrize("fmt", ("md", "html"))
def test_documents_say_they_are_redacted_and_how_much(mirror, planted, fmt):
    text, summary = export_text(mirror, planted, fmt)
    plain = _plain(text, fmt)
    assert "Redaction" in plain and "on — API keys, tokens" in plain
    assert f"redacted: {summary.redactions} replacements (" in plain


def test_jsonl_says_it_is_redacted_and_keeps_the_structure(mirror, planted):
    text, summary = export_text(mirror, planted, "jsonl")
    lines = [json.loads(line) for line in text.splitlines()]
    assert lines[0]["redacted"] is True
    assert lines[-1]["drover_export_end"]["redactions"] == summary.redactions
    stored = list(mirror.reader.iter_events(planted))
    for line, row in zip(lines[1:-1], stored, strict=True):
        assert line["id"] == row.id and line["event"].keys() == row.event.keys()
        assert line["event"]["type"] == row.type
        assert line["event"]["processed_at"] == row.processed_at
    tool_use = next(x["event"] for x in lines if x.get("event", {}).get("id") == "sevt_mcp")
    assert tool_use["input"] == {"url": "https://api.example.com"} | dict.fromkeys(
        KEY_SECRETS, "[REDACTED:secret]"
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_redact_keeps_the_secrets_and_says_so(mirror, planted, fmt):
    text, summary = export_text(mirror, planted, fmt, redact=False)
    plain = _plain(text, fmt)
    missing = [needle for needle in NEEDLES if needle not in plain]
    assert missing == []
    assert not summary.redacted and summary.redactions == 0
    assert "[REDACTED:" not in plain
    if fmt == "jsonl":
        assert json.loads(text.splitlines()[0])["redacted"] is False
    else:
        assert "not redacted — this export may contain secrets" in plain
        assert "; not redacted." in plain
