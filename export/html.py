"""HTML export: one self-contained file (inline CSS; no scripts, fonts or other resources).

The same content as the Markdown export (see `drover.export.document`), laid out for a
browser: a header with the session's facts, one block per event coloured by kind, tool input
and output as preformatted text, and a closing line with the redaction count. The page follows
the reader's light or dark preference (`prefers-color-scheme`).

Agent text is data: every string is HTML-escaped (quotes included) after control characters
became visible stand-ins, so neither markup (`<script>`) nor terminal escapes survive; a
Content-Security-Policy meta tag forbids scripts and remote loads even if something slipped.
"""

from __future__ import annotations

from html import escape

from drover.export.document import (
    DocEvent,
    DocumentWriter,
    ExportHeader,
    closing_line,
    session_facts,
    title,
)

_CSS = """
:root { color-scheme: light dark; --bg: #fdfdfc; --fg: #1f2328; --muted: #636c76;
  --line: #d8dee4; --code: #f3f4f6; --user: #0a5fb4; --agent: #1a7f37; --tool: #8250df;
  --result: #636c76; --error: #cf222e; --status: #9a6700; }
@media (prefers-color-scheme: dark) { :root { --bg: #0d1117; --fg: #e6edf3;
  --muted: #8d96a0; --line: #30363d; --code: #161b22; --user: #58a6ff; --agent: #3fb950;
  --tool: #bc8cff; --result: #8d96a0; --error: #f85149; --status: #d29922; } }
body { background: var(--bg); color: var(--fg); margin: 0 auto; max-width: 60rem;
  padding: 1.5rem; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; }
h1 { font-size: 1.4rem; margin: 0 0 .75rem; overflow-wrap: anywhere; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem;
  margin: 0 0 1.5rem; font-size: .9rem; }
dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; overflow-wrap: anywhere; }
dd.redaction-on { color: var(--agent); } dd.redaction-off { color: var(--error); font-weight: 600; }
article { border-left: 3px solid var(--line); padding: .2rem 0 .2rem .8rem; margin: .6rem 0; }
article.user { border-color: var(--user); margin-top: 1.6rem; }
article.agent { border-color: var(--agent); } article.tool { border-color: var(--tool); }
article.result { border-color: var(--result); } article.error { border-color: var(--error); }
article.status { border-color: var(--status); font-size: .9rem; }
.head { font-size: .85rem; color: var(--muted); }
.who { font-weight: 700; color: var(--fg); } .what { color: var(--fg); }
.thread { font-style: italic; } code.id { font-size: .75rem; }
.msg { white-space: pre-wrap; overflow-wrap: anywhere; margin: .2rem 0; }
pre { background: var(--code); padding: .5rem .7rem; border-radius: 4px; overflow-x: auto;
  white-space: pre-wrap; overflow-wrap: anywhere; font-size: .85rem; margin: .3rem 0; }
.note { color: var(--muted); font-style: italic; font-size: .85rem; margin: .2rem 0; }
footer { border-top: 1px solid var(--line); margin-top: 2rem; padding-top: .75rem;
  color: var(--muted); font-size: .9rem; }
"""


def _e(text: str) -> str:
    return escape(text, quote=True)


class HtmlWriter(DocumentWriter):
    """Writes an HTML export to a text stream, one event at a time.

    Args:
        out: the stream.
        redactor: redacts every string before it is written.
    """

    extension = "html"

    def begin(self, header: ExportHeader) -> None:
        """Write the document head, the title and the session's facts."""
        self.threads = header.thread_names()
        name = _e(title(header, self.redactor))
        facts = []
        for label, value in session_facts(header, self.redactor):
            css = ""
            if label == "Redaction":
                css = ' class="redaction-on"' if header.redacted else ' class="redaction-off"'
            facts.append(f"<dt>{_e(label)}</dt><dd{css}>{_e(value)}</dd>")
        self.out.write(
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            '<meta name="color-scheme" content="light dark">\n'
            '<meta http-equiv="Content-Security-Policy" '
            "content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
            '<meta name="generator" content="drover export">\n'
            f"<title>{name}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
            f'<header>\n<h1>{name}</h1>\n<dl class="facts">\n'
            + "\n".join(facts)
            + "\n</dl>\n</header>\n<main>\n"
        )

    @staticmethod
    def _render(doc: DocEvent) -> str:
        head = [f'<span class="who">{_e(doc.label)}</span>']
        if doc.heading:
            head.append(f'<span class="what">{_e(doc.heading)}</span>')
        if doc.thread:
            head.append(f'<span class="thread">thread {_e(doc.thread)}</span>')
        head.append(f"<time>{_e(doc.when)}</time>")
        head.append(f'<code class="id">{_e(doc.event_id)}</code>')
        parts = [f'<div class="head">{" · ".join(head)}</div>']
        if doc.text and doc.output:
            parts.append(f"<pre>{_e(doc.text)}</pre>")
        elif doc.text:
            parts.append(f'<div class="msg">{_e(doc.text)}</div>')
        if doc.code:
            parts.append(f'<pre class="code">{_e(doc.code)}</pre>')
        if doc.note:
            parts.append(f'<p class="note">{_e(doc.note)}</p>')
        tone = (
            doc.tone if doc.tone in ("user", "agent", "tool", "result", "error", "status") else ""
        )
        return (
            f'<article class="{tone}" id="{_e(doc.event_id)}">\n'
            + "\n".join(parts)
            + "\n</article>\n"
        )

    def end(self, events: int, omitted: int) -> None:
        """Close the document with the counts and the redaction summary."""
        line = _e(closing_line(events, omitted, self.redactor))
        self.out.write(f"</main>\n<footer>{line}</footer>\n</body>\n</html>\n")
