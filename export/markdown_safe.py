"""Agent Markdown made safe to render: its formatting kept, its raw HTML and script links not.

A Markdown export is read in viewers that render raw HTML (many CommonMark renderers do by
default), so an agent message carrying `<script>`, `<img onerror=…>` or an HTML comment would
run there. Messages keep their own Markdown (agents write Markdown); outside code:

* every `<` becomes `\\<` and every `&` becomes `\\&` (backslash escapes: shown as typed, never
  the start of a tag, an HTML block, a comment, an autolink or a character reference);
* `javascript:` and `vbscript:` become `javascript%3A`, so no link can run script;
* a code fence the message left open is closed, so it cannot swallow the rest of the document.

What counts as code must agree with the renderer, or HTML slips through. So the escaping makes
the code unambiguous instead of guessing CommonMark's block structure:

* **Inline code** is a pair of equal backtick runs on one line (backslash escapes honoured,
  no `|` inside: a GFM table splits cells before it finds code). Every other backtick is
  escaped, so no code span can start anywhere else or run across lines.
* **Fenced code** keeps its content only when every fence-like line of the message (three or
  more backticks or tildes after at most three spaces) starts at column 0: such a fence is
  always a top-level fence, opened and closed exactly as CommonMark does (and none holds a
  `|`, which a GFM renderer may take for a table row first). Otherwise (a fence indented in a
  list item, say) the fence lines are escaped too, so the message has no fenced
  code at all and everything in it is escaped; at worst code then shows a stray backslash.
"""

from __future__ import annotations

import re

__all__ = ["safe_markdown"]

_FENCE_LIKE = re.compile(r"^ {0,3}(?:`{3,}|~{3,})")
_OPENER = re.compile(r"^(?:(`{3,})(?=[^`]*$)|(~{3,}))")
_CLOSER = re.compile(r"^(`{3,}|~{3,}) *$")
_TICKS = re.compile(r"`+")
_SCHEME = re.compile(r"(?i)\b(javascript|vbscript)\s*\\?:")
_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


# A backslash escape (kept: `\\<` already shows a literal `<`) or a character to escape.
_ESCAPE_OR_ACTIVE = re.compile(r"\\[!-/:-@\[-`{-~]|[<&`]")


def _escape(match: re.Match[str]) -> str:
    found = match.group()
    return found if len(found) == 2 else "\\" + found


def _prose(text: str) -> str:
    text = _ESCAPE_OR_ACTIVE.sub(_escape, text)
    return _SCHEME.sub(lambda m: m.group(1) + "%3A", text)


def _closing_run(line: str, start: int, length: int) -> int | None:
    """Where the next backtick run of exactly ``length`` starts on the line, if anywhere."""
    for run in _TICKS.finditer(line, start):
        if len(run.group()) == length:
            return run.start()
    return None


def _escape_line(line: str) -> str:
    """Escape one line of prose, keeping its one-line inline code spans as they are."""
    out: list[str] = []
    prose_start = i = 0
    while i < len(line):
        char = line[i]
        if char == "\\" and i + 1 < len(line) and line[i + 1] in _PUNCTUATION:
            i += 2  # an escaped character: an escaped backtick opens no code span
            continue
        if char != "`":
            i += 1
            continue
        run = _TICKS.match(line, i)
        assert run is not None
        ticks = len(run.group())
        end = _closing_run(line, run.end(), ticks)
        if end is None or "|" in line[run.end() : end]:
            i = run.end()  # not code: these backticks are escaped with the prose around them
            continue
        out.append(_prose(line[prose_start:i]))
        out.append(line[i : end + ticks])
        prose_start = i = end + ticks
    out.append(_prose(line[prose_start:]))
    return "".join(out)


def safe_markdown(text: str) -> str:
    """An agent's Markdown message, safe in a viewer that renders raw HTML.

    Args:
        text: the message (already inert: no control characters, tabs expanded).

    Returns:
        The message with raw HTML and script links neutralised outside code, and any fence
        it opened closed.
    """
    lines = text.split("\n")
    fence_lines = [line for line in lines if _FENCE_LIKE.match(line)]
    if any(line[0] == " " or "|" in line for line in fence_lines):
        # Fences whose container CommonMark might end early: no fenced code at all.
        return "\n".join(
            _escape_line(line.replace("~", "\\~", 1) if _FENCE_LIKE.match(line) else line)
            for line in lines
        )
    out: list[str] = []
    fence: str | None = None
    for line in lines:
        if fence is None:
            opened = _OPENER.match(line)
            if opened is None:
                out.append(_escape_line(line))
                continue
            fence = opened.group(1) or opened.group(2)
            info = line[len(fence) :]
            out.append(fence + _prose(info))
            continue
        closed = _CLOSER.match(line)
        marker = closed.group(1) if closed is not None else ""
        if marker[:1] == fence[0] and len(marker) >= len(fence):
            fence = None
        out.append(line)
    if fence is not None:
        out.append(fence)
    return "\n".join(out)
