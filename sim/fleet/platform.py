"""The demo fleet's platform resources: a vault of credentials the MCP-using agents need, a
memory store of team conventions the coding agents mount, and a nightly deployment.

Sessions of scenarios with ``mcp_servers`` get the vault in ``vault_ids``; sessions of
scenarios with a ``repository`` mount the store read-only; the triage scenario gets a cron
deployment whose first run has already happened (so its session lists with a
``deployment_id``).
"""

from __future__ import annotations

from datetime import timedelta

from drover.sim.fleet.bodies import user_message

VAULT = "Team credentials"
STORE = "Team conventions"
DEPLOYMENT = "Nightly support triage"
MEMORIES = (
    ("/python/style.md", "Format with ruff; type hints on public functions; no bare except."),
    ("/python/testing.md", "pytest; one behaviour per test; fixtures in conftest.py."),
    ("/releases/checklist.md", "Changelog entry, migration notes, a green CI run on main."),
)


def ensure_platform(domain, platform: dict[str, str]) -> None:
    """Fill ``platform`` (``vault``, ``store`` → ids), creating what is not there yet."""
    if platform:
        return
    for vault in domain.state.vaults.values():
        if vault["display_name"] == VAULT and vault["archived_at"] is None:
            platform["vault"] = vault["id"]
    for store in domain.state.memory_stores.values():
        if store["name"] == STORE and store["archived_at"] is None:
            platform["store"] = store["id"]
    if "vault" not in platform:
        platform["vault"] = _vault(domain)
    if "store" not in platform:
        store = domain.create_memory_store(
            {"name": STORE, "description": "How this team writes and ships code"}
        )
        for path, content in MEMORIES:
            domain.create_memory(store["id"], {"path": path, "content": content})
        platform["store"] = store["id"]


def _vault(domain) -> str:
    vault = domain.create_vault({"display_name": VAULT, "metadata": {"owner": "platform-team"}})
    later = (domain.state.clock.now() + timedelta(days=30)).isoformat().replace("+00:00", "Z")
    credentials = (
        {"type": "static_bearer", "mcp_server_url": "https://api.githubcopilot.com/mcp/",
         "token": "sim-github-token"},
        {"type": "mcp_oauth", "mcp_server_url": "https://mcp.linear.app/mcp",
         "access_token": "sim-linear-token", "expires_at": later,
         "refresh": {"client_id": "drover-demo", "refresh_token": "sim-refresh",
                     "token_endpoint": "https://linear.app/oauth/token",
                     "token_endpoint_auth": {"type": "none"}}},
        {"type": "mcp_oauth", "mcp_server_url": "https://mcp.sentry.dev/mcp?revoked=1",
         "access_token": "sim-sentry-token"},
    )  # fmt: skip
    for auth in credentials:
        domain.create_credential(vault["id"], {"auth": auth})
    return vault["id"]


def platform_fields(scenario, platform: dict[str, str]) -> dict:
    """What a fleet session of ``scenario`` adds to its create body."""
    fields: dict = {}
    if scenario.fleet.get("mcp_servers"):
        fields["vault_ids"] = [platform["vault"]]
    if scenario.fleet.get("repository"):
        fields["resources"] = [
            {"type": "memory_store", "memory_store_id": platform["store"], "access": "read_only",
             "instructions": "Follow these conventions."}
        ]  # fmt: skip
    return fields


def ensure_deployment(domain, agents: dict[str, str], environments: dict[str, str]) -> str | None:
    """A nightly deployment of the triage agent, run once; the run's session id (``None`` if
    the fleet has no triage agent or already made the deployment)."""
    agent_id = agents.get("triage-bot")
    if agent_id is None or any(
        held["deployment"]["name"] == DEPLOYMENT for held in domain.state.deployments.values()
    ):
        return None
    deployment = domain.create_deployment(
        {
            "name": DEPLOYMENT,
            "description": "Works through the overnight support queue at 06:00 UTC",
            "agent": agent_id,
            "environment_id": next(iter(environments.values())),
            "initial_events": [user_message("Triage the tickets that came in overnight.")],
            "schedule": {"type": "cron", "expression": "0 6 * * *", "timezone": "UTC"},
        }
    )
    return domain.run_deployment(deployment["id"])["session_id"]
