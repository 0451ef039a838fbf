"""`ReviewQueries`: the read API behind offline review — replay, search, the cost ledger, and
the events a mirror could not take (id collisions).

Mixed into `MirrorReader` (which supplies `_conn()`, a thread-local read connection); each
method is a thin facade over the module that owns the query: `drover.store.replay`,
`drover.store.search`, `drover.store.ledger`, `drover.store.collisions`, `drover.store.ids`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar, Unpack

from drover.store.dialect import Conn
from drover.store.lanes import PRIMARY

if TYPE_CHECKING:  # the query modules load on first use: `drover ls` needs none of them
    from drover.store.collisions import IdCollision
    from drover.store.ledger import Cap, Dimension, RowsQuery, Window
    from drover.store.models import BudgetState, EventRow, LedgerRow, SearchHit
    from drover.store.replay import LaneSpan, Marker
    from drover.store.search import FullText


class ReviewQueries:
    """Replay, search and cost queries (see the module docstring)."""

    def _conn(self) -> Conn:  # pragma: no cover - supplied by MirrorReader
        raise NotImplementedError

    _index: ClassVar[FullText | None] = None
    """The full-text index searches run on (None: SQLite's FTS5; PostgreSQL's reader has its
    own)."""

    def ids_with_prefix(
        self, kind: str, prefix: str, *, session_id: str | None = None, limit: int = 10
    ) -> list[str]:
        """Mirrored session or event ids starting with `prefix` (see `drover.store.ids`)."""
        from drover.store import ids

        return ids.ids_with_prefix(self._conn(), kind, prefix, session_id=session_id, limit=limit)

    def id_collisions(self, session_id: str | None = None) -> list[IdCollision]:
        """Events kept out of the mirror: their ids are stored for another session."""
        from drover.store import collisions

        return collisions.listed(self._conn(), session_id)

    def lane_span(self, session_id: str, thread: str | None = PRIMARY) -> LaneSpan | None:
        """Event count, seq bounds and first/last times of one lane of a session."""
        from drover.store import replay

        return replay.lane_span(self._conn(), session_id, thread)

    def markers(
        self, session_id: str, thread: str | None, *, start: datetime, end: datetime, cells: int
    ) -> list[Marker]:
        """Timeline markers of a lane bucketed into `cells` slices of `start`..`end`."""
        from drover.store import replay

        return replay.markers(self._conn(), session_id, thread, start=start, end=end, cells=cells)

    def seq_at_time(self, session_id: str, thread: str | None, when: datetime) -> int | None:
        """The first event of the lane processed at or after `when`."""
        from drover.store import replay

        return replay.seq_at_time(self._conn(), session_id, thread, when)

    def linked_events(self, session_id: str, rows: Sequence[EventRow]) -> list[EventRow]:
        """The events outside `rows` they refer to: tool results and uses, workflow runs."""
        from drover.store import links

        return links.linked_events(self._conn(), session_id, rows)

    def next_marker(
        self, session_id: str, thread: str | None, seq: int, *, forward: bool
    ) -> int | None:
        """The nearest notable event (see `replay.NOTABLE_KINDS`) after/before `seq`."""
        from drover.store import replay

        return replay.next_marker(self._conn(), session_id, thread, seq, forward=forward)

    def search(
        self,
        query: str = "",
        limit: int = 50,
        before_seq: int | None = None,
        *,
        session_id: str | Iterable[str] | None = None,
        agent: str | Iterable[str] | None = None,
        status: str | Iterable[str] | None = None,
        types: str | Iterable[str] | None = None,
        tool: str | Iterable[str] | None = None,
        after: str | None = None,
        before: str | None = None,
        outcome: str | Iterable[str] | None = None,
        raw: bool = False,
        cancel: threading.Event | None = None,
    ) -> list[SearchHit]:
        """Search every mirrored event, newest first, with facets.

        Args:
            query: the search language (`drover.store.search_query`: words, `"phrases"`,
                `prefix*`, `-excluded`, `agent:`/`type:`/… tokens), or see `raw`.
            limit: page size.
            before_seq: keyset paging: pass the last hit's seq for the next page.
            session_id: only these sessions (one id or several).
            agent: only sessions of these agents (ids or names).
            status: only sessions whose current status is one of these.
            types: only these event types (full, or short forms like `tool_use`).
            tool: only tool uses of these tools and the events answering them.
            outcome: only sessions whose current outcome has one of these verdicts (`met`,
                `not_met`, `evaluating`, `any`).
            after: only events processed at or after this date/time (ISO 8601).
            before: only events processed before this date/time.
            raw: treat `query` as the backend's own expression language (FTS5 `MATCH` on
                SQLite, `to_tsquery` on PostgreSQL).
            cancel: set it from another thread to abort (raises `SearchCancelled`).

        Keyword facets and the query's facet tokens combine (values of one facet add up).

        Raises:
            SearchSyntaxError: a bad query or facet value (the message is for the user).
            SearchCancelled: `cancel` was set.
        """
        from drover.store import search as _search

        filters = _search.SearchFilters.build(
            agent=agent, session_id=session_id, status=status, types=types, tool=tool,
            after=after, before=before, outcome=outcome,
        )  # fmt: skip
        return _search.search(
            self._conn(), query, filters=filters, limit=limit, before_seq=before_seq, raw=raw,
            cancel=cancel, index=self._index or _search.FTS5,
        )  # fmt: skip

    # -- the cost ledger (drover.store.ledger: arguments, definitions) and header counts -------

    def cost_totals(self, **window: Unpack[Window]) -> LedgerRow:
        """Every session's spend and usage (`since`/`until`: UTC days)."""
        from drover.store import ledger

        return ledger.ledger_totals(self._conn(), **window)

    def cost_rows(self, by: Dimension, **window: Unpack[RowsQuery]) -> list[LedgerRow]:
        """Spend and usage by session/agent/environment/model/day (`limit`, `offset`)."""
        from drover.store import ledger

        return ledger.ledger_rows(self._conn(), by, **window)

    def cost_budgets(self, caps: Iterable[Cap] = (), *, today: str) -> list[BudgetState]:
        """User caps' states, then sessions at 80%+ of their server budget."""
        from drover.store import ledger

        return ledger.budget_states(self._conn(), caps, today=today)
