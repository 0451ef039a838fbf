"""`attention_rev` and `attention_baseline` (drover.store.attention), on both backends: a
session's rev moves past every earlier mark exactly when its attention category (or its
needs-you visit) changes, so a baseline of the sessions needing you plus the mark tells of
any other session whether it changed since."""

from __future__ import annotations

from typing import Any


def _idle(event_id: str, at: str, stop_reason: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "session.status_idle",
        "id": event_id,
        "stop_reason": stop_reason,
        "processed_at": at,
    }


def test_the_rev_moves_only_when_the_category_changes(kit: Any) -> None:
    w, r = kit.mirror.writer, kit.mirror.reader
    for sid in ("sesn_a", "sesn_b"):
        w.submit("upsert_sessions", [{"id": sid, "status": "running"}]).result()
    mark, needing = r.attention_baseline()
    assert needing == []
    assert mark == max(r.session(s).attention_rev for s in ("sesn_a", "sesn_b")) > 0
    w.submit("upsert_sessions", [{"id": "sesn_a", "status": "running", "title": "x"}]).result()
    assert r.session("sesn_a").attention_rev <= mark  # a new title is no attention change

    refusal = _idle("sevt_1", "2026-05-12T10:00:00Z", {"type": "refusal"})
    w.submit("ingest", "sesn_b", [refusal]).result()
    entered = r.session("sesn_b")
    assert entered.needs_you and entered.attention_rev > mark
    mark2, needing = r.attention_baseline()
    assert mark2 == entered.attention_rev
    assert [row.id for row in needing] == ["sesn_b"]
    assert r.session("sesn_a").attention_rev <= mark  # untouched by b's change

    w.submit("recompute_session", "sesn_b").result()  # a rebuild alone is no change
    assert r.session("sesn_b").attention_rev == mark2
