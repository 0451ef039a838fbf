"""`write_export`: stream one mirrored session (or a range) to Markdown, HTML or JSONL.

Events are read by keyset pages (`MirrorReads.transcript`), rendered and written one at a time,
so a 100k-event session never sits in memory. The range is fixed when the export starts: events
mirrored while it runs are not included, so the header's count and the body always agree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, Literal, Protocol, TextIO

from drover.export.document import ExportHeader
from drover.export.html import HtmlWriter
from drover.export.jsonl import JsonlWriter
from drover.export.markdown import MarkdownWriter
from drover.export.redact import Redactor
from drover.store.api import MirrorReads
from drover.store.lanes import ALL_THREADS
from drover.store.models import EventRow

Format = Literal["md", "html", "jsonl"]
FORMATS: tuple[Format, ...] = ("md", "html", "jsonl")
PAGE = 1000
"""Events per keyset page."""
PROGRESS_EVERY = 2000
"""Events between two progress callbacks (plus one at the start and one at the end)."""


class ExportError(ValueError):
    """An export that cannot be made: unknown session, bad range, unknown format."""


class _FormatWriter(Protocol):
    extension: str

    def begin(self, header: ExportHeader) -> None: ...

    def event(self, row: EventRow) -> bool: ...

    def end(self, events: int, omitted: int) -> None: ...


_WRITERS: dict[str, Callable[[TextIO, Redactor], _FormatWriter]] = {
    "md": MarkdownWriter,
    "html": HtmlWriter,
    "jsonl": JsonlWriter,
}


@dataclass(frozen=True)
class ExportSummary:
    """What an export wrote.

    Attributes:
        session_id: the session.
        format: `md`, `html` or `jsonl`.
        events: events read from the range.
        written: events written (documents leave spans and usage reports out).
        redacted: redaction was on.
        redactions: secrets replaced.
        redaction_kinds: replacements per kind (`github-token`, `secret`, …).
        from_seq: first seq of the range (None: the start).
        to_seq: last seq of the range (None: the end).
        first_event_id: the first event exported.
        last_event_id: the last event exported.
    """

    session_id: str
    format: str
    events: int
    written: int
    redacted: bool
    redactions: int
    redaction_kinds: dict[str, int]
    from_seq: int | None
    to_seq: int | None
    first_event_id: str | None
    last_event_id: str | None

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready dict (for `--json`)."""
        return asdict(self)


def default_filename(session_id: str, fmt: str) -> str:
    """`drover-<session>.<ext>`: the file name the CLI and the TUI offer."""
    return f"drover-{session_id}.{fmt}"


def resolve_range(
    reader: MirrorReads, session_id: str, from_event: str | None, to_event: str | None
) -> tuple[int | None, int | None]:
    """Turn `--from`/`--to` event ids into a seq range (inclusive).

    Raises:
        ExportError: an unknown id, an id of another session, or `from` after `to`.
    """
    seqs: list[int | None] = []
    for flag, event_id in (("--from", from_event), ("--to", to_event)):
        if event_id is None:
            seqs.append(None)
            continue
        row = reader.event_by_id(event_id)
        if row is None:
            raise ExportError(f"{flag} {event_id}: no such event in the mirror")
        if row.session_id != session_id:
            raise ExportError(
                f"{flag} {event_id}: that event belongs to session {row.session_id}, "
                f"not {session_id}"
            )
        seqs.append(row.seq)
    first, last = seqs
    if first is not None and last is not None and first > last:
        raise ExportError(f"--from {from_event} comes after --to {to_event} in the session")
    return first, last


def _rows(reader: MirrorReads, session_id: str, first: int, last: int) -> Iterator[EventRow]:
    """Every event of the session with a seq in `first..last`, a page at a time."""
    after = first - 1
    while rows := reader.transcript(session_id, thread=ALL_THREADS, after_seq=after, limit=PAGE):
        for row in rows:
            if row.seq > last:
                return
            yield row
        after = rows[-1].seq


def _edge(reader: MirrorReads, session_id: str, seq: int | None, *, last: bool) -> EventRow | None:
    """The first event at/after `seq` (or the last at/before it, with `last`)."""
    if last:
        bound = None if seq is None else seq + 1
        rows = reader.transcript(session_id, thread=ALL_THREADS, before_seq=bound, limit=1)
    else:
        after = 0 if seq is None else seq - 1
        rows = reader.transcript(session_id, thread=ALL_THREADS, after_seq=after, limit=1)
    return rows[0] if rows else None


def write_export(
    reader: MirrorReads,
    session_id: str,
    fmt: Format,
    out: TextIO,
    *,
    from_seq: int | None = None,
    to_seq: int | None = None,
    redact: bool = True,
    progress: Callable[[int, int], None] | None = None,
    exported_at: str | None = None,
) -> ExportSummary:
    """Write a session (or the seq range `from_seq..to_seq`) to `out` in format `fmt`.

    Args:
        reader: the mirror to read (any thread; the export makes only reads).
        session_id: the session.
        fmt: `md`, `html` or `jsonl`.
        out: a text stream (the caller opens and closes it).
        from_seq: first seq to include (see `resolve_range`); None: from the start.
        to_seq: last seq to include; None: to the newest event when the export starts.
        redact: replace secrets (see `drover.export.redact`); the output says which it did.
        progress: `progress(done, total)`, called now and then from this thread.
        exported_at: the export's timestamp (RFC 3339; default: now).

    Returns:
        What was written.

    Raises:
        ExportError: unknown format or session, or an empty range.
        OSError: writing to `out` failed.
    """
    if fmt not in _WRITERS:
        raise ExportError(f"unknown export format {fmt!r}; choose from {', '.join(FORMATS)}")
    session = reader.session(session_id)
    if session is None:
        raise ExportError(f"no session {session_id} in the mirror")
    first = _edge(reader, session_id, from_seq, last=False)
    last = _edge(reader, session_id, to_seq, last=True)
    low = first.seq if first is not None else 0
    high = last.seq if last is not None else -1
    total = reader.count_events(session_id, low, high) if high >= low else 0
    if total == 0 and (from_seq is not None or to_seq is not None):
        raise ExportError("the range holds no events")
    if total == 0:
        first = last = None
    stamp = exported_at or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    header = ExportHeader(
        session, reader.threads(session_id), from_seq, to_seq, total, first, last, stamp, redact
    )
    redactor = Redactor(enabled=redact)
    writer = _WRITERS[fmt](out, redactor)
    writer.begin(header)
    done = written = 0
    if progress is not None:
        progress(0, total)
    for row in _rows(reader, session_id, low, high) if total else ():
        written += writer.event(row)
        done += 1
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done, total)
    writer.end(written, done - written)
    if progress is not None:
        progress(done, total)
    return ExportSummary(
        session_id=session_id,
        format=fmt,
        events=done,
        written=written,
        redacted=redact,
        redactions=redactor.count,
        redaction_kinds=dict(sorted(redactor.kinds.items())),
        from_seq=low if total else from_seq,
        to_seq=high if total else to_seq,
        first_event_id=first.id if first else None,
        last_event_id=last.id if last else None,
    )
