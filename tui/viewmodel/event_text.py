"""An event, or a whole transcript, as plain inert text: what `v` and `$PAGER` show.

A tool call reads whole (the call, its full input, its full output: the result is fetched by
index, `MirrorReader.linked_events`); a message or result is its text; anything else its raw
JSON. A transcript is ``drover tail``'s lines for every event of the lane. Called on the read
pool (they read the mirror), never on the UI loop.
"""

from __future__ import annotations

import json
from typing import Any

from drover.store.models import EventRow
from drover.text.events import EventContext, event_lines
from drover.text.format import content_text
from drover.text.inert import inert
from drover.text.tools import TOOL_USES, answered_id
from drover.tui.viewmodel.tool_blocks import call_text


def whole_text(reader: Any, row: EventRow) -> str:
    """The whole of one event as inert text (a tool call with its output)."""
    if row.type in TOOL_USES:
        related = reader.linked_events(row.session_id, [row])
        result = next((r for r in related if answered_id(r.event) == row.id), None)
        return inert(call_text(row.event, result.event if result else None))
    text = content_text(row.event)
    return inert(text or json.dumps(row.event, indent=2, ensure_ascii=False))


def event_page(reader: Any, row: EventRow) -> str:
    """One event for `$PAGER`: a heading line, then `whole_text`."""
    head = f"{row.type} · {row.id} · {row.processed_at or 'queued'}"
    return f"{inert(head)}\n\n{whole_text(reader, row)}\n"


def transcript_page(reader: Any, session_id: str, lane: str | None, title: str) -> str:
    """A lane of a session as ``drover tail`` prints it, for `$PAGER`."""
    context = EventContext()
    lines = [inert(f"# {session_id} · {title}"), ""]
    for row in reader.iter_events(session_id, thread=lane):
        lines.extend(event_lines(row.event, context))
    return "\n".join(lines) + "\n"
