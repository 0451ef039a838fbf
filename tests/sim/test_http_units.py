"""Unit tests of the HTTP layer's pure parts: query parsing, cursors, token buckets, faults,
SSE framing."""

from __future__ import annotations

import json

import pytest

from drover.sim.http.faults import FaultInjector
from drover.sim.http.pagination import Cursor, PageSpec, by_field, paginate
from drover.sim.http.query import Query
from drover.sim.http.ratelimit import RateLimiter, TokenBucket
from drover.sim.http.sse import encode_frame
from drover.sim.settings import FaultPlan
from drover.sim.wire.errors import SimError


def test_query_folds_brackets_encoded_brackets_and_repeats() -> None:
    q = Query(b"statuses[]=idle&statuses%5B%5D=running&statuses=terminated&beta=true")
    assert q.get_list("statuses") == ["idle", "running", "terminated"]
    assert q.get_bool("include_archived") is False
    assert Query("include_archived=true").get_bool("include_archived") is True
    with pytest.raises(SimError) as err:
        Query("include_archived=yes").get_bool("include_archived")
    assert err.value.status == 400


def test_query_time_range_is_rfc3339_and_strict() -> None:
    window = Query(
        "created_at%5Bgte%5D=2026-05-01T00:00:00Z&created_at[lt]=2026-05-02T00:00:00%2B00:00"
    )
    rng = window.time_range()
    assert Query("created_at[lt]=2026-05-02T00:00:00+00:00").time_range().lt == rng.lt
    assert rng.contains("2026-05-01T00:00:00.000Z")
    assert not rng.contains("2026-05-02T00:00:00.000Z")
    assert not rng.contains(None)  # queued events never match a set window
    assert Query("").time_range().contains(None)
    with pytest.raises(SimError):
        Query("created_at[gt]=yesterday").time_range()


def _items(n: int) -> list[dict]:
    return [{"id": f"x{i:03d}", "created_at": f"2026-01-01T00:00:{i:02d}.000Z"} for i in range(n)]


SPEC = PageSpec(
    key=by_field("created_at"),
    default_order="desc",
    orderable=True,
    bidirectional=True,
    default_limit=20,
    max_limit=100,
)


def test_pages_walk_forward_and_back_with_prev_page() -> None:
    items = _items(7)
    first = paginate(items, Query("limit=3"), SPEC)
    assert [i["id"] for i in first["data"]] == ["x006", "x005", "x004"]
    assert first["prev_page"] is None and first["next_page"].startswith("page_")
    second = paginate(items, Query(f"limit=3&page={first['next_page']}"), SPEC)
    assert [i["id"] for i in second["data"]] == ["x003", "x002", "x001"]
    back = paginate(items, Query(f"limit=3&page={second['prev_page']}"), SPEC)
    assert back["data"] == first["data"] and back["prev_page"] is None
    last = paginate(items, Query(f"limit=3&page={second['next_page']}"), SPEC)
    assert [i["id"] for i in last["data"]] == ["x000"] and last["next_page"] is None


def test_page_is_stable_when_items_are_added_or_boundary_deleted() -> None:
    items = _items(6)
    first = paginate(items, Query("limit=2&order=asc"), SPEC)
    grown = [*items, *_items(0)]
    grown.append({"id": "new", "created_at": "2026-01-01T00:01:00.000Z"})
    nxt = paginate(grown, Query(f"limit=2&page={first['next_page']}"), SPEC)
    assert [i["id"] for i in nxt["data"]] == ["x002", "x003"]
    without_boundary = [i for i in items if i["id"] != "x001"]
    nxt = paginate(without_boundary, Query(f"limit=2&page={first['next_page']}"), SPEC)
    assert [i["id"] for i in nxt["data"]] == ["x002", "x003"]


@pytest.mark.parametrize(
    "query",
    ["limit=101", "limit=0", "limit=abc", "order=sideways", "page=garbage", "page=page_!!!!"],
)
def test_bad_paging_parameters_are_400(query: str) -> None:
    with pytest.raises(SimError) as err:
        paginate(_items(3), Query(query), SPEC)
    assert err.value.status == 400


def test_cursor_is_bound_to_its_order() -> None:
    first = paginate(_items(5), Query("limit=2&order=asc"), SPEC)
    with pytest.raises(SimError) as err:
        paginate(_items(5), Query(f"limit=2&order=desc&page={first['next_page']}"), SPEC)
    assert err.value.status == 400
    # Without an explicit order the cursor's own order applies.
    follow = paginate(_items(5), Query(f"limit=2&page={first['next_page']}"), SPEC)
    assert [i["id"] for i in follow["data"]] == ["x002", "x003"]
    assert Cursor.decode(first["next_page"]).order == "asc"


def test_non_bidirectional_pages_have_no_prev_page_and_default_limit() -> None:
    spec = PageSpec(key=by_field("created_at"), default_limit=1000, max_limit=1000)
    page = paginate(_items(30), Query(""), spec)
    assert "prev_page" not in page and len(page["data"]) == 30 and page["next_page"] is None


def test_token_bucket_refills_at_the_per_minute_rate() -> None:
    now = [0.0]
    bucket = TokenBucket(60, clock=lambda: now[0])  # 1 per second, burst 60
    assert all(bucket.take() == 0 for _ in range(60))
    assert bucket.take() == pytest.approx(1.0)
    now[0] += 1.0
    assert bucket.take() == 0


def test_rate_limiter_classifies_creates_and_reads() -> None:
    now = [0.0]
    limiter = RateLimiter(create_per_minute=1, read_per_minute=2, clock=lambda: now[0])
    assert limiter.check("POST", "/v1/sessions") is None
    error = limiter.check("POST", "/v1/agents")
    assert error is not None and error.status == 429 and int(error.headers["retry-after"]) >= 1
    assert limiter.check("POST", "/v1/sessions/sesn_1/events") is None  # not a create
    assert limiter.check("GET", "/v1/sessions") is None
    assert limiter.check("GET", "/v1/sessions/x/events/stream") is None
    assert limiter.check("GET", "/v1/agents").error_type == "rate_limit_error"


def test_fault_injector_is_replayable_from_its_seed() -> None:
    def run(seed: int) -> list[int | None]:
        inj = FaultInjector(FaultPlan(seed=seed, fail_probability=0.3, throttle_probability=0.2))
        return [(e.status if (e := inj.request_fault()) else None) for _ in range(200)]

    assert run(7) == run(7)
    assert run(7) != run(8)
    assert {429, 500, None} <= set(run(7))


def test_fault_injector_fail_next_and_throttle_every() -> None:
    inj = FaultInjector(FaultPlan(fail_next=2, fail_status=529, throttle_every=3))
    statuses = [(e.status if (e := inj.request_fault()) else None) for _ in range(6)]
    assert statuses == [529, 529, 429, None, None, 429]
    assert inj.injected == 4


def test_fault_plan_updates_are_type_checked() -> None:
    plan = FaultPlan().updated({"fail_next": 3, "latency_seconds": 1})
    assert plan.fail_next == 3 and plan.latency_seconds == 1.0
    for bad in (
        {"nope": 1},
        {"fail_next": "3"},
        {"fail_status": 418},
        {"fail_probability": 2.0},
        {"duplicate_user_events": 1},
        {"stream_close_mode": "boom"},
    ):
        with pytest.raises(ValueError):
            FaultPlan().updated(bad)


def test_frames_are_single_line_and_keep_unicode_raw() -> None:
    event = {"type": "agent.message", "content": [{"type": "text", "text": "a\u2028b\nc é 🚀"}]}
    frame = encode_frame(event)
    text = frame.decode()
    assert text.startswith("event: agent.message\ndata: ") and text.endswith("\n\n")
    assert text.count("\n") == 3  # event line, data line, blank line: the \n inside is escaped
    assert "\u2028" in text and "🚀" in text
    assert json.loads(text.split("data: ", 1)[1]) == event


def test_a_created_at_filter_must_not_exclude_the_cursor_position() -> None:
    items = _items(6)
    query = "order=asc&limit=2&created_at[gte]=2026-01-01T00:00:01Z"
    first = paginate(items, Query(query), SPEC, Query(query).time_range())
    assert [i["id"] for i in first["data"]] == ["x000", "x001"]  # filtering is the caller's
    narrower = f"order=asc&limit=2&created_at[gte]=2026-01-01T00:00:04Z&page={first['next_page']}"
    with pytest.raises(SimError) as err:
        paginate(items, Query(narrower), SPEC, Query(narrower).time_range())
    assert err.value.status == 400
    forged = Cursor("asc", True, "x", "not-a-time").encode()
    with pytest.raises(SimError):
        paginate(items, Query(f"page={forged}"), SPEC, Query(query).time_range())


def test_error_types_and_codes_come_from_the_sdk() -> None:
    """The sim never invents an error.type or error_code: both lists are the SDK's."""
    import typing

    from anthropic.types.shared import ErrorType
    from anthropic.types.shared.error_details import ErrorDetails

    from drover.sim.wire.errors import ERROR_TYPES, SDK_ERROR_CODES, SDK_ERROR_TYPES, SimError

    union = typing.get_args(ErrorDetails)[0]
    sdk_codes = {
        code
        for member in typing.get_args(union)
        for code in typing.get_args(member.model_fields["error_code"].annotation)
    }
    assert sdk_codes >= SDK_ERROR_CODES
    assert set(typing.get_args(ErrorType)) == SDK_ERROR_TYPES >= set(ERROR_TYPES.values())
    for bad in ("session_not_found", "agent_version_mismatch", "session_archived"):
        with pytest.raises(ValueError):
            SimError(400, "x", error_code=bad)
