"""Backoff pacing and failure classification (pure; no network)."""

from __future__ import annotations

import random

import httpx
import pytest

from drover.api.errors import (
    AuthenticationError,
    BadRequestError,
    ConflictError,
    ConnectionFailed,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    StreamStalled,
    api_error_from_response,
)
from drover.sync.backoff import Backoff, classify


def test_ceiling_doubles_from_half_a_second_to_the_cap():
    backoff = Backoff(0.5, 10.0)
    assert [backoff.ceiling(n) for n in range(1, 8)] == [0.5, 1, 2, 4, 8, 10, 10]


def test_full_jitter_stays_under_the_ceiling_and_spreads():
    backoff = Backoff(0.5, 10.0, rng=random.Random(7))
    delays = []
    for _ in range(6):
        delays.append(backoff.next_delay())
        assert 0.0 <= delays[-1] <= backoff.ceiling()
    fleet = [Backoff(0.5, 10.0, rng=random.Random(i)) for i in range(200)]
    for b in fleet:
        for _ in range(5):
            b.next_delay()
    spread = [b.next_delay() for b in fleet]  # attempt 6: ceiling 10 s
    assert max(spread) - min(spread) > 5.0, "full jitter must spread a fleet over the window"


def test_reset_after_success_returns_to_the_first_step():
    backoff = Backoff(0.5, 10.0, rng=random.Random(1))
    for _ in range(5):
        backoff.next_delay()
    assert backoff.attempt == 5
    backoff.reset()
    assert backoff.attempt == 0
    assert backoff.next_delay() <= 0.5


def test_retry_after_is_a_floor():
    backoff = Backoff(0.5, 10.0, rng=random.Random(3))
    for _ in range(20):
        assert backoff.next_delay(retry_after=2.0) >= 2.0


def test_invalid_bounds_are_rejected():
    with pytest.raises(ValueError):
        Backoff(0.0, 1.0)
    with pytest.raises(ValueError):
        Backoff(2.0, 1.0)


@pytest.mark.parametrize(
    ("exc", "kind", "reason"),
    [
        (AuthenticationError("x", status=401), "fatal", "unauthorized"),
        (PermissionDeniedError("x", status=403), "fatal", "forbidden"),
        (NotFoundError("x", status=404), "fatal", "not_found"),
        (RateLimitError("x", status=429, retry_after=3.0), "rate_limited", "rate_limited"),
        (ServerError("x", status=529), "transient", "server_error"),
        (ConnectionFailed("reset"), "transient", "connection"),
        (StreamStalled(5.0), "transient", "stalled"),
        (ConflictError("archived", status=409), "rejected", "conflict"),
        (BadRequestError("bad", status=400), "rejected", "bad_request"),
        (BadRequestError("timeout", status=408), "transient", "timeout"),
        (ServerError("frame", status=None, error_type="api_error"), "transient", "server_error"),
        (RuntimeError("surprise"), "transient", "unexpected"),
    ],
)
def test_classify(exc, kind, reason):
    failure = classify(exc)
    assert (failure.kind, failure.reason) == (kind, reason)


def test_classify_keeps_retry_after_from_a_real_429_response():
    response = httpx.Response(
        429,
        headers={"retry-after": "4"},
        json={"type": "error", "error": {"type": "rate_limit_error", "message": "slow down"}},
    )
    failure = classify(api_error_from_response(response, 4.0))
    assert failure.kind == "rate_limited"
    assert failure.retry_after == 4.0


def test_terminal_reason_and_thread_mentions():
    from drover.sync.events import mentions_child_thread, terminal_reason

    assert terminal_reason([{"type": "agent.message"}]) is None
    assert terminal_reason([{"type": "session.status_terminated"}, {"type": "x"}]) == "terminated"
    assert terminal_reason(
        [{"type": "session.status_terminated"}, {"type": "session.deleted"}]
    ) == ("deleted")
    assert mentions_child_thread({"type": "session.thread_status_idle"})
    assert mentions_child_thread({"type": "agent.thread_message_received"})
    assert not mentions_child_thread({"type": "agent.tool_use"})


def test_a_full_disk_waits_and_a_broken_mirror_stops_everything(tmp_path):
    import sqlite3

    from drover.store.errors import DiskFullError, MirrorCorruptError, MirrorReadOnlyError

    path = tmp_path / "mirror.db"
    full = classify(DiskFullError(path, "database or disk is full"))
    assert (full.kind, full.reason) == ("transient", "disk_full")
    assert full.detail == f"the disk holding {tmp_path} is full"
    assert classify(MirrorCorruptError(path, "malformed")).reason == "mirror_corrupt"
    assert classify(MirrorCorruptError(path, "x")).kind == "fatal"
    assert classify(MirrorReadOnlyError(path, "x")).reason == "mirror_read_only"
    raw = sqlite3.DatabaseError("database disk image is malformed")
    assert (classify(raw).kind, classify(raw).reason) == ("fatal", "mirror_corrupt")
