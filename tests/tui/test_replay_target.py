"""Replay's go-to parser: clock times, ISO times, offsets, percentages, event ids, bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from drover.tui.viewmodel.replay_target import parse_target

START = datetime(2026, 5, 12, 22, 30, tzinfo=UTC)
END = START + timedelta(hours=3)  # crosses midnight
NOW = START + timedelta(minutes=10)


def _when(text: str) -> datetime | None:
    return parse_target(text, start=START, end=END, current=NOW).when


def test_clock_times_fall_on_the_runs_day_or_the_next_one_after_midnight() -> None:
    assert _when("23:15") == datetime(2026, 5, 12, 23, 15, tzinfo=UTC)
    assert _when("00:45:30") == datetime(2026, 5, 13, 0, 45, 30, tzinfo=UTC)
    # Before the start and not reached the next day either: stays on the first day.
    assert _when("12:00") == datetime(2026, 5, 12, 12, 0, tzinfo=UTC)


def test_offsets_percentages_and_iso_times() -> None:
    assert _when("+1h30m") == NOW + timedelta(hours=1, minutes=30)
    assert _when("-45s") == NOW - timedelta(seconds=45)
    assert _when("50%") == START + timedelta(hours=1, minutes=30)
    assert _when("2026-05-13T01:00:00Z") == datetime(2026, 5, 13, 1, tzinfo=UTC)


def test_event_ids_are_recognised() -> None:
    target = parse_target("sevt_011CZkZ", start=START, end=END, current=None)
    assert target.event_id == "sevt_011CZkZ" and target.when is None


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "type an event id"), ("25:00", "not a time of day"), ("150%", "0–100%"),
     ("half past nine", "is not an event id")],
)  # fmt: skip
def test_bad_input_says_what_is_accepted(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_target(text, start=START, end=END, current=NOW)
