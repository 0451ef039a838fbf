"""The outbox a team shares: every action records who took it, a tool call takes one live
answer (the second is refused, naming the first), a failed answer frees the call again, and
the hub's heartbeat is readable by anyone who reads the mirror. On both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlparse

import pytest

from drover.store.mirror import Mirror
from drover.store.outbox import ActionTakenError, actor_label, os_user


def _answer(mirror: Mirror, allow: bool, name: str | None = None, ref: str = "sevt_call") -> int:
    payload = {"tool_use_id": ref, "allow": allow}
    future = mirror.writer.submit(
        "enqueue_action", "sesn_a", "tool_confirmation", payload, actor_name=name
    )
    return int(future.result())


def test_the_second_answer_to_a_tool_call_is_refused_and_names_the_first(mirror: Mirror) -> None:
    first = _answer(mirror, True, "Ana")
    with pytest.raises(ActionTakenError) as refused:
        _answer(mirror, False, "Bo")
    taken = refused.value
    # The actor is who inserted the row: the database role on PostgreSQL, else the OS user.
    role = urlparse(mirror.location).username if mirror.shared else os_user()
    assert role
    assert (taken.allowed, taken.actor_name, taken.actor_role) == (True, "Ana", role)
    assert taken.state == "queued"
    later = datetime.now(UTC) + timedelta(seconds=3)
    assert taken.sentence(later) == f"already allowed by Ana ({role}) 3s ago"
    [row] = mirror.reader.outbox("sesn_a")
    assert (row.id, row.actor_name, row.actor_role, row.answer_ref) == (
        first, "Ana", role, "sevt_call",
    )  # fmt: skip

    # Another call, a message and an interrupt are no answers to it.
    _answer(mirror, False, "Bo", ref="sevt_other")
    mirror.writer.submit("enqueue_action", "sesn_a", "message", {"text": "hi"}).result()
    mirror.writer.submit("enqueue_action", "sesn_a", "message", {"text": "hi"}).result()
    mirror.writer.submit("enqueue_action", "sesn_a", "interrupt", {}).result()
    assert len(mirror.reader.outbox("sesn_a")) == 5


def test_a_failed_answer_frees_the_call_and_a_sent_one_keeps_it(mirror: Mirror) -> None:
    first = _answer(mirror, True)
    mirror.writer.submit("mark_failed", first, "rejected: archived").result()
    second = _answer(mirror, False, "Bo")
    assert mirror.writer.submit("claim_action", second, "h:1:t", 9e9).result() == "sesn_a"
    mirror.writer.submit("mark_sent", second, ["sevt_answer"]).result()
    with pytest.raises(ActionTakenError) as refused:
        _answer(mirror, True, "Cy")
    assert refused.value.sentence().startswith("already denied by Bo")
    assert refused.value.state == "sent"


def test_a_claim_takes_a_row_once(mirror: Mirror) -> None:
    action = _answer(mirror, True)
    claims = [mirror.writer.submit("claim_action", action, f"h:{n}:t", 9e9) for n in (1, 2)]
    assert [c.result() for c in claims] == ["sesn_a", None]
    assert mirror.reader.outbox("sesn_a")[0].owner == "h:1:t"


def test_the_hubs_heartbeat_is_read_back(mirror: Mirror) -> None:
    assert mirror.reader.hub_status() == []
    figures = {"followers": 3, "reads_per_minute": 41, "outbox_depth": 0}
    mirror.writer.submit(
        "hub_heartbeat", "team", "host:1:tok", "2026-05-12T10:00:00.000000Z", True, figures
    ).result()
    [row] = mirror.reader.hub_status()
    assert (row.name, row.holder, row.following, row.figures) == (
        "team", "host:1:tok", True, figures,
    )  # fmt: skip
    assert 0 <= row.age() < 60


def test_an_actor_is_shown_by_name_and_role() -> None:
    assert actor_label("ana_viewer", "Ana") == "Ana (ana_viewer)"
    assert actor_label("ana_viewer", None) == "ana_viewer"
    assert actor_label(None, None) == "someone"
