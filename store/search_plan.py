"""How a search's facets become SQL: predicates on `events e`, and seq bounds that let SQLite
(or FTS5) seek instead of filtering.

The walk over hits is always newest first by seq (FTS5 rowid or the events primary key), and
it costs roughly the rows it has to skip. Facets are cheap to check per row; the slow case is a
*selective* facet (one session, a rare event type) with a common word or no word at all, where
most rows walked are skipped. Two cheap probes, on indexes that already exist, fix that:

* Session facets (`session:`, `agent:`, `status:`, `outcome:`, and `after:` through each
  session's newest event time) are resolved on the small `sessions` table. When they leave few
  sessions, their exact seq range (two `events_session_seq` probes per session) bounds the walk.
* `type:` reads candidate events through `events_session_type_seq`, one seek per session and
  type (a skip-scan). If they are few, the walk tests membership in that set, bounded by its
  min and max seq (and a set that turns out empty ends the search at once); if they are many,
  hits are frequent and a per-row type test is cheaper.

Date bounds (`before:` especially) and `tool:` stay per-row tests: `processed_at` and tool
names have no index, and adding one would tax every ingest.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from drover.store.dialect import Conn, Dialect, dialect_of
from drover.store.search_filters import SearchFilters

TOOL_USE_TYPES = ("agent.tool_use", "agent.mcp_tool_use", "agent.custom_tool_use")

RANGE_SESSIONS = 500
"""Session facets leaving at most this many sessions bound the walk to their seq range (two
index probes per session); beyond it the probes cost more than the range saves."""
CANDIDATES = 5_000
"""Most candidate events of a `type:` facet kept as a membership set (materialised once)."""


@dataclass
class Plan:
    """Conditions and bounds for one search.

    Attributes:
        clauses: per-row SQL conditions on `events e` (types, tools, dates).
        params: their parameters, in order.
        sessions: `(subquery, params)` selecting the ids of the sessions a hit can be in
            (None: any session).
        members: `(subquery, params)` selecting the seqs a hit must be among (None: any).
        low: smallest seq a hit can have (None: unbounded).
        high: largest seq a hit can have (None: unbounded).
        session_events: how many events the session facets leave (None: not narrowed).
        empty: the facets provably match nothing; skip the search.
    """

    clauses: list[str] = field(default_factory=list)
    params: list[object] = field(default_factory=list)
    sessions: tuple[str, list[object]] | None = None
    members: tuple[str, list[object]] | None = None
    low: int | None = None
    high: int | None = None
    session_events: int | None = None
    empty: bool = False

    def limits(
        self,
        key: str,
        before_seq: int | None,
        *,
        session_column: str = "e.session_id",
        member_key: str | None = None,
    ) -> tuple[list[str], list[object]]:
        """Conditions on the walk beyond `clauses`, and their parameters: the hit is in the
        chosen sessions, among the members, and within the seq bounds and the keyset page.

        Args:
            key: the walk's key (the seq or the FTS5 rowid); bounds go on it, so the walk seeks.
            before_seq: keyset paging (None: the first page).
            session_column: how the session is tested (SQLite may prefix a planner hint).
            member_key: what is tested for membership (default: `key`).
        """
        clauses: list[str] = []
        params: list[object] = []
        if self.sessions is not None:
            clauses.append(f"{session_column} IN ({self.sessions[0]})")
            params += self.sessions[1]
        if self.members is not None:
            clauses.append(f"{member_key or key} IN ({self.members[0]})")
            params += self.members[1]
        for op, bound in (("<", before_seq), ("<=", self.high), (">=", self.low)):
            if bound is not None:
                clauses.append(f"{key} {op} ?")
                params.append(bound)
        return clauses, params

    def narrow(self, low: int | None, high: int | None) -> None:
        """Intersect the seq bounds with `[low, high]`."""
        if low is not None:
            self.low = low if self.low is None else max(self.low, low)
        if high is not None:
            self.high = high if self.high is None else min(self.high, high)
        if self.low is not None and self.high is not None and self.low > self.high:
            self.empty = True


def marks(values: tuple[object, ...] | list[object]) -> str:
    """`?,?,?` for an IN list."""
    return ",".join("?" * len(values))


def plan_search(conn: Conn, filters: SearchFilters) -> Plan:
    """Turn facets into conditions and bounds, probing the indexes where that pays."""
    plan = Plan()
    scope, scope_params = _scope(conn, filters, plan)
    if plan.empty:
        return plan
    if filters.types:
        _types(conn, filters.types, scope, scope_params, plan)
    if filters.tools:
        uses, names = marks(TOOL_USE_TYPES), marks(filters.tools)
        dialect = dialect_of(conn)

        def name_of(raw: str) -> str:
            return dialect.json_text(dialect.stored_json(raw), "name")

        # The type test comes first so the JSON is never parsed for a big tool result.
        plan.clauses.append(
            f"((e.type IN ({uses}) AND {name_of('e.raw')} IN ({names})) "
            "OR (e.ref_id IS NOT NULL AND EXISTS (SELECT 1 FROM events u WHERE u.id = e.ref_id "
            f"AND u.type IN ({uses}) AND {name_of('u.raw')} IN ({names}))))"
        )
        plan.params += [*TOOL_USE_TYPES, *filters.tools, *TOOL_USE_TYPES, *filters.tools]
    if filters.after:
        plan.clauses.append("e.processed_at >= ?")
        plan.params.append(filters.after)
    if filters.before:
        plan.clauses.append("e.processed_at < ?")
        plan.params.append(filters.before)
    return plan


def _session_conditions(filters: SearchFilters, dialect: Dialect) -> tuple[list[str], list[object]]:
    """Conditions on `sessions s` for `session:`, `agent:`, `status:` and `outcome:`."""
    clauses: list[str] = []
    params: list[object] = []
    if filters.sessions:
        clauses.append(f"s.id IN ({marks(filters.sessions)})")
        params += filters.sessions
    if filters.agents:
        names = marks(filters.agents)
        folded = ",".join(dialect.nocase_value("?") for _ in filters.agents)
        clauses.append(
            f"(s.agent_id IN ({names}) OR {dialect.nocase('s.agent_name')} IN ({folded}))"
        )
        params += [*filters.agents, *filters.agents]
    if filters.statuses:
        clauses.append(f"s.status IN ({marks(filters.statuses)})")
        params += filters.statuses
    if filters.outcomes:
        verdicts = tuple(v for v in filters.outcomes if v != "any")
        which = f" AND o.verdict IN ({marks(verdicts)})" if "any" not in filters.outcomes else ""
        clauses.append(
            "s.id IN (SELECT o.session_id FROM session_outcomes o WHERE o.latest = 1" + which + ")"
        )
        params += verdicts if which else ()
    return clauses, params


def _scope(conn: Conn, filters: SearchFilters, plan: Plan) -> tuple[str, list[object]]:
    """Resolve the session facets; returns `SELECT s.id FROM sessions s …` for the sessions a
    hit can be in (every session when not narrowed) and its parameters.

    `after:` prunes by each session's newest event time, which is exact: a session whose
    last event is older than the bound holds no event after it.
    """
    clauses, params = _session_conditions(filters, dialect_of(conn))
    pruning = list(clauses)
    pruning_params = list(params)
    if filters.after:
        pruning.append("s.last_event_at >= ?")
        pruning_params.append(filters.after)
    if not pruning:
        return "SELECT s.id FROM sessions s", []
    where = " AND ".join(pruning)
    count, events = conn.execute(
        f"SELECT count(*), sum(s.event_count) FROM sessions s WHERE {where}", pruning_params
    ).fetchone()
    if not count:
        plan.empty = True
    elif count <= RANGE_SESSIONS:
        # Exact bounds from the events index, not from the cached session columns.
        low, high = conn.execute(
            "SELECT min((SELECT seq FROM events WHERE session_id = s.id ORDER BY seq LIMIT 1)), "
            "max((SELECT seq FROM events WHERE session_id = s.id ORDER BY seq DESC LIMIT 1)) "
            f"FROM sessions s WHERE {where}",
            pruning_params,
        ).fetchone()
        plan.empty = low is None
        plan.narrow(low, high)
    if clauses:
        plan.sessions = (f"SELECT s.id FROM sessions s WHERE {' AND '.join(clauses)}", params)
        plan.session_events = events
    return f"SELECT s.id FROM sessions s WHERE {where}", pruning_params


def _types(
    conn: Conn,
    types: tuple[str, ...],
    scope: str,
    scope_params: list[object],
    plan: Plan,
) -> None:
    """Probe how many events of these types the scope holds (stopping past `CANDIDATES`)."""
    candidates = (
        f"SELECT seq FROM events WHERE session_id IN ({scope}) AND type IN ({marks(types)})"
    )
    params = [*scope_params, *types]
    count, low, high = conn.execute(
        f"SELECT count(*), min(seq), max(seq) FROM ({candidates} LIMIT ?) AS c",
        [*params, CANDIDATES + 1],
    ).fetchone()
    if count == 0:
        plan.empty = True
    elif count <= CANDIDATES:
        plan.members = (candidates, params)
        plan.narrow(low, high)
    else:
        plan.clauses.append(f"e.type IN ({marks(types)})")
        plan.params += types
