"""Markdown export: a readable transcript of a session (or a range of it).

Layout: the title, a list of the session's facts (id, agent, status, cost, time range, the
range exported, whether it is redacted), then one entry per event — who/what, when, its text;
tool calls with their input as a JSON block, tool output in a code block (long output trimmed
with a note), errors and status changes — and a closing line with the count of events and of
redactions.

Agent text is data: control characters are shown as visible stand-ins (`drover.text.inert`);
messages keep their own Markdown (agents write Markdown) with raw HTML and script links
neutralised and an unclosed code fence closed (`drover.export.markdown_safe`), so the file is
safe in a viewer that renders raw HTML; names and ids in headings are escaped; code blocks use
a fence longer than any backtick run inside them.
"""

from __future__ import annotations

import re

from drover.export.document import (
    DocEvent,
    DocumentWriter,
    ExportHeader,
    closing_line,
    session_facts,
    title,
)
from drover.export.markdown_safe import safe_markdown

# Markdown syntax in one-line strings. `_` only counts at a word's edge (CommonMark ignores
# intraword underscores), so ids and snake_case names stay readable as plain text.
_SPECIAL = re.compile(r"([\\`*\[\]<>#|~!])|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
_TICKS = re.compile(r"`+")


def _inline(text: str) -> str:
    """Escape Markdown syntax in a one-line string (names, headings)."""
    return _SPECIAL.sub(lambda m: "\\" + m.group(), text)


def _code_span(text: str) -> str:
    longest = max((len(run) for run in _TICKS.findall(text)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _code_block(text: str, lang: str = "") -> str:
    longest = max((len(run) for run in _TICKS.findall(text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{lang}\n{text}\n{fence}"


class MarkdownWriter(DocumentWriter):
    """Writes a Markdown export to a text stream, one event at a time.

    Args:
        out: the stream.
        redactor: redacts every string before it is written.
    """

    extension = "md"

    def begin(self, header: ExportHeader) -> None:
        """Write the title and the session's facts."""
        self.threads = header.thread_names()
        lines = [f"# {_inline(title(header, self.redactor))}", ""]
        for label, value in session_facts(header, self.redactor):
            shown = _code_span(value) if label == "Session" else _inline(value)
            lines.append(f"- **{label}:** {shown}")
        self.out.write("\n".join(lines) + "\n")

    @staticmethod
    def _render(doc: DocEvent) -> str:
        head = f"**{_inline(doc.label)}**"
        if doc.tone == "status":  # one line: what changed, then when
            head += f" · {_inline(doc.text)}"
        if doc.heading:
            head += f" · {_inline(doc.heading)}"
        if doc.thread:
            head += f" · _thread {_inline(doc.thread)}_"
        head += f" · {_inline(doc.when)} · {_code_span(doc.event_id)}"
        # A rule before each user turn splits the transcript into exchanges.
        parts = ["---", head] if doc.label == "you" and doc.tone == "user" else [head]
        if doc.text and doc.output:
            parts.append(_code_block(doc.text))
        elif doc.text and doc.tone == "error":
            parts.append("> " + _inline(doc.text).replace("\n", "\n> "))
        elif doc.text and doc.tone != "status":
            parts.append(safe_markdown(doc.text))
        if doc.code:
            parts.append(_code_block(doc.code, "json"))
        if doc.note:
            parts.append(f"_{_inline(doc.note)}_")
        return "\n" + "\n\n".join(parts) + "\n"

    def end(self, events: int, omitted: int) -> None:
        """Write the closing line (counts and the redaction summary)."""
        self.out.write(f"\n---\n\n_{_inline(closing_line(events, omitted, self.redactor))}_\n")
