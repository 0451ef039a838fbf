"""`SteerQueries`: the read API behind deployments, vaults, memory stores, outcomes and rules.

Mixed into `MirrorReader` (which supplies `_conn()`, a thread-local read connection). The
tables are small (a workspace has tens of deployments and vaults), so these queries simply
read them; what touches `sessions` goes through its primary key or `session_refs`' index.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING

from drover.store.dialect import Conn, dialect_of
from drover.store.session_row import SessionRow

if TYPE_CHECKING:  # the rows' modules load on first use: `drover ls` and the fleet need none
    from drover.store.models import JSONObject
    from drover.store.rule_audit import AuditRow
    from drover.store.steer_models import CredentialRow, DeploymentRow, RunRow, VaultRow

__all__ = ["SteerQueries", "with_steer"]


def with_steer(conn: Conn, rows: list[SessionRow], *, outcomes: bool = False) -> list[SessionRow]:
    """`rows` with their failing credential (sessions that need you for one) and, with
    `outcomes`, their current outcome filled in (a few index probes; `rows` is a screenful)."""
    # Both modules load on first use: `drover ls` asks for no outcome, and a session needing a
    # credential is rare (issue 13).
    found: dict[str, JSONObject] = {}
    if outcomes and rows:
        from drover.store.outcomes import attach_outcomes

        found = attach_outcomes(conn, [r.id for r in rows])
    out = []
    for row in rows:
        issue = None
        if row.needs_you == "credential":
            from drover.store.credential_health import credential_issue

            issue = credential_issue(conn, row.id)
        outcome = found.get(row.id)
        out.append(replace(row, outcome=outcome, credential=issue) if issue or outcome else row)
    return out


def _paused_reason(raw: JSONObject) -> str | None:
    reason = raw.get("paused_reason")
    if not isinstance(reason, dict):
        return None
    if reason.get("type") == "error":
        from drover.store.extract import json_object  # a deployment's only: `drover ls` has none

        return str(json_object(reason.get("error")).get("type") or "error")
    return str(reason.get("type") or "") or None


def _schedule(raw: JSONObject) -> tuple[str | None, str | None, str | None]:
    """(`expression tz`, last run, next run) of a deployment's schedule."""
    schedule = raw.get("schedule")
    if not isinstance(schedule, dict):
        return None, None, None
    text = f"{schedule.get('expression', '?')} {schedule.get('timezone') or 'UTC'}"
    upcoming = schedule.get("upcoming_runs_at")
    nxt = upcoming[0] if isinstance(upcoming, list) and upcoming else None
    return text, schedule.get("last_run_at"), nxt


class SteerQueries:
    """Platform, outcome and rule queries (see the module docstring)."""

    def _conn(self) -> Conn:  # pragma: no cover - supplied by MirrorReader
        raise NotImplementedError

    # -- deployments ---------------------------------------------------------------------------

    def deployments(self) -> list[DeploymentRow]:
        """Every mirrored deployment, by name, with its runs, failures and spend."""
        from drover.store.extract import json_object
        from drover.store.steer_models import DeploymentRow

        conn = self._conn()
        runs = {
            r[0]: (r[1], r[2], r[3])
            for r in conn.execute(
                "SELECT deployment_id, count(*), count(error_type), max(created_at) "
                "FROM deployment_runs GROUP BY deployment_id"
            )
        }
        spend = {
            r[0]: (r[1], r[2])
            for r in conn.execute(
                "SELECT r.deployment_id, count(*), coalesce(sum(s.list_cost_cents), 0) "
                "FROM session_refs r JOIN sessions s ON s.id = r.session_id "
                "WHERE r.deployment_id IS NOT NULL GROUP BY r.deployment_id"
            )
        }
        out = []
        for did, name, status, raw_text, agent_name in conn.execute(
            "SELECT d.id, d.name, d.status, d.raw, a.name FROM deployments d "
            "LEFT JOIN agents a ON a.id = d.agent_id "
            f"ORDER BY {dialect_of(conn).ordering('d.name COLLATE NOCASE, d.id')}"
        ):
            raw = json.loads(raw_text)
            schedule, last, nxt = _schedule(raw)
            count, failed, newest = runs.get(did, (0, 0, None))
            sessions, cents = spend.get(did, (0, 0))
            agent = agent_name or json_object(raw.get("agent")).get("id")
            out.append(
                DeploymentRow(
                    did, name or did, status, _paused_reason(raw), schedule,
                    max(filter(None, (newest, last)), default=None), nxt, count,
                    int(failed or 0), sessions, int(cents), agent, raw,
                )
            )  # fmt: skip
        return out

    def deployment(self, deployment_id: str) -> DeploymentRow | None:
        """One deployment (None if not mirrored)."""
        return next((d for d in self.deployments() if d.id == deployment_id), None)

    def deployment_runs(self, deployment_id: str, *, limit: int = 200) -> list[RunRow]:
        """A deployment's runs, newest first, with each run's session as mirrored."""
        from drover.store.extract import json_object
        from drover.store.steer_models import RunRow

        rows = self._conn().execute(
            "SELECT r.id, r.deployment_id, r.created_at, r.trigger_type, r.session_id, "
            "r.error_type, r.raw, s.title, s.status, s.needs_you, s.list_cost_cents "
            "FROM deployment_runs r LEFT JOIN sessions s ON s.id = r.session_id "
            "WHERE r.deployment_id = ? ORDER BY r.created_at DESC, r.id DESC LIMIT ?",
            (deployment_id, limit),
        )
        out = []
        for rid, did, at, trigger, sid, error, raw, title, status, needs, cents in rows:
            message = json_object(json.loads(raw).get("error")).get("message")
            out.append(
                RunRow(rid, did, at, trigger, sid, error,
                       message if isinstance(message, str) else None, title, status, needs, cents)
            )  # fmt: skip
        return out

    def deployment_session_ids(self, deployment_id: str) -> list[str]:
        """The sessions a deployment created (its runs' and those naming it)."""
        return [
            r[0]
            for r in self._conn().execute(
                "SELECT session_id FROM session_refs WHERE deployment_id = ?", (deployment_id,)
            )
        ]

    def deployment_of(self, session_id: str) -> str | None:
        """The deployment that created a session, if any."""
        row = (
            self._conn()
            .execute("SELECT deployment_id FROM session_refs WHERE session_id = ?", (session_id,))
            .fetchone()
        )
        return row[0] if row else None

    # -- vaults --------------------------------------------------------------------------------

    def vaults(self) -> list[VaultRow]:
        """Every mirrored vault with its credentials' health (failing vaults first)."""
        from drover.store.credential_health import credential_issue, fix_for
        from drover.store.extract import json_object
        from drover.store.steer_models import CredentialRow, VaultRow

        conn = self._conn()
        users = {
            r[0]: r[1]
            for r in conn.execute(
                "SELECT sv.vault_id, count(*) FROM session_vaults sv "
                "JOIN sessions s ON s.id = sv.session_id WHERE s.status != 'terminated' "
                "AND s.deleted = 0 AND s.archived_at IS NULL GROUP BY sv.vault_id"
            )
        }
        needing: dict[str, int] = {}  # credential → sessions that need you for it
        for (sid,) in conn.execute("SELECT id FROM sessions WHERE needs_you = 'credential'"):
            issue = credential_issue(conn, sid)
            if issue is not None:
                cid = str(issue["credential_id"])
                needing[cid] = needing.get(cid, 0) + 1
        creds: dict[str, list[CredentialRow]] = {}
        for row in conn.execute(
            "SELECT id, vault_id, display_name, auth_type, mcp_server_url, validation, problem, "
            "validated_at, archived_at, raw FROM vault_credentials ORDER BY display_name, id"
        ):
            cid, vid, name, kind, url, validation, problem, checked, archived, raw = row
            status = json_object(json.loads(validation)).get("status") if validation else None
            expires = json_object(json_object(json.loads(raw)).get("auth")).get("expires_at")
            creds.setdefault(vid, []).append(
                CredentialRow(cid, vid, name or url or cid, kind, url, status, problem,
                              fix_for(problem) if problem else None, checked, expires, archived,
                              needing.get(cid, 0))
            )  # fmt: skip
        out = [
            VaultRow(vid, name or vid, archived, tuple(creds.get(vid, ())), users.get(vid, 0))
            for vid, name, archived in conn.execute(
                "SELECT id, display_name, archived_at FROM vaults "
                f"ORDER BY {dialect_of(conn).ordering('display_name COLLATE NOCASE, id')}"
            )
        ]
        return sorted(out, key=lambda v: v.failing == 0)

    def credential_issue(self, session_id: str) -> JSONObject | None:
        """The failing credential a session uses, with its fix (None: none)."""
        from drover.store.credential_health import credential_issue

        return credential_issue(self._conn(), session_id)

    def credential_issues(self, session_ids: Iterable[str]) -> dict[str, JSONObject]:
        """`credential_issue` of each session that has one."""
        from drover.store.credential_health import credential_issue

        out = {}
        for sid in session_ids:
            issue = credential_issue(self._conn(), sid)
            if issue is not None:
                out[sid] = issue
        return out

    # -- memory stores ---------------------------------------------------------------------------

    def memory_stores(self) -> list[JSONObject]:
        """Every mirrored memory store (raw JSON), by name."""
        conn = self._conn()
        order = dialect_of(conn).ordering("name COLLATE NOCASE, id")
        return [
            json.loads(r[0])
            for r in conn.execute(f"SELECT raw FROM memory_stores ORDER BY {order}")
        ]

    # -- outcomes --------------------------------------------------------------------------------

    def outcomes(self, session_ids: Iterable[str]) -> dict[str, JSONObject]:
        """The current outcome of each session that has one (see `drover.store.outcomes`)."""
        from drover.store.outcomes import attach_outcomes

        return attach_outcomes(self._conn(), session_ids)

    # -- rules -----------------------------------------------------------------------------------

    def rule_audit(self, *, session_id: str | None = None, limit: int = 200) -> list[AuditRow]:
        """Automatic answers by rule, newest first, with their delivery state."""
        from drover.store.rule_audit import audit_rows

        return audit_rows(self._conn(), session_id=session_id, limit=limit)

    def asking_sessions(self, limit: int = 10_000) -> list[SessionRow]:
        """Sessions synced from the server that wait for an approval (what rules look at)."""
        rows = self._conn().execute(
            f"SELECT {SessionRow.COLUMNS} FROM sessions WHERE needs_you = 'requires_action' "
            "AND origin IS NULL AND deleted = 0 ORDER BY needs_since, id LIMIT ?",
            (limit,),
        )
        return [SessionRow.from_row(r) for r in rows]

    def rules_paused(self) -> str | None:
        """When the profile's rules were paused (None: they apply)."""
        from drover.store.rule_audit import paused_at

        return paused_at(self._conn())
