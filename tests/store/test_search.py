"""Search across every run: facets, paging, ordering, bad queries, cancellation.

The mirror is built through the real writer from hand-made wire events; every expectation is
computed from those events in Python (an oracle independent of the SQL), newest first.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from drover.store.location import is_postgres
from drover.store.mirror import Mirror
from drover.store.search import SNIPPET_CLOSE, SNIPPET_OPEN, SearchCancelled, SearchSyntaxError
from drover.store.search_filters import SearchFilters
from drover.store.search_plan import plan_search

SESSIONS = {
    # id: (agent id, agent name, status, title)
    "sesn_rev1": ("agent_rev", "PR-Reviewer", "idle", "Review PR 12"),
    "sesn_mig": ("agent_mig", "migrator", "running", "Migrate the orders table"),
    "sesn_rev2": ("agent_rev", "PR-Reviewer", "terminated", "Review PR 13"),
}
TOOL_USES = {"agent.tool_use", "agent.mcp_tool_use", "agent.custom_tool_use"}


def _at(day: int, minute: int) -> str:
    return f"2026-05-{day:02d}T10:{minute:02d}:00Z"


def _text(etype: str, text: str, day: int, minute: int, **extra: Any) -> dict[str, Any]:
    return {"type": etype, "content": [{"type": "text", "text": text}],
            "processed_at": _at(day, minute), **extra}  # fmt: skip


def _events(sid: str, day: int) -> list[dict[str, Any]]:
    """One run: a message, tool uses (bash, edit, an MCP tool), results, a confirmation, an
    error; `zebra` is in most of them so facets have something to narrow."""
    p = sid.removeprefix("sesn_")
    return [
        {**_text("user.message", f"zebra please check {p}", day, 0), "id": f"{p}_u1"},
        {**_text("agent.message", "Looking at the zebra crossing code", day, 1), "id": f"{p}_m1"},
        {"type": "agent.tool_use", "id": f"{p}_t1", "name": "bash",
         "input": {"command": "grep -r zebra src"}, "processed_at": _at(day, 2)},
        {**_text("agent.tool_result", "src/zebra.py:1: import zebra", day, 3),
         "id": f"{p}_r1", "tool_use_id": f"{p}_t1"},
        {"type": "agent.tool_use", "id": f"{p}_t2", "name": "edit",
         "input": {"path": "src/zebra.py", "text": "zebra = 2"}, "processed_at": _at(day, 4)},
        {"type": "user.tool_confirmation", "id": f"{p}_c2", "tool_use_id": f"{p}_t2",
         "result": "deny", "deny_message": "not the zebra file", "processed_at": _at(day, 5)},
        {"type": "agent.mcp_tool_use", "id": f"{p}_t3", "name": "search_issues",
         "mcp_server_name": "github", "input": {"q": "zebra label:bug"},
         "processed_at": _at(day, 6)},
        {**_text("agent.mcp_tool_result", "3 zebra issues", day, 7),
         "id": f"{p}_r3", "mcp_tool_use_id": f"{p}_t3"},
        {"type": "session.error", "id": f"{p}_e1", "processed_at": _at(day, 8),
         "error": {"type": "model_overloaded_error", "message": "zebra overloaded",
                   "retry_status": {"type": "retrying"}}},
        {**_text("agent.message", "Done with the giraffe", day, 9), "id": f"{p}_m2"},
    ]  # fmt: skip


def _session_object(sid: str) -> dict[str, Any]:
    agent_id, agent_name, status, title = SESSIONS[sid]
    return {"id": sid, "type": "session", "title": title, "status": status,
            "agent": {"id": agent_id, "name": agent_name, "model": {"id": "claude-sonnet-4-5"}},
            "environment_id": "env_1", "created_at": "2026-04-30T00:00:00Z",
            "updated_at": "2026-06-01T00:00:00Z"}  # fmt: skip


@pytest.fixture(scope="module")
def built(module_location):
    """The mirror and every stored event as `(seq, session id, wire event)`, oldest first."""
    mirror = Mirror.open(module_location)
    w = mirror.writer
    w.submit("upsert_sessions", [_session_object(sid) for sid in SESSIONS]).result()
    stored = []
    # Interleaved arrival (as concurrent runs write), so session seq ranges overlap.
    runs = {sid: _events(sid, day) for day, sid in enumerate(SESSIONS, start=1)}
    for step in range(0, 10, 2):
        for sid, events in runs.items():
            batch = events[step : step + 2]
            result = w.submit("ingest", sid, batch).result()
            assert len(result.new_ids) == len(batch)
    for sid, events in runs.items():
        for event in events:
            stored.append((mirror.reader.event_by_id(event["id"]).seq, sid, event))
    stored.sort(key=lambda item: item[0])
    yield mirror, stored
    mirror.close()


@pytest.fixture
def reader(built):
    return built[0].reader


def _on_pg(reader) -> bool:
    return is_postgres(reader.location)


def _text_of(event: dict[str, Any]) -> str:
    parts = [str(event.get(k, "")) for k in ("name", "deny_message", "mcp_server_name")]
    parts += [str(event.get("input", "")), str(event.get("error", {}).get("message", ""))]
    parts += [c["text"] for c in event.get("content", [])]
    return " ".join(parts).lower()


def _tool_of(event: dict[str, Any], by_id: dict[str, dict[str, Any]]) -> str | None:
    if event["type"] in TOOL_USES:
        return event["name"]
    ref = event.get("tool_use_id") or event.get("mcp_tool_use_id")
    return by_id[ref]["name"] if ref else None


def _expect(built, word: str | None = None, **facets: Any) -> list[str]:
    """Event ids, newest first, that contain `word` and satisfy every facet (an oracle)."""
    _, stored = built
    by_id = {e["id"]: e for _, _, e in stored}
    out = []
    for _, sid, event in reversed(stored):
        agent_id, agent_name, status, _ = SESSIONS[sid]
        checks = [
            word is None or word in _text_of(event),
            "agent" not in facets or facets["agent"] in (agent_id, agent_name.lower()),
            "session" not in facets or sid == facets["session"],
            "status" not in facets or status in facets["status"],
            "types" not in facets or event["type"] in facets["types"],
            "tool" not in facets or _tool_of(event, by_id) == facets["tool"],
            "after" not in facets or event["processed_at"] >= facets["after"],
            "before" not in facets or event["processed_at"] < facets["before"],
        ]
        if all(checks):
            out.append(event["id"])
    return out


def _ids(hits) -> list[str]:
    return [h.event_id for h in hits]


@pytest.mark.parametrize(
    ("query", "keywords", "oracle"),
    [
        ("zebra", {}, {}),
        ("zebra agent:pr-reviewer", {}, {"agent": "pr-reviewer"}),
        ("zebra agent:agent_mig", {}, {"agent": "agent_mig"}),
        ("zebra", {"agent": "agent_rev"}, {"agent": "agent_rev"}),
        ("zebra session:sesn_mig", {}, {"session": "sesn_mig"}),
        ("zebra", {"session_id": "sesn_rev2"}, {"session": "sesn_rev2"}),
        ("zebra status:idle", {}, {"status": ("idle",)}),
        ("zebra status:idle status:terminated", {}, {"status": ("idle", "terminated")}),
        ("zebra", {"status": "running"}, {"status": ("running",)}),
        ("zebra type:agent.tool_use", {}, {"types": {"agent.tool_use"}}),
        ("zebra type:tool_use", {}, {"types": TOOL_USES}),
        ("zebra type:result", {}, {"types": {"agent.tool_result", "agent.mcp_tool_result"}}),
        ("zebra", {"types": ["session.error"]}, {"types": {"session.error"}}),
        ("zebra tool:bash", {}, {"tool": "bash"}),
        ("zebra tool:edit", {}, {"tool": "edit"}),
        ("zebra", {"tool": "search_issues"}, {"tool": "search_issues"}),
        ("zebra after:2026-05-02", {}, {"after": "2026-05-02"}),
        ("zebra before:2026-05-02", {}, {"before": "2026-05-02"}),
        ("zebra until:2026-05-02", {}, {"before": "2026-05-03"}),
        ("zebra since:2026-05-02T10:05:00Z", {}, {"after": "2026-05-02T10:05:00"}),
        ("zebra", {"after": "2026-05-02", "before": "2026-05-03"},
         {"after": "2026-05-02", "before": "2026-05-03"}),
        ("zebra agent:pr-reviewer type:tool_use after:2026-05-02", {},
         {"agent": "pr-reviewer", "types": TOOL_USES, "after": "2026-05-02"}),
        ("tool:bash", {}, {"tool": "bash"}),
        ("type:session.error status:running", {}, {"types": {"session.error"},
                                                   "status": ("running",)}),
        ("", {"session_id": "sesn_rev1"}, {"session": "sesn_rev1"}),
    ],
)  # fmt: skip
def test_each_facet_narrows_to_exactly_the_matching_events(built, reader, query, keywords, oracle):
    word = next((w for w in query.split() if ":" not in w), None)
    expected = _expect(built, word, **oracle)
    assert expected, "the case must have hits to be meaningful"
    assert _ids(reader.search(query, limit=100, **keywords)) == expected


def test_facets_that_match_nothing_find_nothing(reader):
    assert reader.search("zebra type:session.deleted") == []
    assert reader.search("zebra agent:nobody") == []
    assert reader.search("zebra tool:web_fetch") == []
    assert reader.search("zebra after:2026-05-04") == []  # every session's last event is older
    assert reader.search("giraffe type:agent.tool_use") == []
    assert reader.search("") == [] and reader.search("   ") == []


def test_words_phrases_prefixes_and_exclusions(built, reader):
    assert _ids(reader.search('"zebra crossing"')) == _expect(built, "zebra crossing")
    assert _ids(reader.search("zeb*")) == _expect(built, "zeb")
    assert _ids(reader.search("zebra -overloaded -label")) == [
        i for i in _expect(built, "zebra") if i not in set(_expect(built, "overloaded"))
        and i not in set(_expect(built, "label"))
    ]  # fmt: skip
    assert _ids(reader.search('zebra -"zebra crossing"')) == [
        i for i in _expect(built, "zebra") if i not in set(_expect(built, "zebra crossing"))
    ]
    # FTS5 operators typed as text are words, never syntax.
    assert reader.search("zebra AND OR NOT") == []
    assert _ids(reader.search("https://example.com zebra")) == []


def test_hits_carry_snippet_session_and_tool(reader):
    hits = {h.event_id: h for h in reader.search("zebra session:sesn_rev1", limit=50)}
    result = hits["rev1_r1"]
    assert f"{SNIPPET_OPEN}zebra{SNIPPET_CLOSE}" in result.snippet
    assert (result.title, result.agent_name, result.tool) == ("Review PR 12", "PR-Reviewer", "bash")
    assert hits["rev1_c2"].tool == "edit" and hits["rev1_t3"].tool == "search_issues"
    assert hits["rev1_m1"].tool is None and hits["rev1_m1"].type == "agent.message"
    assert hits["rev1_m1"].processed_at == _at(1, 1)
    # Facets only: no match to mark, the snippet is the start of the event's text.
    bare = reader.search("type:agent.message session:sesn_rev1")
    assert [h.snippet for h in bare] == [
        "Done with the giraffe",
        "Looking at the zebra crossing code",
    ]


def test_newest_first_and_keyset_paging(built, reader):
    for query in ("zebra", "zebra agent:pr-reviewer", "type:tool_use", "zebra tool:bash"):
        everything = _ids(reader.search(query, limit=500))
        paged, before = [], None
        while page := reader.search(query, limit=3, before_seq=before):
            assert [h.seq for h in page] == sorted((h.seq for h in page), reverse=True)
            paged += _ids(page)
            before = page[-1].seq
        assert paged == everything and len(everything) > 3


def test_planner_bounds_and_empty_sets(built, reader):
    _, stored = built
    conn = reader._conn()
    seqs = [seq for seq, sid, _ in stored if sid == "sesn_mig"]
    plan = plan_search(conn, SearchFilters.build(session_id="sesn_mig"))
    assert (plan.low, plan.high, plan.empty) == (min(seqs), max(seqs), False)
    assert plan_search(conn, SearchFilters.build(types="session.deleted")).empty
    errors = [seq for seq, _, e in stored if e["type"] == "session.error"]
    typed = plan_search(conn, SearchFilters.build(types="error"))
    assert (typed.low, typed.high, typed.members is not None) == (min(errors), max(errors), True)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ('zebra "crossing', 'unbalanced quote in "crossing: close the phrase with "'),
        ("a*", "prefix a* is too short; give at least 2 letters before the *"),
        ("zebra *", "* has no letters before the *"),
        ("colour:red", "unknown filter colour; use agent, session, status, type, tool, outcome, "
                       "after, before"),
        ("zebra after:yesterday", "bad date 'yesterday' in after:; use YYYY-MM-DD"),
        ("zebra before:2026-13-01", "bad date '2026-13-01' in before:"),
        ("zebra status:sleeping", "unknown status sleeping; use idle, running, rescheduling, "
                                  "terminated"),
        ("zebra type:banana", "unknown event type banana"),
        ("-zebra", "-word only excludes: add a word to search for as well"),
        ('agent:""', "agent: needs a value"),
        ("zebra -agent:migrator", "filters can't be excluded"),
        ("zebra after:2026-05-03 before:2026-05-01", "is not earlier than"),
    ],
)  # fmt: skip
def test_bad_queries_get_a_clear_message(reader, query, message):
    with pytest.raises(SearchSyntaxError) as caught:
        reader.search(query)
    assert message in str(caught.value)
    assert "Traceback" not in str(caught.value)


def test_bad_keyword_facets_and_raw_expressions(reader):
    with pytest.raises(SearchSyntaxError, match="unknown status nope"):
        reader.search("zebra", status="nope")
    with pytest.raises(SearchSyntaxError, match="bad date"):
        reader.search("zebra", before="31/05/2026")
    # `raw` is the backend's own language: FTS5's on SQLite, `to_tsquery`'s on PostgreSQL.
    bad, good = (
        ("zebra &", "zebra & !giraffe") if _on_pg(reader) else ("zebra AND", "zebra NOT giraffe")
    )
    with pytest.raises(SearchSyntaxError, match="invalid search expression"):
        reader.search(bad, raw=True)
    raw = reader.search(good, raw=True, session_id="sesn_mig", limit=100)
    assert raw and all(h.session_id == "sesn_mig" for h in raw)


class _BlocksUntilCancelled(threading.Event):
    """The cancel event; its first check (from the progress handler, i.e. while the query
    runs) waits until another thread has set it, so the cancel lands mid-query every time."""

    def __init__(self) -> None:
        super().__init__()
        self.running = threading.Event()
        self.checks = 0

    def is_set(self) -> bool:
        self.checks += 1
        if self.checks == 2:  # the first check happens before the query starts
            self.running.set()
            self.wait(10)
        return super().is_set()


@pytest.fixture(scope="module")
def large(module_location):
    """20k events that all contain `common` (so a search walks many rows)."""
    mirror = Mirror.open(module_location, max_batch=2048)
    futures = [
        mirror.writer.submit(
            "ingest",
            f"sesn_{s}",
            [_text("agent.message", f"common word {s} {i}", 1, i % 60) | {"id": f"e{s}_{i}"}
             for i in range(1000)],
        )
        for s in range(20)
    ]  # fmt: skip
    for future in futures:
        future.result()
    yield mirror
    mirror.close()


@pytest.mark.sqlite_only
def test_a_search_cancelled_from_another_thread_stops(large):
    reader = large.reader
    cancel = _BlocksUntilCancelled()
    outcome: list[Any] = []

    def run() -> None:
        try:
            # `before:` a date older than everything: every match is walked and rejected.
            outcome.append(reader.search("common before:2020-01-01", cancel=cancel))
        except SearchCancelled as exc:
            outcome.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    assert cancel.running.wait(10), "the query never reached its progress handler"
    cancel.set()
    worker.join(10)
    assert not worker.is_alive()
    assert isinstance(outcome[0], SearchCancelled)
    # The connection is usable afterwards (the handler was removed) and finds everything.
    assert len(reader.search("common", limit=7)) == 7


def test_a_search_cancelled_before_it_starts(large):
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(SearchCancelled):
        large.reader.search("common", cancel=cancel)


@pytest.mark.sqlite_only
def test_agent_facet_reads_sessions_through_indexes_not_a_scan(reader):
    """`agent:` matches an id or a name (any case): both must be index probes (schema v4),
    because a scan reads every session row, raw JSON included, on every keystroke."""
    name = next(iter(SESSIONS.values()))[1]
    conn = reader._conn()
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    try:
        reader.search("", agent=name.upper())
    finally:
        conn.set_trace_callback(None)
    plans = [
        " | ".join(row[-1] for row in conn.execute("EXPLAIN QUERY PLAN " + sql).fetchall())
        for sql in statements
        if "FROM sessions s" in sql
    ]
    assert plans
    for plan in plans:
        assert "SCAN s" not in plan.split(" | "), plan
