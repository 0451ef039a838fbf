"""`import_file`: load a JSONL export (see `drover.export.jsonl`) into a mirror, all or nothing.

Two passes over the file, neither holding it in memory:

1. `check_file` validates every line — JSON, the header's version and objects, each event
   line's shape, no id twice, the trailer and its count — and stops at the first problem
   with its line number. The mirror is not touched, so a bad file costs no write lock.
2. The writer's `import_session` operation (`drover.store.imports`) reads the file again
   (`iter_events`, same checks) and writes it in one transaction: any failure rolls all of it
   back. Importing the same file twice changes nothing the second time.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from drover.export.jsonl import END_KEY, FORMAT_VERSION, HEADER_KEY
from drover.store.imports import ImportedEvent

_PREVIEWS = ("event_start", "event_delta")


class ImportFileError(ValueError):
    """The file is not a valid drover JSONL export.

    Args:
        path: the file.
        line: the 1-based line number at fault (None: the file as a whole).
        message: what is wrong there.
    """

    def __init__(self, path: Path, line: int | None, message: str) -> None:
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {message}")
        self.path = path
        self.line = line
        self.message = message


@dataclass
class ExportFile:
    """A validated export file's header and counts.

    Attributes:
        path: the file.
        session_id: the session it holds.
        session: the raw Session object (None when the exporter never had one).
        threads: the raw Thread objects.
        events: event lines.
        redacted: the exporter redacted secrets.
        partial: a range rather than the whole session.
        thread_rows: the exporting mirror's view of each thread.
    """

    path: Path
    session_id: str
    session: dict[str, Any] | None
    threads: list[dict[str, Any]]
    events: int
    redacted: bool
    partial: bool
    thread_rows: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class ImportSummary:
    """What an import did (for the CLI's output and `--json`)."""

    path: str
    session_id: str
    events: int
    new_events: int
    merged_events: int
    created: bool
    origin: str | None
    redacted: bool
    partial: bool
    changed: bool = field(default=False)

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)


def _lines(path: Path) -> Iterator[tuple[int, Any]]:
    """(line number, parsed object) for every non-blank line; raises on the first bad one."""
    try:
        handle = path.open(encoding="utf-8", newline="")
    except OSError as exc:
        raise ImportFileError(path, None, f"cannot read the file: {exc.strerror or exc}") from None
    with handle:
        number = 0
        try:
            for number, text in enumerate(handle, start=1):
                if not text.strip():
                    continue
                try:
                    value = json.loads(text)
                except json.JSONDecodeError as exc:
                    cut = "" if text.endswith("\n") else " (the file looks cut short)"
                    raise ImportFileError(path, number, f"not JSON: {exc.msg}{cut}") from None
                if not isinstance(value, dict):
                    raise ImportFileError(path, number, "expected a JSON object on every line")
                yield number, value
        except UnicodeDecodeError:
            raise ImportFileError(path, number + 1, "not UTF-8 text") from None


def _header(path: Path, number: int, line: dict[str, Any]) -> ExportFile:
    if HEADER_KEY not in line:
        raise ImportFileError(
            path, number, f'not a drover export: the first line has no "{HEADER_KEY}" header'
        )
    version = line[HEADER_KEY]
    if version != FORMAT_VERSION:
        raise ImportFileError(
            path, number,
            f"export format version {version!r} is not supported (this drover reads "
            f"version {FORMAT_VERSION}); upgrade drover",
        )  # fmt: skip
    sid = line.get("session_id")
    if not isinstance(sid, str) or not sid:
        raise ImportFileError(path, number, 'the header has no "session_id"')
    session = line.get("session")
    if session is not None and (not isinstance(session, dict) or session.get("id") != sid):
        raise ImportFileError(path, number, f'the header\'s "session" is not Session {sid}')
    threads = line.get("threads", [])
    if not isinstance(threads, list):
        raise ImportFileError(path, number, 'the header\'s "threads" is not a list')
    for thread in threads:
        if not isinstance(thread, dict) or not isinstance(thread.get("id"), str):
            raise ImportFileError(path, number, "a thread in the header has no id")
        if thread.get("session_id") != sid:
            raise ImportFileError(
                path, number, f"thread {thread['id']} belongs to another session than {sid}"
            )
    rows = line.get("thread_rows", [])
    if not isinstance(rows, list) or not all(
        isinstance(r, dict) and isinstance(r.get("id"), str) for r in rows
    ):
        raise ImportFileError(path, number, 'the header\'s "thread_rows" is not a list of threads')
    return ExportFile(
        path, sid, session, threads, 0, bool(line.get("redacted")), bool(line.get("partial")),
        thread_rows=rows,
    )  # fmt: skip


def _event(path: Path, number: int, line: dict[str, Any]) -> ImportedEvent:
    event = line.get("event")
    if not isinstance(event, dict) or not isinstance(event.get("type"), str):
        raise ImportFileError(path, number, 'an event line needs an "event" object with a "type"')
    if event["type"] in _PREVIEWS:
        raise ImportFileError(path, number, f"{event['type']} is a stream preview, not an event")
    eid, thread_id, on_primary = line.get("id"), line.get("thread_id"), line.get("on_primary")
    if not isinstance(eid, str) or not eid:
        raise ImportFileError(path, number, 'an event line needs its stored "id"')
    wire_id = event.get("id")
    if isinstance(wire_id, str) and wire_id and wire_id != eid:
        raise ImportFileError(path, number, f'"id" {eid} differs from the event\'s id {wire_id}')
    if thread_id is not None and (not isinstance(thread_id, str) or not thread_id):
        raise ImportFileError(path, number, '"thread_id" must be a thread id or null')
    if not isinstance(on_primary, bool):
        raise ImportFileError(path, number, '"on_primary" must be true or false')
    if thread_id is None and not on_primary:
        raise ImportFileError(path, number, "an event must come from a thread or the session")
    return ImportedEvent(eid, thread_id, on_primary, event)


def _walk(path: Path) -> Iterator[ExportFile | ImportedEvent]:
    """The header, then each event; checks the trailer and everything in between."""
    lines = _lines(path)
    first = next(lines, None)
    if first is None:
        raise ImportFileError(path, None, "the file is empty")
    header = _header(path, *first)
    yield header
    seen: set[str] = set()
    last = first[0]
    for number, line in lines:
        last = number
        if END_KEY in line:
            end = line[END_KEY]
            count = end.get("events") if isinstance(end, dict) else None
            if count != header.events:
                raise ImportFileError(
                    path, number, f"the closing line counts {count!r} events, the file has "
                    f"{header.events}: the file was edited or damaged",
                )  # fmt: skip
            extra = next(lines, None)
            if extra is not None:
                raise ImportFileError(path, extra[0], "text after the closing line")
            return
        item = _event(path, number, line)
        if item.id in seen:
            raise ImportFileError(path, number, f"event {item.id} appears twice")
        seen.add(item.id)
        header.events += 1
        yield item
    raise ImportFileError(
        path, last, f'the file ends without its closing "{END_KEY}" line: it was cut short'
    )


def check_file(path: str | Path) -> ExportFile:
    """Validate a whole export file without touching any mirror.

    Raises:
        ImportFileError: the first problem found, with its line number.
    """
    walk = _walk(Path(path))
    header = next(walk)
    assert isinstance(header, ExportFile)
    for _ in walk:
        pass
    return header


def iter_events(path: str | Path) -> Iterator[ImportedEvent]:
    """The event lines of a file, validated again as they are read (for the writer)."""
    for item in _walk(Path(path)):
        if isinstance(item, ImportedEvent):
            yield item


def import_file(writer: Any, path: str | Path) -> ImportSummary:
    """Validate, then import an export file through the mirror's writer (all or nothing).

    Args:
        writer: the mirror's writer (`MirrorWrites`).
        path: the JSONL export.

    Returns:
        What the import did.

    Raises:
        ImportFileError: the file is not a valid export (nothing was imported).
        ImportConflictError: the file clashes with the mirror (nothing was imported).
    """
    path = Path(path)
    info = check_file(path)
    result = writer.submit(
        "import_session", info.session_id, info.session, info.threads, iter_events(path),
        thread_rows=info.thread_rows,
    ).result()  # fmt: skip
    return ImportSummary(
        path=str(path),
        session_id=info.session_id,
        events=info.events,
        new_events=result.new_events,
        merged_events=result.merged_events,
        created=result.created,
        origin=result.origin,
        redacted=info.redacted,
        partial=info.partial,
        changed=result.changed,
    )
