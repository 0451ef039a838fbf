"""Markdown, HTML and JSONL exports of mirrored sessions: content, escaping, ranges, paging."""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from export_support import export_text

from drover.export import ExportError, resolve_range, write_export
from drover.export.core import PAGE
from drover.store.reader import ALL_THREADS

MULTI = "sesn_multiagent_delegation"
BASIC = "sesn_basic_tool_call"


def _rows(mirror, sid):
    return list(mirror.reader.iter_events(sid, thread=ALL_THREADS))


def _hostile(mirror, sid="sesn_hostile"):
    """Agent text with markup, terminal escapes and an unclosed code fence; a long output."""
    long_output = "\n".join(f"line {i}" for i in range(500))
    events = [
        {"type": "user.message", "id": "sevt_u", "processed_at": "2026-05-12T10:00:00Z",
         "content": [{"type": "text", "text": "show me"}]},
        {"type": "agent.message", "id": "sevt_m", "processed_at": "2026-05-12T10:00:01Z",
         "content": [{"type": "text", "text": "<script>alert(1)</script> <img src=x onerror=a()>"
                      " \x1b[31mRED\x1b[0m \x1b]0;pwned\x07 \x9b6n\n```python\nunclosed"}]},
        {"type": "agent.tool_use", "id": "sevt_t", "processed_at": "2026-05-12T10:00:02Z",
         "name": 'x"><b>bold</b>', "input": {"command": "cat </etc/passwd> \x1b[2J"}},
        {"type": "agent.tool_result", "id": "sevt_r", "tool_use_id": "sevt_t",
         "processed_at": "2026-05-12T10:00:03Z",
         "content": [{"type": "text", "text": long_output}]},
        {"type": "agent.brand_new_thing", "id": "sevt_n", "processed_at": "2026-05-12T10:00:04Z",
         "payload": {"html": "<iframe>"}},
    ]  # fmt: skip
    mirror.writer.submit("ingest", sid, events).result()
    return sid


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.seen: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.seen.append(tag)
        self.attrs.extend(attrs)
        if tag not in ("meta", "br"):
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1] == tag, f"</{tag}> closes {self.open[-1:]}"
        self.open.pop()


def test_markdown_is_a_readable_transcript(mirror, examples):
    text, summary = export_text(mirror, BASIC, "md")
    row = mirror.reader.session(BASIC)
    assert text.startswith(f"# Session {BASIC}\n")
    assert f"- **Session:** `{BASIC}`" in text
    assert f"- **Status:** {row.status}" in text
    assert "- **Redaction:** on" in text
    rows = _rows(mirror, BASIC)
    shown = [r for r in rows if not r.type.startswith("span.") and r.type != "session.usage"]
    for r in rows:
        assert (f"`{r.id}`" in text) == (r in shown), r.type
    tool = next(r for r in rows if r.type == "agent.tool_use")
    assert f"```json\n{json.dumps(tool.event['input'], indent=2)}\n```" in text
    message = next(r for r in rows if r.type == "agent.message")
    assert message.event["content"][0]["text"] in text
    assert summary.events == len(rows) and summary.written == len(shown)
    assert text.rstrip().endswith("redacted: no secrets found._")


def test_markdown_names_the_child_thread_of_each_event(mirror, examples):
    text, _ = export_text(mirror, MULTI, "md")
    child = [
        r
        for r in _rows(mirror, MULTI)
        if r.thread_id and not r.on_primary and not r.type.startswith("span.")
    ]
    assert len(child) >= 3
    for r in child:
        line = next(line for line in text.splitlines() if f"`{r.id}`" in line)
        assert "_thread Reviewer_" in line


def test_markdown_neutralises_escapes_and_closes_open_fences(mirror):
    sid = _hostile(mirror)
    text, _ = export_text(mirror, sid, "md")
    assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text
    assert "␛[31mRED" in text
    assert '**tool** · x"\\>\\<b\\>bold\\</b\\>' in text  # names in headings are escaped
    body = text[text.index("unclosed") :]
    assert body.startswith("unclosed\n```\n"), "the agent's open fence was not closed"
    assert "… output trimmed: 440 more lines" in text
    assert "line 59\n" in text and "line 60\n" not in text


def test_html_is_self_contained_and_well_formed(mirror, examples):
    text, summary = export_text(mirror, MULTI, "html")
    assert text.startswith("<!DOCTYPE html>")
    parser = _Tags()
    parser.feed(text)
    parser.close()
    assert parser.open == []
    assert "script" not in parser.seen and "link" not in parser.seen and "img" not in parser.seen
    assert not [v for k, v in parser.attrs if k in ("src", "href")]
    assert "http://" not in text and "https://" not in text
    assert "prefers-color-scheme: dark" in text
    assert "default-src 'none'" in text
    assert parser.seen.count("article") == summary.written


def test_html_escapes_markup_and_terminal_escapes(mirror):
    sid = _hostile(mirror)
    text, _ = export_text(mirror, sid, "html")
    parser = _Tags()
    parser.feed(text)
    assert "script" not in parser.seen and "img" not in parser.seen and "b" not in parser.seen
    assert "iframe" not in parser.seen
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "x&quot;&gt;&lt;b&gt;bold&lt;/b&gt;" in text
    assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text
    assert "␛[31mRED" in html.unescape(text) and "␛]0;pwned␇" in html.unescape(text)
    assert "… output trimmed" in text


def test_jsonl_carries_the_raw_events_and_routing(mirror, examples):
    text, summary = export_text(mirror, MULTI, "jsonl", redact=False)
    lines = [json.loads(line) for line in text.splitlines()]
    header, body, trailer = lines[0], lines[1:-1], lines[-1]
    rows = _rows(mirror, MULTI)
    assert header["drover_export"] == 1 and header["session_id"] == MULTI
    assert header["redacted"] is False and header["partial"] is False
    assert header["events"] == len(rows) == len(body) == summary.written
    assert [(b["id"], b["thread_id"], b["on_primary"], b["event"]) for b in body] == [
        (r.id, r.thread_id, r.on_primary, r.event) for r in rows
    ]
    assert trailer == {"drover_export_end": {"events": len(rows), "redactions": 0}}


def test_range_export_holds_exactly_the_range(mirror, examples):
    rows = _rows(mirror, MULTI)
    first, last = rows[3], rows[10]
    low, high = resolve_range(mirror.reader, MULTI, first.id, last.id)
    assert (low, high) == (first.seq, last.seq)
    text, summary = export_text(mirror, MULTI, "jsonl", from_seq=low, to_seq=high)
    lines = [json.loads(line) for line in text.splitlines()]
    assert [b["id"] for b in lines[1:-1]] == [r.id for r in rows[3:11]]
    assert lines[0]["partial"] is True
    assert (lines[0]["from_event"], lines[0]["to_event"]) == (first.id, last.id)
    assert (summary.first_event_id, summary.last_event_id, summary.events) == (first.id, last.id, 8)
    md, _ = export_text(mirror, MULTI, "md", from_seq=low)
    assert "part of the session" in md and f"`{rows[2].id}`" not in md
    assert f"`{rows[-1].id}`" in md


def test_range_ids_are_checked(mirror, examples):
    rows = _rows(mirror, MULTI)
    other = _rows(mirror, BASIC)[0]
    with pytest.raises(ExportError, match="no such event"):
        resolve_range(mirror.reader, MULTI, "sevt_nope", None)
    with pytest.raises(ExportError, match=f"belongs to session {BASIC}"):
        resolve_range(mirror.reader, MULTI, None, other.id)
    with pytest.raises(ExportError, match="comes after"):
        resolve_range(mirror.reader, MULTI, rows[5].id, rows[2].id)
    assert resolve_range(mirror.reader, MULTI, None, None) == (None, None)


def test_unknown_session_and_format_are_refused(mirror, examples):
    with pytest.raises(ExportError, match="no session sesn_nope"):
        export_text(mirror, "sesn_nope", "md")
    with pytest.raises(ExportError, match="unknown export format"):
        export_text(mirror, BASIC, "pdf")


class _PageSpy:
    """A reader whose transcript pages are recorded (to check the export streams)."""

    def __init__(self, reader: Any) -> None:
        self.reader = reader
        self.limits: list[int] = []

    def transcript(self, *args: Any, **kwargs: Any) -> Any:
        self.limits.append(kwargs.get("limit", 200))
        return self.reader.transcript(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.reader, name)


def test_a_long_session_is_read_a_page_at_a_time(mirror, tmp_path):
    sid = "sesn_long"
    events = [
        {"type": "agent.message", "id": f"sevt_{i:05d}", "processed_at": "2026-05-12T10:00:00Z",
         "content": [{"type": "text", "text": f"message {i}"}]}
        for i in range(2 * PAGE + 500)
    ]  # fmt: skip
    mirror.writer.submit("ingest", sid, events).result()
    spy = _PageSpy(mirror.reader)
    calls: list[tuple[int, int]] = []
    with (tmp_path / "out.md").open("w") as out:
        summary = write_export(spy, sid, "md", out, progress=lambda d, t: calls.append((d, t)))
    assert summary.events == len(events)
    assert max(spy.limits) <= PAGE and len(spy.limits) >= 3
    assert calls[0] == (0, len(events)) and calls[-1] == (len(events), len(events))
    text = (tmp_path / "out.md").read_text()
    assert "message 0\n" in text and f"message {len(events) - 1}\n" in text


# Agent Markdown that ran script in a CommonMark viewer allowing raw HTML, one way each.
_LIVE_HTML = [
    "<script>alert('prose')</script>",
    'text <img src=x onerror="alert(1)"> more',
    "- step\n  ```\n<script>alert('list fence ends with the item')</script>\n```",
    "a `b\nc` <script>alert('code span across lines')</script> `d`",
    "\\`<script>alert('escaped backtick')</script>`",
    "\\\\<script>alert('escaped backslash')</script>",
    "| `a | <script>alert('table cell')</script> | b` |\n|---|---|---|",
    "```\ncode\n  ```\n<script>alert('indented closer')</script>\n```",
    "<!-- <script>alert('comment')</script> -->",
]
# Links that run script where the renderer does not filter URLs (commonmark.js, cmark).
_SCRIPT_LINKS = [
    "[click](javascript:alert('link')) and <javascript:alert('autolink')>",
    "[ref]\n\n[ref]: javascript:alert('reference')",
    "[x](JavaScript\\:alert(1)) [y](java&#115;cript:alert(1))",
]


_SCRIPT_URL = re.compile(r"\s*(javascript|vbscript)\s*:", re.I)


class _Active(HTMLParser):
    """Collects what would run in a browser: script-capable tags, handlers, script links."""

    SAFE = frozenset(
        ["p", "code", "pre", "em", "strong", "ul", "ol", "li", "hr", "blockquote", "a", "br",
         "table", "thead", "tbody", "tr", "th", "td", "h1", "h2", "h3", "s", "del"]
    )  # fmt: skip

    def __init__(self) -> None:
        super().__init__()
        self.active: list[Any] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.SAFE:
            self.active.append(tag)
        for name, value in attrs:
            if name.startswith("on") or _SCRIPT_URL.match(value or ""):
                self.active.append((tag, name, value))

    def handle_comment(self, data: str) -> None:
        self.active.append("<!--")


def _rendered(markdown: str, preset: str) -> list[Any]:
    from markdown_it import MarkdownIt

    renderer = MarkdownIt(preset, {"html": True})
    if preset == "commonmark":
        renderer.enable("table")
    parser = _Active()
    parser.feed(renderer.render(markdown))
    return parser.active


@pytest.mark.parametrize("preset", ["commonmark", "gfm-like"])
def test_markdown_runs_no_agent_html_in_a_viewer_that_renders_html(mirror, preset):
    events = [
        {"type": "agent.message", "id": f"sevt_{n}", "processed_at": f"2026-05-12T10:00:{n:02d}Z",
         "content": [{"type": "text", "text": text}]}
        for n, text in enumerate(_LIVE_HTML + _SCRIPT_LINKS)
    ]  # fmt: skip
    mirror.writer.submit("ingest", "sesn_html", events).result()
    text, _ = export_text(mirror, "sesn_html", "md")
    assert _rendered(text, preset) == []
    assert "javascript:" not in text.lower() and "(java\\&#115;cript" in text  # no reference
    assert all(_rendered(message, preset) for message in _LIVE_HTML)  # each one was live


def test_markdown_keeps_the_agents_code_and_formatting(mirror):
    from markdown_it import MarkdownIt

    message = (
        "Use `Vec<String>` and **bold**, since a < b && c > d.\n\n"
        "```rust\nlet v: Vec<String> = x.iter().map(|s| s.to_string()).collect(); // a & b\n```"
    )
    mirror.writer.submit(
        "ingest",
        "sesn_code",
        [{"type": "agent.message", "id": "sevt_c", "processed_at": "2026-05-12T10:00:00Z",
          "content": [{"type": "text", "text": message}]}],
    ).result()  # fmt: skip
    text, _ = export_text(mirror, "sesn_code", "md")
    assert "let v: Vec<String> = x.iter().map(|s| s.to_string()).collect(); // a & b" in text
    out = MarkdownIt("commonmark", {"html": True}).render(text)
    assert "<code>Vec&lt;String&gt;</code>" in out and "<strong>bold</strong>" in out
    assert "since a &lt; b &amp;&amp; c &gt; d." in out


def test_no_mix_of_markdown_pieces_gets_html_through():
    """A seeded random search over the pieces the attacks above are made of."""
    import random

    from drover.export.markdown_safe import safe_markdown

    pieces = ["`", "``", "```", "~~~", "```\n", "\n```\n", "    ", "  ", "- ", "1. ", "> ",
              "\\", "|", " |\n", "|---|\n", "\n", "\n\n", "<script>alert(1)</script>",
              "<img src=x onerror=a()>", "<!--", "[x]", "(javascript:alert(1))", "[a]: ",
              "&#60;", "a", "*", "# ", "<", "\\<", "\\\\"]  # fmt: skip
    rng = random.Random(2026)
    for _ in range(2000):
        message = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 30)))
        assert _rendered(safe_markdown(message), "commonmark") == [], repr(message)
