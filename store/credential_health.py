"""Credential health: why a vault credential fails, the fix it needs, and which failing
credential a session uses (`drover.store.platform` explains "uses").

A leaf module: `drover.store.derive` asks `credential_issue` for its needs-you reason, and
`drover.store.platform` (which recomputes sessions through `derive`) classifies validations.
"""

from __future__ import annotations

import json

from drover.store.dialect import Conn
from drover.store.extract import json_object
from drover.store.models import JSONObject

__all__ = ["PROBLEMS", "credential_issue", "fix_for", "problem_of"]

PROBLEMS = {
    "reauthorize": ("re-authorize", "token rejected, no refresh token"),
    "refresh_failed": ("re-authorize", "token rejected, the refresh failed"),
    "rejected": ("re-authorize", "the server rejected it"),
    "unreachable": ("check its server URL", "the MCP server could not be reached"),
}
"""A credential's problem → (the fix it needs, why), what the needs-you reason says."""


def problem_of(validation: JSONObject | None) -> str | None:
    """Why a credential fails, from its latest validation (None: healthy, or not known to fail).

    `invalid` is a failure (the refresh, when tried, did not recover it); `unknown` is one only
    when the probe failed without the server answering (unreachable). An `unknown` after a
    successful refresh is not: the new token simply was not tested yet.
    """
    if not validation:
        return None
    status = validation.get("status")
    refresh = json_object(validation.get("refresh"))
    if status == "invalid":
        if refresh.get("status") == "no_refresh_token":
            return "reauthorize"
        if refresh.get("status") in ("failed", "connect_error"):
            return "refresh_failed"
        return "rejected"
    probe = json_object(validation.get("mcp_probe"))
    if status == "unknown" and probe and probe.get("http_response") is None:
        return "unreachable"
    return None


def fix_for(problem: str | None) -> str:
    """The fix a credential problem needs, and why, in words."""
    fix, why = PROBLEMS.get(problem or "", ("validate it again", "its state is not known"))
    return f"{fix} ({why})"


def credential_issue(conn: Conn, session_id: str) -> JSONObject | None:
    """The first failing credential a session uses, or None (one index probe per vault).

    Returns:
        `{credential_id, vault_id, name, vault_name, problem, fix, action, why}` (`fix` is
        `action (why)`).
    """
    rows = conn.execute(
        "SELECT c.id, c.vault_id, c.display_name, c.mcp_server_url, c.auth_type, c.problem, "
        "v.display_name, r.mcp_urls FROM session_vaults sv "
        "JOIN vault_credentials c ON c.vault_id = sv.vault_id "
        "LEFT JOIN vaults v ON v.id = c.vault_id "
        "LEFT JOIN session_refs r ON r.session_id = sv.session_id "
        "WHERE sv.session_id = ? AND c.problem IS NOT NULL AND c.archived_at IS NULL "
        "ORDER BY c.id",
        (session_id,),
    ).fetchall()
    for cid, vault_id, name, url, auth_type, problem, vault_name, urls in rows:
        bound = auth_type in ("mcp_oauth", "static_bearer") and url
        if bound and url not in json.loads(urls or "[]"):
            continue  # its agent does not use that server
        return {
            "credential_id": cid,
            "vault_id": vault_id,
            "name": name or url or cid,
            "vault_name": vault_name or vault_id,
            "problem": problem,
            "fix": fix_for(problem),
            "action": PROBLEMS.get(problem, ("validate it again", ""))[0],
            "why": PROBLEMS.get(problem, ("", "its state is not known"))[1],
        }
    return None
