"""The interface the screens read through, and the fleet query they share.

Screens and widgets depend on this protocol, not on SQLite: the App wires a `FleetSource` over
the store's `MirrorReader` (`drover.tui.mirror_source`); tests may substitute it. Actions go to
sync's outbox through the App. Rows are the store's own typed records
(`drover.store.models`), so there is one definition of "a session row". No Textual here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from drover.store.models import EventRow, HeaderCounts, SessionRow

SortKey = Literal["needs", "age", "active", "tokens", "cost", "title", "agent"]
SORT_KEYS: tuple[SortKey, ...] = ("needs", "age", "active", "tokens", "cost", "title", "agent")
"""Fleet sort keys in the order the sort binding cycles through them."""


@dataclass(frozen=True, slots=True)
class FleetQuery:
    """What the fleet list shows and in which order.

    Attributes:
        pattern: a regular expression matched case-insensitively against title, agent, model,
            session id, status and the needs-you reason; empty matches everything.
        invert: keep the sessions that do NOT match `pattern` (k9s `/!`).
        sort: the ordering key; every ordering puts sessions that need you first.
        needs_only: keep only sessions with a needs-you reason (the inbox).
    """

    pattern: str = ""
    invert: bool = False
    sort: SortKey = "needs"
    needs_only: bool = False


class FleetSource(Protocol):
    """Read access to the mirror, shaped for the screens. Called from worker threads."""

    def fleet_ids(self, query: FleetQuery) -> list[str]:
        """Return the ids of every session matching `query`, in display order."""
        ...

    def fleet_rows(self, ids: Sequence[str]) -> dict[str, SessionRow]:
        """Return current rows for `ids` (unknown ids are left out)."""
        ...

    def header_counts(self, today: str) -> HeaderCounts:
        """Return the header figures; `today` is the UTC day (YYYY-MM-DD) spend is summed for."""
        ...

    def session(self, session_id: str) -> SessionRow | None:
        """Return one session's header and derived state."""
        ...

    def transcript(
        self,
        session_id: str,
        *,
        after_seq: int | None = None,
        before_seq: int | None = None,
        limit: int = 100,
    ) -> list[EventRow]:
        """Return one keyset page of the primary transcript, ascending by seq.

        With `before_seq` (or neither bound) the newest events before it; with `after_seq` the
        oldest events after it.
        """
        ...

    def event_by_id(self, event_id: str) -> EventRow | None:
        """Return one event, whole (for "view raw" and truncated results)."""
        ...
