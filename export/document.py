"""What the Markdown and HTML exports show, as plain data: the session's facts and each event.

Both document formats lay out the same content, so it is decided once here: `session_facts`
gives the header lines (title, id, agent, status, cost, time range, range exported,
redaction), `DocEvent.build` turns a stored event into who/when/what with its text, tool input
and output (long output trimmed with a note). Event meaning comes from
`drover.text.events.describe`, the reading the terminal transcript uses too.

Strings here are redacted (when redaction is on) and made inert (control characters shown as
visible stand-ins) but not escaped for any markup: each format escapes for itself.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TextIO

from drover.export.redact import Redactor
from drover.store.models import EventRow, SessionRow, ThreadRow
from drover.text import format as fmt
from drover.text.events import describe
from drover.text.inert import inert, inert_line

OUTPUT_LINES = 60
"""Lines of one tool output (or tool input) a document shows before trimming."""
OUTPUT_CHARS = 8_000
"""Characters of one tool output a document shows before trimming."""


@dataclass(frozen=True)
class ExportHeader:
    """What an export knows before its first event.

    Attributes:
        session: the session row (with its raw Session object).
        threads: the session's threads.
        from_seq: first seq exported (None: from the start).
        to_seq: last seq exported (None: to the end).
        total: events in the range.
        first: the first event of the range (None when empty).
        last: the last event of the range.
        exported_at: when (RFC 3339, UTC).
        redacted: whether redaction is on.
    """

    session: SessionRow
    threads: list[ThreadRow]
    from_seq: int | None
    to_seq: int | None
    total: int
    first: EventRow | None
    last: EventRow | None
    exported_at: str
    redacted: bool

    @property
    def partial(self) -> bool:
        """A range rather than the whole session."""
        return self.from_seq is not None or self.to_seq is not None

    def thread_names(self) -> dict[str, str]:
        """Child thread id -> its agent's name (the primary thread is not named per event)."""
        return {
            t.id: t.agent_name or t.id
            for t in self.threads
            if t.parent_thread_id is not None or t.raw is None
        }


def title(header: ExportHeader, redactor: Redactor) -> str:
    """The document title: the session's title, else its id."""
    row = header.session
    return inert_line(redactor.text(row.title or "")) or f"Session {row.id}"


def _when(event: EventRow | None) -> str:
    stamp = event.processed_at if event is not None else None
    return inert_line(stamp) if stamp else "?"


def session_facts(header: ExportHeader, redactor: Redactor) -> list[tuple[str, str]]:
    """The header lines under the title, as (label, value) pairs (inert, redacted)."""
    row = header.session
    agent = inert_line(redactor.text(row.agent_name or "")) or "-"
    if row.agent_id:
        agent += f" ({row.agent_id})"
    if row.model_id:
        agent += f" · {inert_line(row.model_id)}"
    status = row.status or "unknown"
    if row.stop_reason and status == "idle":
        status += f" ({row.stop_reason})"
    if row.archived_at:
        status += ", archived"
    tokens = (
        f"{fmt.tokens(row.input_tokens)} in · {fmt.tokens(row.output_tokens)} out · "
        f"{fmt.tokens(row.cache_read_tokens)} cache read · "
        f"{fmt.tokens(row.cache_creation_tokens)} cache write"
    )
    facts = [
        ("Session", row.id),
        ("Agent", agent),
        ("Status", inert_line(status)),
        ("Cost", f"{fmt.money(row.list_cost_cents)} · {tokens}"),
        ("Created", inert_line(row.created_at or "?")),
        ("Events", f"{_when(header.first)} → {_when(header.last)}"),
    ]
    if header.partial:
        first = header.first.id if header.first else "?"
        last = header.last.id if header.last else "?"
        facts.append(("Range", f"{header.total} events, {first} … {last} (part of the session)"))
    else:
        facts.append(("Range", f"the whole session, {header.total} events"))
    if row.origin:
        facts.append(("Origin", inert_line(f"{row.origin} (not synced from a server)")))
    facts.append(("Exported", f"{header.exported_at} by drover"))
    facts.append(("Redaction", redaction_notice(header.redacted)))
    return facts


def redaction_notice(redacted: bool) -> str:
    """The header's statement about redaction (the count comes at the end of the document)."""
    if redacted:
        return (
            "on — API keys, tokens, passwords and authorization headers are replaced by "
            "[REDACTED:kind]; the count is at the end"
        )
    return "not redacted — this export may contain secrets (exported with --no-redact)"


def _trim(text: str, what: str) -> tuple[str, str]:
    """Cut long text to `OUTPUT_LINES` lines / `OUTPUT_CHARS` characters; (text, note)."""
    lines = text.split("\n")
    kept = lines[:OUTPUT_LINES]
    shown = "\n".join(kept)
    if len(shown) > OUTPUT_CHARS:
        shown = shown[:OUTPUT_CHARS]
    if len(shown) == len(text):
        return text, ""
    hidden_lines = len(lines) - shown.count("\n") - 1
    hidden = f"{hidden_lines:,} more lines" if hidden_lines > 0 else "the rest of the line"
    return shown, f"… {what} trimmed: {hidden} ({len(text) - len(shown):,} characters) not shown"


@dataclass(frozen=True)
class DocEvent:
    """One event as a document shows it (inert, redacted, not escaped).

    Attributes:
        event_id: the stored id.
        when: `processed_at` (or `queued`).
        label: who/what (`you`, `agent`, `tool`, `result`, `error`, `---`, `event`…).
        tone: a style hint (see `EventView.tone`).
        heading: the rest of the heading line (tool name, peer, status change).
        thread: the child thread's agent name when the event came from one.
        text: the message, output or status text ('' when none).
        code: pretty JSON (a tool's input, an unknown event's fields) or ''.
        note: a trimming note ('' when nothing was cut).
        output: `text` is a tool's output (shown as preformatted text).
    """

    event_id: str
    when: str
    label: str
    tone: str
    heading: str
    thread: str
    text: str
    code: str
    note: str
    output: bool = False

    @classmethod
    def build(
        cls, row: EventRow, threads: Mapping[str, str], redactor: Redactor
    ) -> DocEvent | None:
        """Describe a stored event for a document; None for bookkeeping (spans, usage)."""
        view = describe(redactor.value(row.event))
        if view.level == "meta":
            return None
        text = view.body if view.body is not None else view.summary
        text = inert(text).rstrip("\n")
        note = code = ""
        if view.output:
            text, note = _trim(text, "output")
        if view.data is not None:
            pretty = json.dumps(view.data, indent=2, ensure_ascii=False, default=str)
            code, code_note = _trim(inert(pretty), "input")
            note = note or code_note
        if view.label == "tool" or (view.label == "event" and view.data is not None):
            text = ""  # the heading and the code say it all; the summary would repeat them
        return cls(
            event_id=inert_line(row.id),
            when=inert_line(row.processed_at or "queued"),
            label="status" if view.tone == "status" else view.label,
            tone=view.tone,
            heading=inert_line(view.heading),
            thread=inert_line(threads.get(row.thread_id or "", "")),
            text=text,
            code=code,
            note=note,
            output=view.output,
        )


def closing_line(events: int, omitted: int, redactor: Redactor) -> str:
    """The document's last line: what was written and what redaction did."""
    extra = (
        f" ({omitted:,} bookkeeping events — spans, usage reports — left out)" if omitted else ""
    )
    return f"{events:,} events exported{extra}; {redactor.summary()}."


class DocumentWriter:
    """What the Markdown and HTML writers share: one `DocEvent` per event, rendered by
    the subclass's `_render`, written to a text stream as it comes.

    Args:
        out: the stream.
        redactor: redacts every string before it is written.
    """

    def __init__(self, out: TextIO, redactor: Redactor) -> None:
        self.out = out
        self.redactor = redactor
        self.threads: dict[str, str] = {}

    def event(self, row: EventRow) -> bool:
        """Write one event; False when it is bookkeeping left out of documents."""
        doc = DocEvent.build(row, self.threads, self.redactor)
        if doc is None:
            return False
        self.out.write(self._render(doc))
        return True

    @staticmethod
    def _render(doc: DocEvent) -> str:
        raise NotImplementedError
