"""`EventLinks`: what one transcript event says about another, for `block_for`.

A tool use shows its duration and outcome, which are on its result; a result shows which call
it answers; a workflow-run event names its run and phase, which are on the run's
`workflow_run.created` event; a call that asked for approval counts its time from the
`user.tool_confirmation`. `EventLinks` remembers those halves as the transcript window
loads them: the window's own rows, plus the few rows outside it that the page loader fetched by
index (`MirrorReader.linked_events`). Nothing here queries anything, so building a block never
scans a session on the UI loop.

Only what the wording needs is kept (a use's name, input and time; a result's outcome and an
output preview), and at most `REMEMBERED` of each, so paging through a 100k-event session does
not hold its tool output in memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from drover.store.models import EventRow
from drover.text.format import content_text
from drover.text.tools import TOOL_RESULTS, TOOL_USES, Outcome, answered_id, outcome
from drover.text.workflow import run_id_of

REMEMBERED = 2_000
"""Tool uses, results and workflow runs remembered each (the oldest are forgotten first)."""
PREVIEW_CHARS = 4_000
"""Characters of a result's output kept to show under its call (`v` reads the whole)."""
_USE_FIELDS = ("type", "name", "input", "mcp_server_name", "processed_at", "id")


@dataclass(frozen=True, slots=True)
class ResultInfo:
    """A tool result, as its call shows it.

    Attributes:
        event_id: the result event's id.
        processed_at: when it was processed.
        outcome: ✓/✗, exit code, first line, line count.
        preview: the start of the output (at most `PREVIEW_CHARS`).
        chars: the output's full length.
    """

    event_id: str
    processed_at: str | None
    outcome: Outcome
    preview: str
    chars: int

    @property
    def event(self) -> Mapping[str, Any]:
        """The fields `drover.text.tools.call_seconds` reads."""
        return {"processed_at": self.processed_at}


def _remember(store: dict[str, Any], key: str, value: Any) -> None:
    store.pop(key, None)
    store[key] = value
    if len(store) > REMEMBERED:
        del store[next(iter(store))]


class EventLinks:
    """Tool uses, their results and workflow runs seen by one transcript view."""

    def __init__(self) -> None:
        self._uses: dict[str, Mapping[str, Any]] = {}
        self._results: dict[str, ResultInfo] = {}
        self._verdicts: dict[str, tuple[str, str | None]] = {}
        self._runs: dict[str, Mapping[str, Any]] = {}

    def add(self, rows: Iterable[EventRow]) -> set[str]:
        """Remember what `rows` can tell other events.

        Returns:
            The ids of tool uses whose result or confirmation is new here (their blocks may
            need a rebuild).
        """
        answered: set[str] = set()
        for row in rows:
            etype = row.type
            if etype in TOOL_USES:
                _remember(self._uses, row.id, {k: row.event[k] for k in _USE_FIELDS
                                                if k in row.event})  # fmt: skip
            elif etype in TOOL_RESULTS:
                use_id = answered_id(row.event)
                if use_id is not None and use_id not in self._results:
                    text = content_text(row.event)
                    info = ResultInfo(row.id, row.processed_at, outcome(row.event),
                                      text[:PREVIEW_CHARS], len(text))  # fmt: skip
                    _remember(self._results, use_id, info)
                    answered.add(use_id)
            elif etype == "user.tool_confirmation" and (use_id := answered_id(row.event)):
                verdict = "deny" if row.event.get("result") == "deny" else "allow"
                _remember(self._verdicts, use_id, (verdict, row.processed_at))
                answered.add(use_id)
            elif etype == "workflow_run.created" and (run := run_id_of(row.event)):
                _remember(self._runs, run, row.event)
        return answered

    def result(self, use_id: str) -> ResultInfo | None:
        """The result of the tool use `use_id`, if known."""
        return self._results.get(use_id)

    def verdict(self, use_id: str) -> tuple[str, str | None] | None:
        """How a person answered a call that asked: (`allow`|`deny`, when), if known."""
        return self._verdicts.get(use_id)

    def use(self, use_id: str | None) -> Mapping[str, Any] | None:
        """The tool use with event id `use_id` (its name, input and time), if known."""
        return self._uses.get(use_id) if use_id else None

    def run(self, run_id: str | None) -> Mapping[str, Any] | None:
        """The `workflow_run.created` event of the run `run_id`, if known."""
        return self._runs.get(run_id) if run_id else None

    def clear(self) -> None:
        """Forget everything (a new window replaced the old one)."""
        self._uses.clear()
        self._results.clear()
        self._verdicts.clear()
        self._runs.clear()
