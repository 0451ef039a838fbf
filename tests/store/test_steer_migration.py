"""The steering step (SQLite v8, PostgreSQL step 3) on a mirror that already holds sessions:
each session's deployment and vaults, and its outcome, are back-filled from the Session
objects and events already mirrored, so nothing has to be synced again to show them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from drover.store.mirror import Mirror

SESSION = {
    "type": "session", "id": "sesn_old", "status": "idle", "title": "nightly docs",
    "agent": {"id": "agent_docs", "name": "docgen", "mcp_servers": []},
    "environment_id": "env_1", "deployment_id": "depl_nightly", "vault_ids": ["vlt_team"],
    "created_at": "2026-05-11T02:00:00Z", "updated_at": "2026-05-11T02:30:00Z",
}  # fmt: skip
EVENTS = [
    {"type": "user.define_outcome", "id": "sevt_o1", "outcome_id": "outc_1",
     "description": "Docs for every module", "max_iterations": 3,
     "rubric": {"type": "text", "content": "Each module has a page."},
     "processed_at": "2026-05-11T02:01:00Z"},
    {"type": "span.outcome_evaluation_end", "id": "sevt_o2", "outcome_id": "outc_1",
     "iteration": 1, "result": "satisfied", "explanation": "All pages present.",
     "processed_at": "2026-05-11T02:29:00Z"},
]  # fmt: skip
_SESSION_SQL = "INSERT INTO sessions(id, raw, status, title) VALUES (?, ?, 'idle', ?)"
_EVENT_SQL = "INSERT INTO events(id, session_id, type, processed_at, raw) VALUES (?, ?, ?, ?, ?)"


def _rows(conn: Any) -> None:
    conn.execute(_SESSION_SQL, (SESSION["id"], json.dumps(SESSION), SESSION["title"]))
    for event in EVENTS:
        conn.execute(_EVENT_SQL, (event["id"], SESSION["id"], event["type"],
                                  event["processed_at"], json.dumps(event)))  # fmt: skip


def _sqlite_v7(path: Path) -> Path:
    from drover.store.migrations import MIGRATIONS, connect

    db = connect(path)
    for version, step in enumerate(MIGRATIONS[:7], start=1):
        step(db.conn)
        db.conn.execute(f"PRAGMA user_version = {version}")
    _rows(db.conn)
    db.conn.commit()
    db.conn.close()
    return path


def _postgresql_step2(url: str) -> str:
    from drover.store.pg.conn import connect
    from drover.store.pg.schema import MIGRATIONS, WRITE_LOCK

    conn = connect(url)
    with conn.transaction(lock=WRITE_LOCK):
        conn.execute("CREATE TABLE schema_version (id integer PRIMARY KEY, version integer)")
        for step in MIGRATIONS[:2]:
            step(conn)
        conn.execute("INSERT INTO schema_version(id, version) VALUES (1, 2)")
        _rows(conn)
    conn.close()
    return url


def test_the_steering_step_backfills_deployments_vaults_and_outcomes(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if backend == "postgresql":
        location: str | Path = _postgresql_step2(request.getfixturevalue("pg_url"))
    else:
        location = _sqlite_v7(tmp_path / "old.db")
    with Mirror.open(location) as mirror:
        reader = mirror.reader
        assert reader.deployment_of("sesn_old") == "depl_nightly"
        assert reader.deployment_session_ids("depl_nightly") == ["sesn_old"]
        outcome = reader.outcomes(["sesn_old"])["sesn_old"]
        assert (outcome["verdict"], outcome["iteration"], outcome["max_iterations"]) == (
            "met", 1, 3,
        )  # fmt: skip
        assert {h.session_id for h in reader.search("outcome:met")} == {"sesn_old"}
        # Its vault is known: a credential failing later makes this session need you.
        failing = {"type": "vault_credential", "id": "vcrd_1", "vault_id": "vlt_team",
                   "display_name": "GitHub", "auth": {"type": "environment_variable"}}  # fmt: skip
        check = {"credential_id": "vcrd_1", "status": "invalid", "validated_at": "2026-05-12",
                 "refresh": {"status": "no_refresh_token"}}  # fmt: skip
        vault = {"type": "vault", "id": "vlt_team", "display_name": "Team"}
        changed = mirror.writer.submit(
            "upsert_platform", vaults=[vault], credentials=[failing], validations=[check]
        ).result()
        assert changed == ["sesn_old"] and reader.session("sesn_old").needs_you == "credential"
