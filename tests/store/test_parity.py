"""The same mirror on both backends answers every read the same way.

The protocol's example runs, Session objects (titles in mixed case, one without a title, a
budget, an archived run), an action in the outbox and a colliding id are written through each
backend's writer in the same order; then every read of the interface is asked the same
questions on both and must give the same rows (seqs included). Search snippets are the one
thing allowed to differ in form (FTS5's `snippet()` and PostgreSQL's `ts_headline` cut text
differently): hits are compared without them, and both must mark the match.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from drover.store import quarantine
from drover.store.account import AccountBinding
from drover.store.collisions import IdCollision
from drover.store.fleet import SORT_KEYS, FleetQuery
from drover.store.lanes import ALL_THREADS, PRIMARY
from drover.store.ledger import DIMENSIONS
from drover.store.mirror import Mirror
from drover.store.models import OutboxRow, QuarantineRow, SyncCursor
from drover.store.quarantine import QuarantineItem
from drover.store.reader import SESSION_SORTS
from drover.store.search import SNIPPET_OPEN

TITLES = {
    "basic_tool_call": "alpha run",
    "requires_action_confirmation": "Beta deploy",
    "error_reschedule": None,
    "multiagent_delegation": "beta Migrate",
    "interrupt_and_budget": "Émile's budget",
}
TODAY = "2026-05-12"


def _session(name: str, index: int) -> dict[str, Any]:
    return {
        "id": f"sesn_{name}",
        "type": "session",
        "title": TITLES[name],
        "status": "idle",
        "agent": {"id": f"agent_{index % 2}", "name": ("Reviewer", "migrator")[index % 2],
                  "model": {"id": "claude-sonnet-4-5"}},
        "environment_id": f"env_{index % 2}",
        "created_at": f"2026-05-1{index}T00:00:00Z",
        "updated_at": "2026-05-01T00:00:00Z",
        "archived_at": "2026-05-12T00:00:00Z" if name == "error_reschedule" else None,
        "budget": {"max_list_cost": {"amount": "3", "currency": "USD"}},
    }  # fmt: skip


def _fill(mirror: Mirror, scenarios: dict[str, list[Any]]) -> None:
    submit = mirror.writer.submit
    submit("bind_account", AccountBinding.of("https://api.x.test", None)).result()
    submit("upsert_agents", [{"id": "agent_0", "name": "Reviewer"},
                             {"id": "agent_1", "name": "migrator"}]).result()  # fmt: skip
    submit("upsert_environments", [{"id": "env_0", "name": "prod"}]).result()
    for index, (name, deliveries) in enumerate(scenarios.items()):
        sid = f"sesn_{name}"
        for thread, event in deliveries:
            submit("ingest", sid, [event], thread_id=thread).result()
        submit("upsert_sessions", [_session(name, index)]).result()
    first = next(iter(scenarios.values()))[0][1]
    submit("ingest", "sesn_other", [first]).result()  # its id is another session's: a collision
    action = submit("enqueue_action", "sesn_basic_tool_call", "message", {"text": "hi"}).result()
    submit("mark_sending", action).result()
    claimed = submit("enqueue_action", "sesn_basic_tool_call", "message", {"text": "2"}).result()
    submit("claim_action", claimed, "host:1:a", 1e10).result()
    bad = [QuarantineItem(b"\x00\xffnot json", "not JSON"), QuarantineItem(b"42", "a number")]
    submit("quarantine", "sesn_basic_tool_call", bad).result()


@pytest.fixture(scope="module")
def pair(
    tmp_path_factory: pytest.TempPathFactory, pg_cluster: Any, scenarios: dict[str, list[Any]]
) -> Iterator[tuple[Mirror, Mirror]]:
    lite = Mirror.open(tmp_path_factory.mktemp("parity") / "mirror.db")
    pg = Mirror.open(pg_cluster.new_schema())
    with pytest.MonkeyPatch.context() as patch:  # quarantined rows are stamped with local time
        patch.setattr(quarantine, "_now", lambda: "2026-05-12T09:00:00.000Z")
        for mirror in (lite, pg):
            _fill(mirror, scenarios)
    yield lite, pg
    lite.close()
    pg.close()


_LOCAL_TIMES = {  # stamped with the writing machine's clock as each row was written
    SyncCursor: ("updated_at",),
    # ... and who wrote it: the database role on PostgreSQL, the OS user on SQLite
    OutboxRow: ("created_at", "updated_at", "actor_role"),
    IdCollision: ("first_seen",),
    QuarantineRow: ("first_seen",),
}


def _comparable(value: Any) -> Any:
    """Rows as plain data, floats rounded (sums of runtimes may differ in the last bit with
    the order they were added in), local bookkeeping times left out."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        local = _LOCAL_TIMES.get(type(value), ())
        fields = {k: v for k, v in dataclasses.asdict(value).items() if k not in local}
        return {k: _comparable(v) for k, v in fields.items()}
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, list | tuple):
        return [_comparable(v) for v in value]
    if isinstance(value, dict):
        return {k: _comparable(v) for k, v in value.items()}
    return value


def _same(pair: tuple[Mirror, Mirror], method: str, *args: Any, **kwargs: Any) -> Any:
    lite, pg = (getattr(m.reader, method)(*args, **kwargs) for m in pair)
    assert _comparable(pg) == _comparable(lite), (method, args, kwargs)
    return lite


def _sessions(pair: tuple[Mirror, Mirror]) -> list[str]:
    return [row.id for row in pair[0].reader.sessions(include_archived=True, limit=100)]


def test_sessions_fleet_and_inbox(pair) -> None:
    for sort in SESSION_SORTS:
        for descending in (True, False):
            _same(pair, "sessions", sort=sort, descending=descending, include_archived=True)
    _same(pair, "sessions", status=["idle", "running"], needs_you=False)
    for sort in SORT_KEYS:
        for pattern, invert in (("", False), ("beta|ALPHA", False), ("beta", True), (r"\d", False)):
            for needs_only in (False, True):
                query = FleetQuery(pattern=pattern, invert=invert, sort=sort, needs_only=needs_only)
                _same(pair, "fleet_ids", query)
    ids = _sessions(pair)
    assert len(ids) == 6
    _same(pair, "fleet_rows", ids)
    _same(pair, "inbox", include_archived=True)
    _same(pair, "header_counts", today=TODAY)
    for reads in ("agents", "environments", "account", "id_collisions"):
        _same(pair, reads)
    _same(pair, "busiest_sessions", "2026-01-01T00:00:00Z", 9)
    _same(pair, "newest_seq")
    _same(pair, "sessions_changed_after", 10)
    for kind, prefix in (("session", "sesn_b"), ("session", "m"), ("event", "sevt_011C")):
        _same(pair, "ids_with_prefix", kind, prefix)
    _same(pair, "busiest_sessions", None, 9)
    _same(pair, "busiest_sessions", "2026-01-01T00:00:00Z", 3)


def test_transcripts_threads_and_replay(pair) -> None:
    start, end = datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
    for sid in _sessions(pair):
        threads = _same(pair, "threads", sid)
        for lane in (PRIMARY, ALL_THREADS, *(t.id for t in threads)):
            page = _same(pair, "transcript", sid, thread=lane, limit=7)
            linked = [sorted(m.reader.linked_events(sid, page), key=lambda e: e.seq) for m in pair]
            assert _comparable(linked[1]) == _comparable(linked[0])  # (in no set order)
            _same(pair, "transcript", sid, thread=lane, after_seq=0, limit=500)
            if page:
                _same(pair, "transcript", sid, thread=lane, before_seq=page[-1].seq, limit=3)
            span = _same(pair, "lane_span", sid, lane)
            if span is None or span.first_at is None:
                continue
            _same(pair, "markers", sid, lane, start=start, end=end, cells=40)
            _same(pair, "markers", sid, lane, start=span.first_at, end=span.last_at, cells=7)
            _same(pair, "seq_at_time", sid, lane, span.first_at)
            _same(pair, "seq_at_time", sid, lane, span.last_at)
            for forward in (True, False):
                _same(pair, "next_marker", sid, lane, span.first_seq, forward=forward)
                _same(pair, "next_marker", sid, lane, span.last_seq, forward=forward)
        _same(pair, "events_by_type", sid, ["agent.tool_use", "session.status_idle"])
        _same(pair, "event_ids", sid)
        _same(pair, "count_events", sid, 3, 40)
        _same(pair, "outbox", sid)
        _same(pair, "cursor", sid)
        _same(pair, "quarantined", sid)
        _same(pair, "unaccounted_keys", sid, [*_same(pair, "event_ids", sid), "sevt_nope"])
        assert list(pair[0].reader.iter_events(sid)) == list(pair[1].reader.iter_events(sid))
    _same(pair, "outbox", unfinished=True)


def test_the_cost_ledger(pair) -> None:
    for window in ({}, {"since": "2026-05-01"}, {"until": "2026-01-01"}):
        _same(pair, "cost_totals", **window)
        for by in DIMENSIONS:
            _same(pair, "cost_rows", by, **window)
            _same(pair, "cost_rows", by, limit=2, offset=1, **window)
    caps = [("daily", None, 100), ("monthly", "Reviewer", 1), ("monthly", "agent_1", 5)]
    _same(pair, "cost_budgets", caps, today=TODAY)


@pytest.mark.parametrize(
    "query",
    [
        "the", "tool", "\"the tool\"", "ru*", "the -tool", "type:tool_use", "status:idle",
        "agent:REVIEWER the", "tool:bash", "after:2026-01-01 before:2030-01-01 the",
        "session:sesn_basic_tool_call", "emile", "Émile", "budget's",
    ],
)  # fmt: skip
def test_search_finds_the_same_hits(pair, query: str) -> None:
    lite, pg = (m.reader.search(query, limit=500) for m in pair)

    def bare(hits: list[Any]) -> list[tuple[Any, ...]]:
        return [(h.seq, h.event_id, h.session_id, h.thread_id, h.type, h.processed_at, h.title,
                 h.agent_name, h.tool) for h in hits]  # fmt: skip

    assert bare(pg) == bare(lite)
    if pg and any(SNIPPET_OPEN in h.snippet for h in lite):
        assert any(SNIPPET_OPEN in h.snippet for h in pg)
    page = [m.reader.search(query, limit=2, before_seq=lite[0].seq) for m in pair] if lite else []
    assert not page or bare(page[0]) == bare(page[1])
