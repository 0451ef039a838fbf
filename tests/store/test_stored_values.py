"""The store's one reader of its own JSON objects (`loads_object`) and timestamps
(`key_moment`), as the outbox, the hub's heartbeat, launches and replay use them."""

from __future__ import annotations

from datetime import UTC, datetime

from drover.store.extract import key_moment, loads_object
from drover.store.hub_status import HubStatusRow
from drover.store.outbox import ActionTakenError


def test_a_stored_json_object_or_nothing() -> None:
    assert loads_object('{"a": [1, 2]}') == {"a": [1, 2]}
    for bad in (None, "", "[1, 2]", '"text"', "{not json", "null"):
        assert loads_object(bad) == {}, bad


def test_a_stored_timestamp_as_an_aware_moment() -> None:
    expected = datetime(2026, 5, 12, 10, 0, 1, 250000, tzinfo=UTC)
    assert key_moment("2026-05-12T10:00:01.250000Z") == expected
    assert key_moment("2026-05-12T10:00:01.25Z") == expected  # the wire's shorter form
    assert key_moment("2026-05-12T12:00:01.25+02:00") == expected
    for bad in (None, "", "yesterday", "2026-13-40T99:00:00Z"):
        assert key_moment(bad) is None, bad


def test_the_heartbeats_age_and_the_refusals_sentence_read_through_them() -> None:
    now = datetime(2026, 5, 12, 10, 0, 5, tzinfo=UTC)
    row = HubStatusRow("team", "h:1:t", "x", "2026-05-12T10:00:01.000000Z", True)
    assert row.age(now) == 4.0
    assert HubStatusRow("team", "h:1:t", "x", "garbled", True).age(now) == float("inf")
    first = ("sesn_a", "sevt_call", "tool_confirmation", True, "ana", "Ana")
    taken = ActionTakenError(*first, "2026-05-12T10:00:02.000000Z", "queued")
    assert taken.sentence(now) == "already allowed by Ana (ana) 3s ago"
    assert ActionTakenError(*first, "garbled", "queued").sentence(now) == (
        "already allowed by Ana (ana)"
    )
