"""The store's side of launch-and-steer: outcomes folded from events and Session objects,
credential health as a needs-you reason, deployments with their runs and spend, and the rule
audit (one answer per call, queued in the outbox, shown in the transcript, stopped by a pause).
"""

from __future__ import annotations

from typing import Any

from drover.store.mirror import Mirror
from drover.store.rule_audit import RULE_EVENT, RuleAnswer

T = "2026-05-12T10:00:{:02d}Z"


def _session(sid: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": sid, "type": "session", "status": "idle", "title": sid,
        "agent": {"id": "agent_1", "name": "writer", "mcp_servers": extra.pop("mcp", [])},
        "environment_id": "env_1", "created_at": T.format(0), "updated_at": T.format(0),
        "vault_ids": extra.pop("vaults", []), **extra,
    }  # fmt: skip


def _submit(mirror: Mirror, op: str, *args: Any, **kwargs: Any) -> Any:
    return mirror.writer.submit(op, *args, **kwargs).result()


def test_an_outcome_is_followed_from_definition_through_each_evaluation(mirror: Mirror) -> None:
    _submit(mirror, "upsert_sessions", [_session("sesn_o")])
    define = {
        "type": "user.define_outcome",
        "id": "sevt_d",
        "outcome_id": "outc_1",
        "description": "A passing test suite",
        "max_iterations": 3,
        "rubric": {"type": "text", "content": "all green"},
        "processed_at": T.format(1),
    }
    start = {
        "type": "span.outcome_evaluation_start",
        "id": "sevt_s",
        "outcome_id": "outc_1",
        "iteration": 0,
        "processed_at": T.format(2),
    }
    end = {
        "type": "span.outcome_evaluation_end",
        "id": "sevt_e",
        "outcome_id": "outc_1",
        "iteration": 0,
        "result": "needs_revision",
        "explanation": "two tests fail",
        "outcome_evaluation_start_id": "sevt_s",
        "usage": {},
        "processed_at": T.format(3),
    }
    _submit(mirror, "ingest", "sesn_o", [define])
    assert mirror.reader.outcomes(["sesn_o"])["sesn_o"]["verdict"] == "evaluating"
    _submit(mirror, "ingest", "sesn_o", [start, end])
    found = mirror.reader.session("sesn_o").outcome
    assert found["result"] == "needs_revision" and found["explanation"] == "two tests fail"
    met = {
        **end,
        "id": "sevt_e2",
        "iteration": 1,
        "result": "satisfied",
        "explanation": "all green",
        "processed_at": T.format(5),
    }
    _submit(mirror, "ingest", "sesn_o", [met])
    row = mirror.reader.fleet_rows(["sesn_o"])["sesn_o"]
    assert row.outcome["verdict"] == "met" and row.outcome["iteration"] == 1
    assert (
        row.outcome["max_iterations"] == 3 and row.outcome["description"] == "A passing test suite"
    )
    # A lagging Session object (older than the events) does not roll it back.
    stale = _session(
        "sesn_o",
        updated_at=T.format(2),
        outcome_evaluations=[
            {
                "type": "outcome_evaluation",
                "outcome_id": "outc_1",
                "description": "A passing test suite",
                "iteration": 0,
                "result": "evaluating",
                "explanation": None,
                "completed_at": None,
            }
        ],
    )
    _submit(mirror, "upsert_sessions", [stale])
    assert mirror.reader.outcomes(["sesn_o"])["sesn_o"]["verdict"] == "met"


def test_a_session_objects_outcome_evaluations_alone_give_its_outcome(mirror: Mirror) -> None:
    obj = _session("sesn_p", updated_at=T.format(9), outcome_evaluations=[
        {"type": "outcome_evaluation", "outcome_id": "outc_2", "description": "A report",
         "iteration": 2, "result": "max_iterations_reached", "explanation": "still missing x",
         "completed_at": T.format(9)}])  # fmt: skip
    _submit(mirror, "upsert_sessions", [obj])
    assert mirror.reader.outcomes(["sesn_p"])["sesn_p"]["verdict"] == "not_met"


def _validation(cid: str, status: str, refresh: str | None = None) -> dict[str, Any]:
    probe = {"method": "initialize", "http_response": None} if status != "valid" else None
    return {"type": "vault_credential_validation", "credential_id": cid, "vault_id": "vlt_1",
            "status": status, "has_refresh_token": False, "mcp_probe": probe,
            "refresh": {"status": refresh, "http_response": None} if refresh else None,
            "validated_at": T.format(30)}  # fmt: skip


def _credential(cid: str, url: str, kind: str = "mcp_oauth") -> dict[str, Any]:
    return {"type": "vault_credential", "id": cid, "vault_id": "vlt_1", "display_name": cid,
            "auth": {"type": kind, "mcp_server_url": url, "access_token": "NEVER-STORED"},
            "metadata": {}, "created_at": T.format(0), "updated_at": T.format(0),
            "archived_at": None}  # fmt: skip


def test_a_failed_credential_makes_the_sessions_using_it_need_you(mirror: Mirror) -> None:
    sentry = "https://mcp.sentry.dev/mcp"
    uses = _session("sesn_uses", vaults=["vlt_1"], mcp=[{"type": "url", "name": "sentry",
                                                          "url": sentry}])  # fmt: skip
    other_server = _session("sesn_other", vaults=["vlt_1"])
    no_vault = _session("sesn_none", mcp=[{"type": "url", "name": "sentry", "url": sentry}])
    _submit(mirror, "upsert_sessions", [uses, other_server, no_vault])
    vault = {
        "type": "vault",
        "id": "vlt_1",
        "display_name": "Team",
        "metadata": {},
        "created_at": T.format(0),
        "updated_at": T.format(0),
        "archived_at": None,
    }
    changed = _submit(
        mirror,
        "upsert_platform",
        vaults=[vault],
        credentials=[_credential("vcrd_s", sentry)],
        validations=[_validation("vcrd_s", "invalid", "no_refresh_token")],
    )
    assert changed == ["sesn_uses"]
    row = mirror.reader.session("sesn_uses")
    assert row.needs_you == "credential"
    assert row.credential["name"] == "vcrd_s" and "re-authorize" in row.credential["fix"]
    assert mirror.reader.session("sesn_other").needs_you is None  # its agent has no sentry
    assert mirror.reader.session("sesn_none").needs_you is None  # the vault is not attached
    (vault_row,) = mirror.reader.vaults()
    assert vault_row.failing == 1 and vault_row.credentials[0].sessions == 1
    stored = mirror.reader._conn().execute("SELECT raw FROM vault_credentials").fetchone()
    assert "NEVER-STORED" not in stored[0]  # secrets never reach the mirror
    # Fixed: valid again, the reason goes.
    changed = _submit(
        mirror,
        "upsert_platform",
        vaults=[vault],
        credentials=[_credential("vcrd_s", sentry)],
        validations=[_validation("vcrd_s", "valid")],
    )
    assert changed == ["sesn_uses"] and mirror.reader.session("sesn_uses").needs_you is None


def test_deployments_count_runs_failures_and_the_spend_of_their_sessions(mirror: Mirror) -> None:
    deployment = {
        "type": "deployment",
        "id": "depl_1",
        "name": "Nightly triage",
        "agent": {"type": "agent", "id": "agent_1", "version": 1},
        "status": "paused",
        "paused_reason": {"type": "error", "error": {"type": "vault_archived_error"}},
        "schedule": {
            "type": "cron",
            "expression": "0 6 * * *",
            "timezone": "UTC",
            "last_run_at": T.format(10),
            "upcoming_runs_at": [T.format(50)],
        },
        "created_at": T.format(0),
        "updated_at": T.format(0),
        "archived_at": None,
    }
    runs = [
        {"type": "deployment_run", "id": "drun_1", "deployment_id": "depl_1",
         "session_id": "sesn_d1", "error": None, "created_at": T.format(5),
         "trigger_context": {"type": "schedule", "scheduled_at": T.format(5)}},
        {"type": "deployment_run", "id": "drun_2", "deployment_id": "depl_1",
         "session_id": None, "created_at": T.format(10), "trigger_context": {"type": "manual"},
         "error": {"type": "vault_archived_error", "message": "vault archived"}},
    ]  # fmt: skip
    spent = {
        "type": "session.usage",
        "id": "sevt_u",
        "processed_at": T.format(6),
        "usage": {"list_cost": {"amount": "420", "currency": "USD"}},
    }
    _submit(mirror, "upsert_sessions", [_session("sesn_d1", deployment_id="depl_1")])
    _submit(mirror, "ingest", "sesn_d1", [spent])
    _submit(mirror, "upsert_platform", deployments=[deployment], runs=runs)
    (row,) = mirror.reader.deployments()
    assert (row.runs, row.failed_runs, row.sessions, row.spend_cents) == (2, 1, 1, 420)
    assert row.paused_reason == "vault_archived_error" and row.schedule == "0 6 * * * UTC"
    assert row.next_run_at == T.format(50) and row.last_run_at == T.format(10)
    newest, oldest = mirror.reader.deployment_runs("depl_1")
    assert newest.error_type == "vault_archived_error" and newest.session_id is None
    assert oldest.session_id == "sesn_d1" and oldest.spend_cents == 420
    assert mirror.reader.deployment_session_ids("depl_1") == ["sesn_d1"]
    by = {r.key: r.list_cost_cents for r in mirror.reader.cost_rows("deployment")}
    assert by == {"depl_1": 420}


def _asking(mirror: Mirror, sid: str = "sesn_r") -> None:
    _submit(mirror, "upsert_sessions", [_session(sid)])
    use = {
        "type": "agent.tool_use",
        "id": "sevt_use",
        "name": "bash",
        "input": {"command": "pytest"},
        "evaluated_permission": "ask",
        "processed_at": T.format(1),
    }
    idle = {
        "type": "session.status_idle",
        "id": "sevt_idle",
        "processed_at": T.format(2),
        "stop_reason": {"type": "requires_action", "event_ids": ["sevt_use"]},
    }
    _submit(mirror, "ingest", sid, [use, idle])


def _answer(sid: str = "sesn_r") -> RuleAnswer:
    return RuleAnswer(sid, "sevt_use", "pytest", True, "bash", "writer", "pytest",
                      {"tool": "bash", "input": "pytest"})  # fmt: skip


def test_a_rule_answers_a_call_once_queues_it_and_leaves_an_audit_line(mirror: Mirror) -> None:
    _asking(mirror)
    audit_id = _submit(mirror, "answer_by_rule", _answer())
    assert audit_id is not None
    assert _submit(mirror, "answer_by_rule", _answer()) is None  # never twice
    (row,) = mirror.reader.outbox("sesn_r")
    assert row.kind == "tool_confirmation" and row.payload["rule"] == "pytest"
    assert row.payload["tool_use_id"] == "sevt_use" and row.payload["allow"] is True
    (audit,) = mirror.reader.rule_audit()
    assert (audit.rule, audit.decision, audit.outbox_id, audit.delivery) == (
        "pytest",
        "allow",
        row.id,
        "queued",
    )
    shown = mirror.reader.events_by_type("sesn_r", RULE_EVENT)
    assert [e.event["rule"] for e in shown] == ["pytest"]


def test_a_paused_profile_or_an_answered_call_gets_no_automatic_answer(mirror: Mirror) -> None:
    _asking(mirror)
    assert _submit(mirror, "set_rules_paused", True, "test") is not None
    assert mirror.reader.rules_paused() is not None
    assert _submit(mirror, "answer_by_rule", _answer()) is None
    assert _submit(mirror, "set_rules_paused", False) is None
    _submit(
        mirror,
        "enqueue_action",
        "sesn_r",
        "tool_confirmation",
        {"tool_use_id": "sevt_use", "allow": False},
    )  # the user answered first
    assert _submit(mirror, "answer_by_rule", _answer()) is None
    assert mirror.reader.rule_audit() == []
