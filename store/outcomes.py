"""Outcomes (`user.define_outcome`) and their evaluation, per session: `session_outcomes`.

`drover.store.derive` hands every outcome fact it folds to `record`: the define event (what
was asked, `max_iterations`), each `span.outcome_evaluation_*` (iteration, verdict and the
grader's explanation) and the Session object's `outcome_evaluations` list (the server's own
summary, stamped with the session's `updated_at`). The newest fact about an outcome wins, so
a back-filled span or a lagging Session object never rolls it back.

A session's *current* outcome is its most recently defined one (`latest = 1`); the fleet's
OUTCOME column and the `outcome:` search facet read it as a verdict:

* `met` — `satisfied`;
* `not_met` — `max_iterations_reached`, `failed`, `interrupted` (terminal, not satisfied);
* `evaluating` — `pending`, `running`, `evaluating`, `needs_revision` (still working on it).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from drover.store.dialect import Conn
from drover.store.event_raw import raw_json
from drover.store.extract import json_object, ts_key
from drover.store.models import JSONObject

__all__ = [
    "OUTCOMES_V8",
    "OUTCOME_EVENTS",
    "VERDICTS",
    "attach_outcomes",
    "backfill_outcomes",
    "facts_of_session",
    "record",
    "verdict",
]

OUTCOME_EVENTS = (
    "user.define_outcome",
    "span.outcome_evaluation_start",
    "span.outcome_evaluation_ongoing",
    "span.outcome_evaluation_end",
)
"""The events that say something about an outcome."""

VERDICTS: dict[str, tuple[str, ...]] = {
    "met": ("satisfied",),
    "not_met": ("max_iterations_reached", "failed", "interrupted"),
    "evaluating": ("pending", "running", "evaluating", "needs_revision"),
}
"""A verdict → the server's `result` values it covers."""
_VERDICT_OF = {result: name for name, results in VERDICTS.items() for result in results}

OUTCOMES_V8 = """
CREATE TABLE session_outcomes (
    session_id TEXT NOT NULL,
    outcome_id TEXT NOT NULL,
    description TEXT,
    max_iterations INTEGER,
    iteration INTEGER,
    result TEXT,                    -- the server's result: pending … satisfied, failed
    verdict TEXT,                   -- met | not_met | evaluating (see VERDICTS)
    explanation TEXT,
    defined_at TEXT,                -- ts_key of the user.define_outcome (NULL until seen)
    at TEXT,                        -- ts_key of the newest fact folded
    latest INTEGER NOT NULL DEFAULT 0,  -- the session's most recently defined outcome
    PRIMARY KEY (session_id, outcome_id)
) WITHOUT ROWID;
CREATE INDEX session_outcomes_verdict ON session_outcomes(verdict, session_id) WHERE latest = 1
"""


def verdict(result: str | None) -> str | None:
    """`met`, `not_met` or `evaluating` for a server `result` (None: unknown or none)."""
    return _VERDICT_OF.get(result or "")


def facts_of_session(obj: JSONObject) -> list[JSONObject]:
    """A Session object's `outcome_evaluations`, as facts for `record`."""
    items = obj.get("outcome_evaluations")
    at = ts_key(obj.get("updated_at"))
    if not isinstance(items, list):
        return []
    return [
        {**item, "type": "outcome_evaluation", "_at": at}
        for item in items
        if isinstance(item, dict) and isinstance(item.get("outcome_id"), str)
    ]


def _fields(fact: JSONObject) -> dict[str, object]:
    """What one fact says about its outcome (only the fields it carries)."""
    kind = fact.get("type")
    out: dict[str, object] = {}
    if kind == "user.define_outcome":
        out = {"description": fact.get("description"), "result": "pending", "iteration": 0}
        if isinstance(fact.get("max_iterations"), int):
            out["max_iterations"] = fact["max_iterations"]
    elif kind in ("span.outcome_evaluation_start", "span.outcome_evaluation_ongoing"):
        out = {"result": "evaluating"}
    elif kind == "span.outcome_evaluation_end":
        out = {"result": fact.get("result"), "explanation": fact.get("explanation")}
    elif kind == "outcome_evaluation":
        out = {"result": fact.get("result"), "description": fact.get("description")}
        if fact.get("explanation") is not None:
            out["explanation"] = fact.get("explanation")
    if isinstance(fact.get("iteration"), int):
        out["iteration"] = fact["iteration"]
    return {k: v for k, v in out.items() if v is not None}


def record(conn: Conn, session_id: str, facts: Sequence[JSONObject]) -> None:
    """Fold outcome facts into `session_outcomes` (newest fact per outcome wins).

    Args:
        conn: the write connection.
        session_id: the session.
        facts: outcome events (with their `_at` key, the `ts_key` of `processed_at`, when the
            caller computed it) and Session-object entries (`facts_of_session`).
    """
    touched = False
    for fact in facts:
        outcome_id = fact.get("outcome_id")
        if not isinstance(outcome_id, str) or not outcome_id:
            continue
        at = fact.get("_at") if "_at" in fact else ts_key(fact.get("processed_at"))
        row = conn.execute(
            "SELECT at FROM session_outcomes WHERE session_id = ? AND outcome_id = ?",
            (session_id, outcome_id),
        ).fetchone()
        fields = _fields(fact)
        if fact.get("type") == "user.define_outcome":
            fields["defined_at"] = at
        newer = row is None or row[0] is None or (at is not None and at >= row[0])
        if newer:
            fields["at"] = at
            if "result" in fields:
                fields["verdict"] = verdict(str(fields["result"]))
            sets = [f"{k} = ?" for k in fields]
        else:  # an older fact still fills in what nothing newer said
            keep = ("description", "max_iterations", "defined_at")
            fields = {k: v for k, v in fields.items() if k in keep}
            sets = [f"{k} = coalesce({k}, ?)" for k in fields]
        if row is None:
            conn.execute(
                "INSERT INTO session_outcomes(session_id, outcome_id) VALUES (?, ?)",
                (session_id, outcome_id),
            )
        if fields:
            conn.execute(
                f"UPDATE session_outcomes SET {', '.join(sets)} "
                "WHERE session_id = ? AND outcome_id = ?",
                (*fields.values(), session_id, outcome_id),
            )
        touched = True
    if touched:
        conn.execute(
            "UPDATE session_outcomes SET latest = CASE WHEN outcome_id = (SELECT outcome_id FROM "
            "session_outcomes WHERE session_id = :sid ORDER BY defined_at IS NULL, "
            "defined_at DESC, outcome_id DESC LIMIT 1) THEN 1 ELSE 0 END WHERE session_id = :sid",
            {"sid": session_id},
        )


def attach_outcomes(conn: Conn, session_ids: Iterable[str]) -> dict[str, JSONObject]:
    """The current outcome of each session that has one: `{result, verdict, iteration,
    max_iterations, description, explanation, outcome_id}` by session id."""
    ids = list(dict.fromkeys(session_ids))
    out: dict[str, JSONObject] = {}
    for start in range(0, len(ids), 500):
        part = ids[start : start + 500]
        rows = conn.execute(
            "SELECT session_id, outcome_id, result, verdict, iteration, max_iterations, "
            "description, explanation FROM session_outcomes WHERE latest = 1 "
            f"AND session_id IN ({','.join('?' * len(part))})",
            part,
        ).fetchall()
        for sid, oid, result, verdict_, iteration, most, description, explanation in rows:
            out[sid] = {
                "outcome_id": oid, "result": result, "verdict": verdict_,
                "iteration": iteration, "max_iterations": most, "description": description,
                "explanation": explanation,
            }  # fmt: skip
    return out


def backfill_outcomes(conn: Conn) -> None:
    """Record the outcomes of the events and Session objects already mirrored (migration v8)."""
    marks = ",".join("?" * len(OUTCOME_EVENTS))
    facts: dict[str, list[JSONObject]] = {}
    for session_id, raw in conn.execute(
        f"SELECT session_id, raw FROM events WHERE type IN ({marks}) ORDER BY seq",
        OUTCOME_EVENTS,
    ):
        facts.setdefault(session_id, []).append(json_object(json.loads(raw_json(raw))))
    for session_id, raw in conn.execute("SELECT id, raw FROM sessions WHERE raw IS NOT NULL"):
        session = json_object(json.loads(raw_json(raw)))
        facts.setdefault(session_id, []).extend(facts_of_session(session))
    for session_id, items in facts.items():
        if items:
            record(conn, session_id, items)
