"""The events a page of a transcript refers to outside itself, by index: `linked_events`.

A transcript pairs each tool use with its result (duration, ✓/✗) and names a workflow run's
phases from the run's `workflow_run.created` event. Within a loaded page the pairs are found
in memory; this query fetches the other half when it lies outside the page, with index probes
only (never a scan of the session's events):

* the results and confirmations answering the page's tool uses: `events_ref` (`ref_id` = the
  answered use; a confirmation says when a call waiting for approval was allowed, or denied);
* the tool uses the page's results answer: the `id` primary key;
* the session's `workflow_run.created` events: `events_session_type_seq`, a handful per run.
"""

from __future__ import annotations

from collections.abc import Sequence

from drover.store.dialect import Conn, dialect_of
from drover.store.models import EventRow, SQLValue

TOOL_USES = ("agent.tool_use", "agent.mcp_tool_use", "agent.custom_tool_use")
TOOL_RESULTS = (
    "agent.tool_result", "agent.mcp_tool_result", "user.custom_tool_result", "user.tool_result",
)  # fmt: skip
ANSWERS = (*TOOL_RESULTS, "user.tool_confirmation")
_REF_FIELDS = ("tool_use_id", "mcp_tool_use_id", "custom_tool_use_id")
RUNS_LIMIT = 200
"""Most `workflow_run.created` events read per page (the newest; a session rarely has many)."""
_CHUNK = 500  # bound parameters per IN (…), well under SQLite's limit


def _answered(row: EventRow) -> str | None:
    for field in _REF_FIELDS:
        value = row.event.get(field)
        if isinstance(value, str) and value:
            return value
    return None


def _select(conn: Conn, where: str, params: Sequence[SQLValue]) -> list[EventRow]:
    sql = f"SELECT {EventRow.COLUMNS} FROM events WHERE {where}"
    return [EventRow.from_row(r) for r in conn.execute(sql, list(params)).fetchall()]


def _chunks(ids: Sequence[str]) -> list[list[str]]:
    return [list(ids[i : i + _CHUNK]) for i in range(0, len(ids), _CHUNK)]


def linked_events(conn: Conn, session_id: str, rows: Sequence[EventRow]) -> list[EventRow]:
    """The events outside `rows` that `rows` refer to (see the module docstring).

    Args:
        conn: a read connection.
        session_id: the session the rows belong to.
        rows: a page of its transcript.

    Returns:
        Tool results and confirmations of the page's uses, tool uses of its results and
        confirmations, and the session's workflow runs (`workflow_run.created`), excluding
        events already in `rows`; in no set order.
    """
    have = {row.id for row in rows}
    answered = {ref for row in rows if row.type in TOOL_RESULTS and (ref := _answered(row))}
    # Only what the page lacks: a result in the page is not fetched again (it may be 10 MB).
    uses = [row.id for row in rows if row.type in TOOL_USES and row.id not in answered]
    asked = [row.id for row in rows if row.event.get("evaluated_permission") == "ask"]
    wanted = sorted({ref for row in rows if row.type in ANSWERS and (ref := _answered(row))} - have)
    found: list[EventRow] = []
    plain = dialect_of(conn).unindexed
    for ids, kinds in ((uses, TOOL_RESULTS), (asked, ("user.tool_confirmation",))):
        types = ",".join("?" * len(kinds))
        for chunk in _chunks(ids):
            marks = ",".join("?" * len(chunk))
            found += _select(
                conn,
                # `+`: the lookup must go through `events_ref` (a probe per id), never walk
                # every result of the session through the session/type index.
                f"ref_id IN ({marks}) AND {plain('type')} IN ({types}) "
                f"AND {plain('session_id')} = ?",
                [*chunk, *kinds, session_id],
            )
    for chunk in _chunks(wanted):
        marks = ",".join("?" * len(chunk))
        found += _select(
            conn, f"id IN ({marks}) AND {plain('session_id')} = ?", [*chunk, session_id]
        )
    if any(row.type.startswith("workflow_run.") for row in rows):
        found += _select(
            conn,
            "session_id = ? AND type = 'workflow_run.created' ORDER BY seq DESC LIMIT ?",
            [session_id, RUNS_LIMIT],
        )
    seen = set(have)
    unique = []
    for row in found:
        if row.id not in seen:
            seen.add(row.id)
            unique.append(row)
    return unique
