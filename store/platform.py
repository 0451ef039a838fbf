"""The platform around the sessions: deployments and their runs, vaults and their credentials'
health, memory stores, and what each session refers to among them.

Sync lists these rarely (`drover.sync.platform`); this module stores them on the writer thread
and answers the questions the views ask. Every object's raw JSON is kept whole, except that a
credential is stored without anything that could be a secret (the API never returns secrets;
a server that did would not get them onto the disk either, see `scrub_credential`).

Which sessions *use* a credential: the session lists the credential's vault in `vault_ids`
and, for a credential bound to an MCP server (`mcp_oauth`, `static_bearer`), its agent names
that server's URL (`session_refs.mcp_urls`); an `environment_variable` credential is used by
every session of its vault. A credential whose latest validation failed (`problem` set) makes
each such session not terminated need you (`drover.store.derive`, reason `credential`), with
the fix it needs (`fix_for`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from drover.store.credential_health import problem_of
from drover.store.derive import finalize
from drover.store.dialect import Conn
from drover.store.event_raw import raw_json
from drover.store.extract import dumps, json_object, money_cents
from drover.store.models import JSONObject, SQLValue
from drover.store.state import load_state
from drover.store.upsert import upsert_by_id

__all__ = [
    "PLATFORM_V8",
    "backfill_refs",
    "record_session_refs",
    "scrub_credential",
    "upsert_platform",
]

PLATFORM_V8 = """
CREATE TABLE deployments (
    id TEXT PRIMARY KEY,
    name TEXT,
    agent_id TEXT,
    status TEXT,                    -- active | paused
    archived_at TEXT,
    created_at TEXT,
    updated_at TEXT,
    raw TEXT NOT NULL
);
CREATE TABLE deployment_runs (
    id TEXT PRIMARY KEY,
    deployment_id TEXT NOT NULL,
    session_id TEXT,                -- NULL: the run could not create its session
    created_at TEXT,
    error_type TEXT,                -- the run's error.type, else NULL
    trigger_type TEXT,              -- manual | schedule
    raw TEXT NOT NULL
);
CREATE INDEX deployment_runs_deployment ON deployment_runs(deployment_id, created_at);
CREATE INDEX deployment_runs_session ON deployment_runs(session_id) WHERE session_id IS NOT NULL;
CREATE TABLE session_refs (
    session_id TEXT PRIMARY KEY,
    deployment_id TEXT,             -- the Session object's deployment_id (or its run's)
    vault_ids TEXT NOT NULL DEFAULT '[]',
    mcp_urls TEXT NOT NULL DEFAULT '[]'     -- the agent's MCP server URLs
) WITHOUT ROWID;
CREATE INDEX session_refs_deployment ON session_refs(deployment_id)
    WHERE deployment_id IS NOT NULL;
CREATE TABLE session_vaults (
    vault_id TEXT NOT NULL,
    session_id TEXT NOT NULL,
    PRIMARY KEY (vault_id, session_id)
) WITHOUT ROWID;
CREATE INDEX session_vaults_session ON session_vaults(session_id);
CREATE TABLE vaults (
    id TEXT PRIMARY KEY,
    display_name TEXT,
    archived_at TEXT,
    created_at TEXT,
    updated_at TEXT,
    raw TEXT NOT NULL
);
CREATE TABLE vault_credentials (
    id TEXT PRIMARY KEY,
    vault_id TEXT NOT NULL,
    display_name TEXT,
    auth_type TEXT,                 -- mcp_oauth | static_bearer | environment_variable
    mcp_server_url TEXT,
    archived_at TEXT,
    updated_at TEXT,
    raw TEXT NOT NULL,              -- scrubbed of anything secret-looking
    validation TEXT,                -- JSON: the latest mcp_oauth_validate result
    validated_at TEXT,
    problem TEXT                    -- see PROBLEMS; NULL while healthy or not known to fail
);
CREATE INDEX vault_credentials_vault ON vault_credentials(vault_id);
CREATE TABLE memory_stores (
    id TEXT PRIMARY KEY,
    name TEXT,
    archived_at TEXT,
    created_at TEXT,
    raw TEXT NOT NULL
)
"""

_SECRET_KEYS = frozenset(
    {"token", "access_token", "refresh_token", "client_secret", "value", "secret", "password"}
)


def scrub_credential(obj: JSONObject) -> JSONObject:
    """A credential object without any secret-looking value (secrets are write-only)."""

    def clean(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: clean(v) for k, v in node.items() if k not in _SECRET_KEYS}
        if isinstance(node, list):
            return [clean(v) for v in node]
        return node

    scrubbed: JSONObject = clean(obj)
    return scrubbed


# -- session references ---------------------------------------------------------------------------


def _mcp_urls(session: JSONObject) -> list[str]:
    agent = json_object(session.get("agent"))
    servers = agent.get("mcp_servers")
    urls = (
        [s.get("url") for s in servers if isinstance(s, dict)] if isinstance(servers, list) else []
    )
    return sorted({u for u in urls if isinstance(u, str) and u})


def record_session_refs(conn: Conn, sessions: Iterable[JSONObject]) -> None:
    """Remember what each Session object refers to: its deployment, vaults and MCP servers.

    A deployment learnt from a run (`upsert_platform`) is kept when the Session object has none.
    """
    for session in sessions:
        sid = session.get("id")
        if not isinstance(sid, str) or not sid:
            continue
        deployment = session.get("deployment_id")
        vault_ids = session.get("vault_ids")
        vaults = sorted({v for v in vault_ids if isinstance(v, str)}) if isinstance(
            vault_ids, list
        ) else []  # fmt: skip
        conn.execute(
            "INSERT INTO session_refs(session_id, deployment_id, vault_ids, mcp_urls) "
            "VALUES (?, ?, ?, ?) ON CONFLICT(session_id) DO UPDATE SET "
            "deployment_id = coalesce(excluded.deployment_id, session_refs.deployment_id), "
            "vault_ids = excluded.vault_ids, mcp_urls = excluded.mcp_urls",
            (sid, deployment if isinstance(deployment, str) else None, dumps(vaults),
             dumps(_mcp_urls(session))),
        )  # fmt: skip
        conn.execute("DELETE FROM session_vaults WHERE session_id = ?", (sid,))
        conn.executemany(
            "INSERT INTO session_vaults(vault_id, session_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
            [(vault, sid) for vault in vaults],
        )


def backfill_refs(conn: Conn) -> None:
    """Record the references of every Session object already mirrored (migration v8)."""
    rows = conn.execute("SELECT raw FROM sessions WHERE raw IS NOT NULL").fetchall()
    record_session_refs(conn, (json.loads(raw_json(raw)) for (raw,) in rows))


# -- upserts ------------------------------------------------------------------------------------


def _ids(objs: Sequence[JSONObject]) -> list[JSONObject]:
    return [o for o in objs if isinstance(o, dict) and isinstance(o.get("id"), str) and o["id"]]


def _deployment_rows(deployments: Sequence[JSONObject]) -> list[dict[str, SQLValue]]:
    return [
        {
            "id": d["id"], "name": d.get("name"), "status": d.get("status"),
            "agent_id": json_object(d.get("agent")).get("id"),
            "archived_at": d.get("archived_at"), "created_at": d.get("created_at"),
            "updated_at": d.get("updated_at"), "raw": dumps(d),
        }
        for d in _ids(deployments)
    ]  # fmt: skip


def _run_rows(runs: Sequence[JSONObject]) -> list[dict[str, SQLValue]]:
    return [
        {
            "id": r["id"], "deployment_id": r.get("deployment_id") or "",
            "session_id": r.get("session_id"), "created_at": r.get("created_at"),
            "error_type": json_object(r.get("error")).get("type") if r.get("error") else None,
            "trigger_type": json_object(r.get("trigger_context")).get("type"), "raw": dumps(r),
        }
        for r in _ids(runs)
    ]  # fmt: skip


def _credential_rows(
    conn: Conn, credentials: Sequence[JSONObject], validations: dict[str, JSONObject]
) -> list[dict[str, SQLValue]]:
    rows: list[dict[str, SQLValue]] = []
    for cred in _ids(credentials):
        cid = cred["id"]
        auth = json_object(cred.get("auth"))
        validation = validations.get(cid)
        if validation is None:  # keep the last known verdict until a new one comes
            found = conn.execute(
                "SELECT validation, updated_at FROM vault_credentials WHERE id = ?", (cid,)
            ).fetchone()
            if found and found[0] and found[1] == cred.get("updated_at"):
                validation = json.loads(found[0])
        rows.append({
            "id": cid, "vault_id": cred.get("vault_id") or "",
            "display_name": cred.get("display_name"), "auth_type": auth.get("type"),
            "mcp_server_url": auth.get("mcp_server_url"), "archived_at": cred.get("archived_at"),
            "updated_at": cred.get("updated_at"), "raw": dumps(scrub_credential(cred)),
            "validation": dumps(validation) if validation else None,
            "validated_at": (validation or {}).get("validated_at"),
            "problem": problem_of(validation),
        })  # fmt: skip
    return rows


def upsert_platform(
    conn: Conn,
    *,
    deployments: Sequence[JSONObject] | None = None,
    runs: Sequence[JSONObject] = (),
    vaults: Sequence[JSONObject] | None = None,
    credentials: Sequence[JSONObject] | None = None,
    validations: Sequence[JSONObject] = (),
    memory_stores: Sequence[JSONObject] | None = None,
) -> list[str]:
    """Store what one platform refresh read; returns the sessions whose state changed.

    A family given as a list replaces what was mirrored of it (objects no longer listed are
    dropped: deleted or archived upstream); None leaves it alone (not read this time). Runs are
    only added. Credentials are replaced vault by vault, for the vaults listed.

    Returns:
        The sessions whose needs-you reason was recomputed because a credential they use
        started or stopped failing (their change notice goes out with the commit).
    """
    if deployments is not None:
        conn.execute("DELETE FROM deployments")
        upsert_by_id(conn, "deployments", _deployment_rows(deployments))
    run_rows = _run_rows(runs)
    upsert_by_id(conn, "deployment_runs", run_rows)
    for row in run_rows:
        if row["session_id"]:
            conn.execute(
                "INSERT INTO session_refs(session_id, deployment_id) VALUES (?, ?) "
                "ON CONFLICT(session_id) DO UPDATE SET deployment_id = "
                "coalesce(session_refs.deployment_id, excluded.deployment_id)",
                (row["session_id"], row["deployment_id"]),
            )
    if memory_stores is not None:
        conn.execute("DELETE FROM memory_stores")
        upsert_by_id(conn, "memory_stores", [
            {"id": m["id"], "name": m.get("name"), "archived_at": m.get("archived_at"),
             "created_at": m.get("created_at"), "raw": dumps(m)}
            for m in _ids(memory_stores)
        ])  # fmt: skip
    before = dict(conn.execute("SELECT id, problem FROM vault_credentials").fetchall())
    if vaults is not None:
        conn.execute("DELETE FROM vaults")
        upsert_by_id(conn, "vaults", [
            {"id": v["id"], "display_name": v.get("display_name"),
             "archived_at": v.get("archived_at"), "created_at": v.get("created_at"),
             "updated_at": v.get("updated_at"), "raw": dumps(v)}
            for v in _ids(vaults)
        ])  # fmt: skip
        conn.execute("DELETE FROM vault_credentials WHERE vault_id NOT IN (SELECT id FROM vaults)")
    if credentials is not None:
        checked = {v["credential_id"]: v for v in validations if v.get("credential_id")}
        rows = _credential_rows(conn, credentials, checked)
        listed_vaults = {str(r["vault_id"]) for r in rows} | {v["id"] for v in _ids(vaults or [])}
        for vault_id in listed_vaults:
            keep = [str(r["id"]) for r in rows if r["vault_id"] == vault_id]
            kept = f" AND id NOT IN ({','.join('?' * len(keep))})" if keep else ""  # no `IN ()`
            conn.execute(
                f"DELETE FROM vault_credentials WHERE vault_id = ?{kept}", (vault_id, *keep)
            )
        upsert_by_id(conn, "vault_credentials", rows)
    after = dict(conn.execute("SELECT id, problem FROM vault_credentials").fetchall())
    changed = {cid for cid in before.keys() | after.keys() if before.get(cid) != after.get(cid)}
    return _refresh_needs(conn, changed)


def _refresh_needs(conn: Conn, credential_ids: set[str]) -> list[str]:
    """Recompute the needs-you reason of the sessions using these credentials' vaults."""
    if not credential_ids:
        return []
    marks = ",".join("?" * len(credential_ids))
    vaults = [
        row[0]
        for row in conn.execute(
            f"SELECT DISTINCT vault_id FROM vault_credentials WHERE id IN ({marks})",
            tuple(credential_ids),
        )
    ]
    # Credentials gone from the table (deleted upstream) leave no vault to look up: their
    # sessions are the ones whose stored reason names one of them.
    sessions = {
        row[0]
        for row in conn.execute(
            "SELECT session_id FROM session_vaults sv JOIN sessions s ON s.id = sv.session_id "
            f"WHERE sv.vault_id IN ({','.join('?' * len(vaults))}) AND s.status != 'terminated' "
            "AND s.deleted = 0",
            vaults,
        )
    } if vaults else set()  # fmt: skip
    sessions |= {
        row[0] for row in conn.execute("SELECT id FROM sessions WHERE needs_you = 'credential'")
    }
    changed = []
    for session_id in sorted(sessions):
        st = load_state(conn, session_id)
        before = st.needs_you
        finalize(conn, st)
        if st.needs_you != before:
            changed.append(session_id)
    return changed


def deployment_cost_cents(conn: Conn, deployment_id: str) -> int:
    """List cost of every mirrored session a deployment's runs made (cents)."""
    row = conn.execute(
        "SELECT coalesce(sum(s.list_cost_cents), 0) FROM session_refs r "
        "JOIN sessions s ON s.id = r.session_id WHERE r.deployment_id = ?",
        (deployment_id,),
    ).fetchone()
    return int(row[0])


def budget_of(obj: JSONObject) -> int | None:
    """A deployment's or session's budget cap in cents (None: none)."""
    return money_cents(json_object(obj.get("budget")).get("max_list_cost"))
