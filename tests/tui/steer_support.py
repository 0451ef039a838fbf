"""What the launch-and-steer snapshots show beyond the showcase mirror (`add_steer_showcase`):
deployments and their runs, a vault with a failing credential and the session it holds up,
sessions with an outcome (met, and still evaluating), a call answered by rule, a memory store;
plus the config with rules and a budget, and a stand-in engine serving memories."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tui_support import _session, _ts

from drover.store.mirror import Mirror
from drover.store.rule_audit import RuleAnswer
from drover.sync.connection import ConnectionBoard
from drover.sync.engines import OfflineEngine

OUTCOME = "sesn_outcome_docs"
EVALUATING = "sesn_outcome_eval"
RULED = "sesn_rule_pytest"
SENTRY_USER = "sesn_sentry_digest"
BURNER = "sesn_budget_burner"
STORE = "memstore_conventions"
MEMORY = "mem_style"
SENTRY = "https://mcp.sentry.dev/mcp"

CONFIG = """\
theme = "drover-dark"

[budgets]
daily_usd = 80

[profiles.default.rules.pytest]
tool = "bash"
agent = "Test Writer"
input = 'cd /workspace/repo && python -m pytest tests/\\S+ -q'
until = 2026-05-12T12:30:00Z

[profiles.default.rules.no-force-push]
tool = "bash"
input = 'git push (-f|--force).*'
action = "deny"
deny_message = "Never force-push; open a PR instead."

[profiles.default.rules.ls-yesterday]
tool = "bash"
input = "ls( -la)?"
until = 2026-05-11T18:00:00Z
"""

_VAULT = {"type": "vault", "id": "vlt_team", "display_name": "Team credentials", "metadata": {},
          "created_at": _ts(0), "updated_at": _ts(0), "archived_at": None}  # fmt: skip


def _cred(cid: str, name: str, auth: dict[str, Any]) -> dict[str, Any]:
    return {"type": "vault_credential", "id": cid, "vault_id": "vlt_team", "display_name": name,
            "auth": auth, "metadata": {}, "created_at": _ts(0), "updated_at": _ts(0),
            "archived_at": None}  # fmt: skip


CREDENTIALS = [
    _cred("vcrd_github", "GitHub", {"type": "static_bearer",
                                    "mcp_server_url": "https://api.githubcopilot.com/mcp/"}),
    _cred("vcrd_linear", "Linear", {"type": "mcp_oauth", "mcp_server_url": "https://mcp.linear.app/mcp",
                                    "expires_at": "2026-06-11T09:00:00Z"}),
    _cred("vcrd_sentry", "Sentry", {"type": "mcp_oauth", "mcp_server_url": SENTRY}),
]  # fmt: skip


def _validation(cid: str, status: str) -> dict[str, Any]:
    failed = status == "invalid"
    return {"type": "vault_credential_validation", "credential_id": cid, "vault_id": "vlt_team",
            "status": status, "has_refresh_token": False,
            "mcp_probe": {"method": "initialize",
                          "http_response": {"status_code": 401, "content_type": "application/json",
                                            "body": "{}"}} if failed else None,
            "refresh": {"status": "no_refresh_token", "http_response": None} if failed else None,
            "validated_at": "2026-05-12T11:45:00Z"}  # fmt: skip


def _deployment(did: str, name: str, **extra: Any) -> dict[str, Any]:
    return {"type": "deployment", "id": did, "name": name,
            "agent": {"type": "agent", "id": "agent_docgen-0", "version": 1},
            "environment_id": "env_1", "initial_events": [], "resources": [], "vault_ids": [],
            "budget": {"type": "limit", "max_list_cost": {"amount": "500", "currency": "USD"}},
            "metadata": {}, "status": "active", "paused_reason": None, "schedule": None,
            "created_at": _ts(0), "updated_at": _ts(0), "archived_at": None, **extra}  # fmt: skip


DEPLOYMENTS = [
    _deployment(
        "depl_nightly", "Nightly docs", description="Regenerates module docs every night",
        schedule={"type": "cron", "expression": "0 2 * * *", "timezone": "UTC",
                  "last_run_at": "2026-05-12T02:00:00Z",
                  "upcoming_runs_at": ["2026-05-13T02:00:00Z", "2026-05-14T02:00:00Z"]},
    ),
    _deployment(
        "depl_deps", "Weekly dependency bumps", status="paused",
        paused_reason={"type": "error", "error": {"type": "vault_archived_error"}},
        schedule={"type": "cron", "expression": "0 9 * * 1", "timezone": "Europe/Berlin",
                  "last_run_at": "2026-05-11T07:00:00Z", "upcoming_runs_at": []},
    ),
]  # fmt: skip


def _run(rid: str, did: str, at: str, session: str | None, **extra: Any) -> dict[str, Any]:
    return {"type": "deployment_run", "id": rid, "deployment_id": did,
            "agent": {"type": "agent", "id": "agent_docgen-0", "version": 1},
            "session_id": session, "error": None, "created_at": at,
            "trigger_context": {"type": "schedule", "scheduled_at": at}, **extra}  # fmt: skip


RUNS = [
    _run("drun_1", "depl_nightly", "2026-05-12T02:00:00Z", "sesn_fleet_001"),
    _run("drun_2", "depl_nightly", "2026-05-11T02:00:00Z", "sesn_fleet_002"),
    _run("drun_3", "depl_nightly", "2026-05-10T02:00:00Z", "sesn_fleet_004",
         trigger_context={"type": "manual"}),
    _run("drun_4", "depl_deps", "2026-05-11T07:00:00Z", None,
         error={"type": "vault_archived_error",
                "message": "The deployment could not start a session: vault archived."}),
]  # fmt: skip

STORES = [
    {"type": "memory_store", "id": STORE, "name": "Team conventions",
     "description": "How this team writes and ships code", "metadata": {},
     "created_at": _ts(0), "updated_at": _ts(0), "archived_at": None},
]  # fmt: skip


def _outcome_events() -> list[dict[str, Any]]:
    def span(eid: str, kind: str, minute: float, iteration: int, **extra: Any) -> dict[str, Any]:
        return {"type": f"span.outcome_evaluation_{kind}", "id": eid, "outcome_id": "outc_docs",
                "iteration": iteration, "processed_at": _ts(minute), **extra}  # fmt: skip

    return [
        {"type": "user.define_outcome", "id": "sevt_o1", "outcome_id": "outc_docs",
         "description": "Reference docs for every public module of auth",
         "rubric": {"type": "text", "content": "Every public module has a reference page.\n"
                    "The how-to runs end to end.\nmkdocs build --strict passes."},
         "max_iterations": 3, "processed_at": _ts(163)},
        {"type": "session.status_running", "id": "sevt_o2", "processed_at": _ts(163.1)},
        {"type": "agent.message", "id": "sevt_o3", "processed_at": _ts(164),
         "content": [{"type": "text", "text": "Drafting the reference pages now."}]},
        span("sevt_o4", "start", 165, 0),
        span("sevt_o5", "ongoing", 165.5, 0),
        span("sevt_o6", "end", 166, 0, result="needs_revision",
             outcome_evaluation_start_id="sevt_o4",
             explanation="The how-to page has no runnable example.", usage={}),
        {"type": "agent.message", "id": "sevt_o7", "processed_at": _ts(167),
         "content": [{"type": "text", "text": "Added a runnable example to the how-to."}]},
        span("sevt_o8", "start", 168, 1),
        span("sevt_o9", "end", 169, 1, result="satisfied", outcome_evaluation_start_id="sevt_o8",
             explanation="Every module has a page, the how-to runs and the strict build passes.",
             usage={}),
        {"type": "session.status_idle", "id": "sevt_o10", "processed_at": _ts(169.5),
         "stop_reason": {"type": "end_turn"}},
    ]  # fmt: skip


def _evaluating_events() -> list[dict[str, Any]]:
    return [
        {"type": "user.define_outcome", "id": "sevt_e1", "outcome_id": "outc_eval",
         "description": "A changelog entry for 3.2", "max_iterations": None,
         "rubric": {"type": "text", "content": "Lists every breaking change."},
         "processed_at": _ts(170.5)},
        {"type": "session.status_running", "id": "sevt_e2", "processed_at": _ts(170.6)},
        {"type": "span.outcome_evaluation_start", "id": "sevt_e3", "outcome_id": "outc_eval",
         "iteration": 0, "processed_at": _ts(171.5)},
    ]  # fmt: skip


def _ruled_events() -> list[dict[str, Any]]:
    return [
        {"type": "user.message", "id": "sevt_r1", "processed_at": _ts(172),
         "content": [{"type": "text", "text": "Write tests for tax.rounding"}]},
        {"type": "session.status_running", "id": "sevt_r2", "processed_at": _ts(172.1)},
        {"type": "agent.tool_use", "id": "sevt_r3", "name": "bash", "evaluated_permission": "ask",
         "input": {"command":
                   "cd /workspace/repo && python -m pytest tests/tax/test_rounding.py -q"},
         "processed_at": _ts(173)},
        {"type": "session.status_idle", "id": "sevt_r4", "processed_at": _ts(173.1),
         "stop_reason": {"type": "requires_action", "event_ids": ["sevt_r3"]}},
    ]  # fmt: skip


def _after_rule() -> list[dict[str, Any]]:
    return [
        {"type": "user.tool_confirmation", "id": "sevt_r5", "tool_use_id": "sevt_r3",
         "result": "allow", "processed_at": _ts(173.3)},
        {"type": "session.status_running", "id": "sevt_r6", "processed_at": _ts(173.4)},
        {"type": "agent.tool_result", "id": "sevt_r7", "tool_use_id": "sevt_r3",
         "content": [{"type": "text", "text": "11 passed in 0.40s"}], "processed_at": _ts(174)},
        {"type": "session.status_idle", "id": "sevt_r8", "processed_at": _ts(174.5),
         "stop_reason": {"type": "end_turn"}},
    ]  # fmt: skip


def _burner_events() -> list[dict[str, Any]]:
    usage = {"list_cost": {"amount": "152", "currency": "USD"}, "input_tokens": 910_000,
             "output_tokens": 4_100, "active_seconds": 240.0}  # fmt: skip
    cap = {"type": "limit", "max_list_cost": {"amount": "150", "currency": "USD"}}
    return [
        {"type": "session.usage", "id": "sevt_b1", "processed_at": _ts(176), "usage": usage,
         "budget": cap},
        {"type": "session.status_idle", "id": "sevt_b2", "processed_at": _ts(176.1),
         "stop_reason": {"type": "budget_reached"}},
    ]  # fmt: skip


def add_steer_showcase(data_dir: Path) -> None:
    """Add the steering showcase to the (showcase) mirror under `data_dir`."""
    mirror = Mirror.open(data_dir / "default" / "mirror.db")
    try:
        w = mirror.writer
        sentry_agent = {
            "id": "agent_digest", "name": "Error digest", "model": {"id": "claude-sonnet-4-5"},
            "mcp_servers": [{"type": "url", "name": "sentry", "url": SENTRY}],
        }  # fmt: skip
        sessions = [
            _session(OUTCOME, "docs for auth", "docgen-0", 163),
            _session(EVALUATING, "changelog for 3.2", "docgen-1", 170.5, status="running"),
            _session(RULED, "tests for tax.rounding", "Test Writer", 172),
            {**_session(SENTRY_USER, "sentry error digest", "digest", 175),
             "agent": sentry_agent, "vault_ids": ["vlt_team"]},
            _session(BURNER, "why is GET /search slow?", "Perf Investigator", 175.5),
        ]  # fmt: skip
        w.submit("upsert_sessions", sessions).result()
        w.submit("ingest", OUTCOME, _outcome_events()).result()
        w.submit("ingest", EVALUATING, _evaluating_events()).result()
        w.submit("ingest", RULED, _ruled_events()).result()
        w.submit("ingest", BURNER, _burner_events()).result()
        idle = {"type": "session.status_idle", "id": "sevt_s1", "processed_at": _ts(175.2),
                "stop_reason": {"type": "end_turn"}}  # fmt: skip
        w.submit("ingest", SENTRY_USER, [idle]).result()
        answer = RuleAnswer(RULED, "sevt_r3", "pytest", True, "bash", "Test Writer",
                            "cd /workspace/repo && python -m pytest tests/tax/test_rounding.py -q",
                            {"tool": "bash"}, decided_at="2026-05-12T11:53:12.000000Z")  # fmt: skip
        w.submit("answer_by_rule", answer).result()
        [row] = mirror.reader.outbox(RULED)
        w.submit("claim_action", row.id, "test:1:a", 9e9).result()
        w.submit("mark_sent", row.id, ["sevt_r5"]).result()
        w.submit("ingest", RULED, _after_rule()).result()
        w.submit("upsert_platform", deployments=DEPLOYMENTS, runs=RUNS, vaults=[_VAULT],
                 credentials=CREDENTIALS,
                 validations=[_validation("vcrd_linear", "valid"),
                              _validation("vcrd_sentry", "invalid")],
                 memory_stores=STORES).result()  # fmt: skip
    finally:
        mirror.close()


VERSIONS = [
    {"type": "memory_version", "id": "memver_3", "memory_id": MEMORY, "memory_store_id": STORE,
     "operation": "modified", "path": "/python/style.md", "content_size_bytes": 118,
     "content": "Format with ruff (line length 100).\nType hints on public functions.\n"
                "No bare except: name what you catch.",
     "created_by": {"type": "session_actor", "session_id": "sesn_fleet_003"},
     "created_at": "2026-05-12T10:42:00Z"},
    {"type": "memory_version", "id": "memver_2", "memory_id": MEMORY, "memory_store_id": STORE,
     "operation": "modified", "path": "/python/style.md", "content_size_bytes": 80,
     "content": "Format with black.\nType hints on public functions.",
     "created_by": {"type": "user_actor", "user_id": "user_ana"},
     "created_at": "2026-05-02T08:10:00Z"},
    {"type": "memory_version", "id": "memver_1", "memory_id": MEMORY, "memory_store_id": STORE,
     "operation": "created", "path": "/python/style.md", "content_size_bytes": 18,
     "content": "Format with black.",
     "created_by": {"type": "api_actor", "api_key_id": "apikey_01"},
     "created_at": "2026-04-20T09:00:00Z"},
]  # fmt: skip
FOLDERS: dict[str | None, list[dict[str, Any]]] = {
    None: [{"type": "memory_prefix", "path": "/python/"},
           {"type": "memory_prefix", "path": "/releases/"}],
    "/python/": [
        {"type": "memory", "id": MEMORY, "memory_store_id": STORE, "path": "/python/style.md",
         "content_size_bytes": 118, "content_sha256": "0" * 64, "memory_version_id": "memver_3",
         "created_at": "2026-04-20T09:00:00Z", "updated_at": "2026-05-12T10:42:00Z"},
        {"type": "memory", "id": "mem_testing", "memory_store_id": STORE,
         "path": "/python/testing.md", "content_size_bytes": 57, "content_sha256": "1" * 64,
         "memory_version_id": "memver_9", "created_at": "2026-04-20T09:00:00Z",
         "updated_at": "2026-04-20T09:00:00Z"},
    ],
}  # fmt: skip


class MemoryEngine(OfflineEngine):
    """An offline engine that serves the memory store above (the rest is the mirror's)."""

    async def memories(self, store_id: str, path_prefix: str | None = None) -> list[Any]:
        return list(FOLDERS.get(path_prefix, []))

    async def memory(self, store_id: str, memory_id: str) -> Any:
        return {**FOLDERS["/python/"][0], "content": VERSIONS[0]["content"]}

    async def memory_versions(self, store_id: str, memory_id: str) -> list[Any]:
        return list(VERSIONS)


class MemoryEngines:
    """The engine source of the snapshots: `MemoryEngine` for every profile."""

    async def engine(self, name: str | None, mirror: Any, **options: Any) -> Any:
        engine = MemoryEngine(mirror.writer, "snapshot")
        engine.board = ConnectionBoard()
        return engine
