"""Read API: keyset transcript paging, search with hostile input, rollups, inbox, outbox."""

from __future__ import annotations

import threading

import pytest

from drover.store.location import is_postgres
from drover.store.mirror import Mirror
from drover.store.outbox import OutboxStateError
from drover.store.search import SNIPPET_CLOSE, SNIPPET_OPEN, SearchSyntaxError

WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf"]


def _synthetic(n: int, *, thread_every: int = 5) -> list[tuple[str | None, dict]]:
    out = []
    for i in range(n):
        thread = "sthr_child" if i % thread_every == 0 else None
        out.append(
            (
                thread,
                {
                    "type": "agent.message",
                    "id": f"sevt_{i:06d}",
                    "content": [{"type": "text", "text": f"{WORDS[i % len(WORDS)]} message {i}"}],
                    "processed_at": f"2026-05-12T{i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}Z",
                },
            )
        )
    return out


def _ingest_batched(mirror, session_id, deliveries):
    """Ingest in batches of 250, one call per stream; returns deliveries in arrival order."""
    arrival = []
    for start in range(0, len(deliveries), 250):
        chunk = deliveries[start : start + 250]
        for thread in (None, "sthr_child"):
            part = [(t, e) for t, e in chunk if t == thread]
            events = [e for _, e in part]
            mirror.writer.submit("ingest", session_id, events, thread_id=thread).result()
            arrival += part
    return arrival


@pytest.fixture(scope="module")
def big_mirror(module_location):
    """A read-only-by-convention mirror: session `sesn_big` with 3,000 events (every 5th on
    a thread stream). Shared by the module's read tests to keep the suite fast."""
    mirror = Mirror.open(module_location)
    arrival = _ingest_batched(mirror, "sesn_big", _synthetic(3000))
    yield mirror, arrival
    mirror.close()


@pytest.fixture
def big(big_mirror):
    """Deliveries of `sesn_big` in arrival (seq) order."""
    return big_mirror[1]


@pytest.fixture
def reader(big_mirror):
    """The reader of the shared 3,000-event mirror."""
    return big_mirror[0].reader


def _page_all(reader, **kwargs):
    seen, after = [], 0
    while page := reader.transcript("sesn_big", after_seq=after, limit=97, **kwargs):
        seen += page
        after = page[-1].seq
    return seen


def test_transcript_keyset_paging_forward_and_backward(reader, big):
    r = reader
    everything = _page_all(r, thread="*")
    assert len(everything) == len(big)
    assert [e.seq for e in everything] == sorted(e.seq for e in everything)
    assert {e.id for e in everything} == {e["id"] for _, e in big}

    primary = _page_all(r)
    assert [e.id for e in primary] == [
        e["id"] for t, e in big if t is None and e["id"] in {p.id for p in primary}
    ]
    assert len(primary) == sum(1 for t, _ in big if t is None)
    child = _page_all(r, thread="sthr_child")
    assert {e.id for e in child} == {e["id"] for t, e in big if t == "sthr_child"}

    backward, before = [], None
    while page := r.transcript("sesn_big", thread="*", before_seq=before, limit=113):
        backward = page + backward
        before = page[0].seq
    assert [e.seq for e in backward] == [e.seq for e in everything]

    assert [e.seq for e in r.iter_events("sesn_big", page=333)] == [e.seq for e in everything]
    tail = r.transcript("sesn_big", thread="*", limit=10)
    assert [e.seq for e in tail] == [e.seq for e in everything[-10:]]
    with pytest.raises(ValueError):
        r.transcript("sesn_big", after_seq=1, before_seq=5)


def test_events_by_type_and_by_id(reader, big):
    r = reader
    page = r.events_by_type("sesn_big", ["agent.message"], limit=5)
    assert [e.seq for e in page] == sorted((e.seq for e in page), reverse=True)
    older = r.events_by_type("sesn_big", "agent.message", before_seq=page[-1].seq, limit=5)
    assert older[0].seq < page[-1].seq
    assert r.events_by_type("sesn_big", "session.status_idle") == []
    _, wire = big[1234]
    assert r.event_by_id(wire["id"]).event == wire
    assert r.event_by_id("sevt_missing") is None


@pytest.mark.parametrize(
    "query",
    ['"', '""', "AND", "alpha AND", "OR OR", "*", "alph*", "(", "((alpha", "alpha)", "NEAR(",
     "-alpha", "col:alpha", "^", "'; DROP TABLE events; --", "\x00", "   ", "message 42\"",
     "ünïcode", "a" * 500],
)  # fmt: skip
def test_search_never_crashes_on_user_input(reader, big, query):
    # Either hits or a message for the user (tests/store/test_search.py checks the messages).
    try:
        hits = reader.search(query, limit=20)
    except SearchSyntaxError as exc:
        assert str(exc)
    else:
        assert len(hits) <= 20
    assert reader.event_ids("sesn_big")  # still intact


def test_search_newest_first_with_snippets_and_paging(reader, big):
    r = reader
    expected = [e["id"] for _, e in reversed(big) if "foxtrot" in e["content"][0]["text"]]
    first = r.search("foxtrot", limit=50)
    assert [h.event_id for h in first] == expected[:50]
    assert all(f"{SNIPPET_OPEN}foxtrot{SNIPPET_CLOSE}" in h.snippet for h in first)
    second = r.search("foxtrot", limit=50, before_seq=first[-1].seq)
    assert [h.event_id for h in second] == expected[50:100]
    prefix = r.search("foxt*", limit=5)
    assert [h.event_id for h in prefix] == expected[:5]
    assert [h.event_id for h in r.search("message 1234")] == ["sevt_001234"]
    assert r.search("foxtrot", session_id="sesn_other") == []


def test_raw_search_syntax_errors_are_clear(reader, big):
    r = reader
    if is_postgres(r.location):  # raw is the backend's own language: to_tsquery's here
        good, bads = "alpha | bravo", ["'unbalanced", "alpha &", "((x", "a <-> "]
    else:
        good, bads = "alpha OR bravo", ['"unbalanced', "alpha AND", "((x", "NEAR("]
    assert r.search(good, raw=True, limit=3)
    for bad in bads:
        with pytest.raises(SearchSyntaxError, match="invalid search expression"):
            r.search(bad, raw=True)


def test_search_can_be_cancelled(reader, big):
    from drover.store.search import SearchCancelled

    cancel = threading.Event()
    cancel.set()
    with pytest.raises(SearchCancelled):
        reader.search("message", limit=5000, cancel=cancel)
    assert reader.search("message", limit=1)  # connection still usable


def _usage(n: int, day: str, cents: int) -> dict:
    return {
        "type": "session.usage",
        "id": f"sevt_u{n}",
        "usage": {"input_tokens": n, "list_cost": {"amount": str(cents), "currency": "USD"}},
        "budget": None,
        "processed_at": f"{day}T12:00:{n:02d}Z",
    }


def test_cost_rollups_and_header_counts(kit):
    w = kit.mirror.writer
    w.submit(
        "ingest", "sesn_a", [_usage(1, "2026-05-11", 100), _usage(2, "2026-05-12", 150)]
    ).result()
    w.submit(
        "ingest", "sesn_b", [_usage(3, "2026-05-12", 40), _usage(4, "2026-05-12", 70)]
    ).result()
    w.submit(
        "ingest",
        "sesn_c",
        [
            {
                "type": "session.status_running",
                "id": "sevt_r",
                "processed_at": "2026-05-12T00:00:00Z",
            }
        ],
    ).result()
    w.submit(
        "upsert_sessions",
        [
            {
                "id": "sesn_a",
                "agent": {"id": "agent_x", "name": "X"},
                "created_at": "2026-05-11T00:00:00Z",
            }
        ],
    ).result()
    w.submit(
        "upsert_sessions",
        [
            {
                "id": "sesn_b",
                "agent": {"id": "agent_x", "name": "X"},
                "created_at": "2026-05-12T00:00:00Z",
            }
        ],
    ).result()
    r = kit.mirror.reader
    assert [(d.key, d.list_cost_cents) for d in r.cost_rows("day")] == [
        ("2026-05-11", 100),
        ("2026-05-12", 50 + 70),
    ]
    assert [(d.key, d.list_cost_cents) for d in r.cost_rows("day", since="2026-05-12")] == [
        ("2026-05-12", 120)
    ]
    assert [(c.key, c.list_cost_cents) for c in r.cost_rows("session")] == [
        ("sesn_a", 150),
        ("sesn_b", 70),
        ("sesn_c", 0),
    ]
    by_agent = {c.key: (c.sessions, c.list_cost_cents) for c in r.cost_rows("agent")}
    assert by_agent["agent_x"] == (2, 220)
    counts = r.header_counts(today="2026-05-12")
    assert (counts.sessions, counts.running, counts.needs_you, counts.spend_today_cents) == (
        3,
        1,
        0,
        120,
    )
    assert r.header_counts(today="2026-05-11").spend_today_cents == 100


def test_inbox_orders_needs_you_first_then_newest(kit):
    w, r = kit.mirror.writer, kit.mirror.reader
    created = {
        "sesn_old": "2026-05-01T00:00:00Z",
        "sesn_new": "2026-05-09T00:00:00Z",
        "sesn_late": "2026-05-05T00:00:00Z",
        "sesn_early": "2026-05-03T00:00:00Z",
    }
    for sid, at in created.items():
        w.submit("upsert_sessions", [{"id": sid, "status": "idle", "created_at": at}]).result()
    refusal = {"type": "refusal"}
    w.submit(
        "ingest",
        "sesn_late",
        [
            {
                "type": "session.status_idle",
                "id": "sevt_1",
                "stop_reason": refusal,
                "processed_at": "2026-05-12T10:00:00Z",
            }
        ],
    ).result()
    w.submit(
        "ingest",
        "sesn_early",
        [
            {
                "type": "session.status_idle",
                "id": "sevt_2",
                "stop_reason": {"type": "budget_reached"},
                "processed_at": "2026-05-12T09:00:00Z",
            }
        ],
    ).result()
    assert [s.id for s in r.inbox()] == ["sesn_early", "sesn_late", "sesn_new", "sesn_old"]
    assert [s.id for s in r.sessions(needs_you=True, sort="created_at", descending=False)] == [
        "sesn_early",
        "sesn_late",
    ]
    assert [s.id for s in r.sessions(needs_you=False)] == ["sesn_new", "sesn_old"]
    assert {s.id for s in r.sessions(status=["idle"])} == {
        "sesn_old",
        "sesn_new",
        "sesn_late",
        "sesn_early",
    }
    with pytest.raises(ValueError):
        r.sessions(sort="id; DROP TABLE sessions")


async def test_outbox_lifecycle(mirror):
    w, r = mirror.writer, mirror.reader
    action = await w.enqueue_action("sesn_o", "user.message", {"text": "hi"})
    await w.mark_sending(action)
    assert [(o.state, o.attempts) for o in r.outbox(unfinished=True)] == [("sending", 1)]
    await w.mark_failed(action, "HTTP 529")
    await w.mark_sending(action)
    await w.mark_sent(action, ["sevt_srv1"])
    row = r.outbox("sesn_o")[0]
    assert (row.state, row.attempts, row.server_event_ids, row.payload) == (
        "sent",
        2,
        ["sevt_srv1"],
        {"text": "hi"},
    )
    assert r.outbox(unfinished=True) == []
    with pytest.raises(OutboxStateError):
        await w.mark_sent(action, ["again"])
    with pytest.raises(OutboxStateError):
        await w.mark_sending(999)


def test_reader_works_from_many_threads_while_writer_writes(kit):
    _ingest_batched(kit.mirror, "sesn_big", _synthetic(600))
    r, errors = kit.mirror.reader, []

    def read() -> None:
        try:
            for _ in range(20):
                assert r.transcript("sesn_big", thread="*", limit=50)
                r.search("alpha", limit=10)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=read) for _ in range(4)]
    for t in threads:
        t.start()
    kit.deliver("sesn_other", _synthetic(300))
    for t in threads:
        t.join()
    assert errors == []
