"""JSONL export: the raw wire events of a session (or a range), re-importable with `drover import`.

Format, version 1 — UTF-8, one JSON object per line, three kinds of line told apart by their
first key:

1. Header (line 1)::

     {"drover_export": 1, "session_id": "sesn_…", "session": {…Session…} | null,
      "threads": [{…Thread…}, …], "thread_rows": [{"id": "sthr_…", "status": "idle", …}, …],
      "partial": false, "from_event": null, "to_event": null,
      "events": 1234, "redacted": true, "exported_at": "2026-…Z", "generator": "drover 0.1.0"}

   `session` and `threads` are the server objects as mirrored (`session` is null when the
   mirror never fetched it). `thread_rows` is the mirror's view of each thread (`id`,
   `parent_thread_id`, `agent_name`, `status`, `stop_reason`, `list_cost_cents`,
   `created_at`; also threads known only from events), which the import lays over the rows
   it rebuilds. `partial` with `from_event`/`to_event` says a range was exported; `events` is
   how many event lines follow.

2. One line per stored event, in the mirror's order::

     {"id": "sevt_…", "thread_id": "sthr_…" | null, "on_primary": true, "event": {…}}

   `event` is the wire event exactly as received (redacted, if `redacted` is true: only secret
   strings change, never keys, ids, types or timestamps). `id` is the key the mirror stores it
   under (the server id; drover's `local_…` id for the rare id-less event). `thread_id` is the
   thread stream it came from (null: only seen on the session stream); `on_primary` says it was
   (also) delivered on the session stream. Together they let `drover import` rebuild the
   mirror rows exactly.

3. Trailer (last line)::

     {"drover_export_end": {"events": 1234, "redactions": 7}}

   Its absence means the file was cut short; `drover import` refuses such files.

With `jq`: `jq -c 'select(.event) | .event' FILE` gives the bare wire events,
`jq 'select(.event.type == "agent.tool_use") | .event.input' FILE` every tool input, and
`head -1 FILE | jq .redacted` whether the file was redacted.
"""

from __future__ import annotations

from importlib import metadata
from typing import Any, TextIO

from drover.export.document import ExportHeader
from drover.export.redact import Redactor
from drover.store.extract import dumps
from drover.store.imports import THREAD_ROW_FIELDS
from drover.store.models import EventRow

FORMAT_VERSION = 1
"""The `drover_export` value this drover writes and reads."""
HEADER_KEY = "drover_export"
END_KEY = "drover_export_end"


def generator() -> str:
    """`drover <version>`, for the header."""
    try:
        return f"drover {metadata.version('drover')}"
    except metadata.PackageNotFoundError:  # running from a source tree without metadata
        return "drover"


class JsonlWriter:
    """Writes a JSONL export to a text stream, one event per line.

    Args:
        out: the stream.
        redactor: redacts the secret strings of every object before it is written.
    """

    extension = "jsonl"

    def __init__(self, out: TextIO, redactor: Redactor) -> None:
        self.out = out
        self.redactor = redactor

    def begin(self, header: ExportHeader) -> None:
        """Write the header line."""
        partial = header.partial
        line: dict[str, Any] = {
            HEADER_KEY: FORMAT_VERSION,
            "session_id": header.session.id,
            "session": self.redactor.value(header.session.raw),
            "threads": [self.redactor.value(t.raw) for t in header.threads if t.raw is not None],
            "thread_rows": [
                self.redactor.value({f: getattr(t, f) for f in THREAD_ROW_FIELDS})
                for t in header.threads
            ],
            "partial": partial,
            "from_event": header.first.id if partial and header.first else None,
            "to_event": header.last.id if partial and header.last else None,
            "events": header.total,
            "redacted": header.redacted,
            "exported_at": header.exported_at,
            "generator": generator(),
        }
        self.out.write(dumps(line) + "\n")

    def event(self, row: EventRow) -> bool:
        """Write one event line (every event: nothing is bookkeeping in the raw log)."""
        line = {
            "id": row.id,
            "thread_id": row.thread_id,
            "on_primary": row.on_primary,
            "event": self.redactor.value(row.event),
        }
        self.out.write(dumps(line) + "\n")
        return True

    def end(self, events: int, omitted: int) -> None:
        """Write the trailer line."""
        self.out.write(dumps({END_KEY: {"events": events, "redactions": self.redactor.count}}))
        self.out.write("\n")
