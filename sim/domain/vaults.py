"""Vaults and their credentials (SDK ``beta.vaults``): CRUD, archive, and the live validation
of MCP OAuth credentials (``mcp_oauth_validate``).

Secrets are write-only: they are kept beside the credential object, never in it. Validation
is a deterministic stand-in for the platform's live probe, driven by the credential itself
(documented choice, the sim reaches no MCP server):

* the access token works unless it has expired or the server URL contains ``revoked``;
* a server URL whose host ends in ``.invalid`` or contains ``unreachable`` cannot be reached:
  status ``unknown``, a failed ``initialize`` probe without an HTTP response;
* a token that fails (401) is refreshed when the credential has refresh settings; the refresh
  fails when the token endpoint contains ``invalid``.
"""

from __future__ import annotations

import copy
from urllib.parse import urlparse

from drover.sim.domain.checks import apply_metadata_patch
from drover.sim.domain.state import SimState
from drover.sim.domain.validate_vaults import (
    check_credential_create,
    check_credential_update,
    check_vault,
)
from drover.sim.wire.errors import invalid, not_found
from drover.sim.wire.ids import parse_rfc3339, rfc3339
from drover.sim.wire.platform import http_response, new_credential, new_vault


class VaultOps:
    """Mixin of :class:`~drover.sim.domain.facade.SimDomain`: vaults and credentials."""

    state: SimState

    def _stamp(self) -> str:
        return rfc3339(self.state.clock.now())

    # -- vaults ----------------------------------------------------------------------------

    def vault(self, vault_id: str) -> dict:
        """A vault, not copied (404 if unknown)."""
        if vault_id not in self.state.vaults:
            raise not_found("vault", vault_id)
        return self.state.vaults[vault_id]

    def create_vault(self, body: dict) -> dict:
        fields = check_vault(body, update=False)
        vault = new_vault(self.state.ids.new("vlt"), fields, self._stamp())
        self.state.vaults[vault["id"]] = vault
        return copy.deepcopy(vault)

    def get_vault(self, vault_id: str) -> dict:
        return copy.deepcopy(self.vault(vault_id))

    def update_vault(self, vault_id: str, body: dict) -> dict:
        vault = self.vault(vault_id)
        fields = check_vault(body, update=True)
        if vault["archived_at"] is not None:
            raise invalid(f"vault {vault_id!r} is archived and read-only")
        if "metadata" in fields:
            fields["metadata"] = apply_metadata_patch(
                vault["metadata"], fields["metadata"], "body.metadata"
            )
        if any(vault[k] != v for k, v in fields.items()):
            vault.update(fields, updated_at=self._stamp())
        return copy.deepcopy(vault)

    def list_vaults(self, include_archived: bool = False) -> list[dict]:
        return [
            copy.deepcopy(v)
            for v in self.state.vaults.values()
            if include_archived or v["archived_at"] is None
        ]

    def archive_vault(self, vault_id: str) -> dict:
        """Archive a vault and its credentials (read-only; new sessions can't use it)."""
        vault = self.vault(vault_id)
        if vault["archived_at"] is None:
            now = self._stamp()
            vault["archived_at"] = vault["updated_at"] = now
            for held in self.state.credentials.values():
                cred = held["credential"]
                if cred["vault_id"] == vault_id and cred["archived_at"] is None:
                    cred["archived_at"] = cred["updated_at"] = now
        return copy.deepcopy(vault)

    def delete_vault(self, vault_id: str) -> dict:
        self.vault(vault_id)
        del self.state.vaults[vault_id]
        for cred_id in [
            c for c, held in self.state.credentials.items() if held["vault_id"] == vault_id
        ]:
            del self.state.credentials[cred_id]
        return {"id": vault_id, "type": "vault_deleted"}

    def check_vault_ids(self, vault_ids: list[str], where: str = "body.vault_ids") -> None:
        """Vaults a session or deployment names must exist (404) and not be archived (400)."""
        for i, vault_id in enumerate(vault_ids):
            if vault_id not in self.state.vaults:
                raise not_found("vault", vault_id)
            if self.state.vaults[vault_id]["archived_at"] is not None:
                raise invalid(f"{where}[{i}]: vault {vault_id!r} is archived")

    # -- credentials -----------------------------------------------------------------------

    def _held(self, vault_id: str, credential_id: str) -> dict:
        self.vault(vault_id)
        held = self.state.credentials.get(credential_id)
        if held is None or held["vault_id"] != vault_id:
            raise not_found("credential", credential_id)
        return held

    def create_credential(self, vault_id: str, body: dict) -> dict:
        vault = self.vault(vault_id)
        fields, secrets = check_credential_create(body, self.state.clock.now())
        if vault["archived_at"] is not None:
            raise invalid(f"vault {vault_id!r} is archived and read-only")
        cred = new_credential(self.state.ids.new("vcrd"), vault_id, fields, self._stamp())
        self.state.credentials[cred["id"]] = {
            "vault_id": vault_id,
            "credential": cred,
            "secrets": secrets,
        }
        return copy.deepcopy(cred)

    def get_credential(self, vault_id: str, credential_id: str) -> dict:
        return copy.deepcopy(self._held(vault_id, credential_id)["credential"])

    def update_credential(self, vault_id: str, credential_id: str, body: dict) -> dict:
        held = self._held(vault_id, credential_id)
        cred = held["credential"]
        fields, secrets = check_credential_update(body, cred["auth"], self.state.clock.now())
        if cred["archived_at"] is not None:
            raise invalid(f"credential {credential_id!r} is archived and read-only")
        if "metadata" in fields:
            fields["metadata"] = apply_metadata_patch(
                cred["metadata"], fields["metadata"], "body.metadata"
            )
        cred.update(fields, updated_at=self._stamp())
        held["secrets"].update({k: v for k, v in secrets.items() if v is not None})
        return copy.deepcopy(cred)

    def list_credentials(self, vault_id: str, include_archived: bool = False) -> list[dict]:
        self.vault(vault_id)
        return [
            copy.deepcopy(held["credential"])
            for held in self.state.credentials.values()
            if held["vault_id"] == vault_id
            and (include_archived or held["credential"]["archived_at"] is None)
        ]

    def archive_credential(self, vault_id: str, credential_id: str) -> dict:
        cred = self._held(vault_id, credential_id)["credential"]
        if cred["archived_at"] is None:
            cred["archived_at"] = cred["updated_at"] = self._stamp()
        return copy.deepcopy(cred)

    def delete_credential(self, vault_id: str, credential_id: str) -> dict:
        self._held(vault_id, credential_id)
        del self.state.credentials[credential_id]
        return {"id": credential_id, "type": "vault_credential_deleted"}

    def validate_credential(self, vault_id: str, credential_id: str) -> dict:
        """``mcp_oauth_validate``: probe the MCP server with the credential (see module doc)."""
        held = self._held(vault_id, credential_id)
        cred = held["credential"]
        auth = cred["auth"]
        if auth["type"] != "mcp_oauth":
            raise invalid(f"credential {credential_id!r} is {auth['type']}, not mcp_oauth")
        if cred["archived_at"] is not None:
            raise invalid(f"credential {credential_id!r} is archived")
        now = self.state.clock.now()
        url = auth["mcp_server_url"]
        host = urlparse(url).hostname or ""
        refresh_settings = auth.get("refresh")
        result = {
            "type": "vault_credential_validation",
            "credential_id": credential_id,
            "vault_id": vault_id,
            "status": "valid",
            "has_refresh_token": bool(refresh_settings and held["secrets"].get("refresh_token")),
            "mcp_probe": None,
            "refresh": None,
            "validated_at": rfc3339(now),
        }
        if host.endswith(".invalid") or "unreachable" in url:
            probe = {"method": "initialize", "http_response": None}
            result.update(status="unknown", mcp_probe=probe)
            return result
        expired = auth.get("expires_at") is not None and parse_rfc3339(auth["expires_at"]) <= now
        if not expired and "revoked" not in url:
            return result
        if not result["has_refresh_token"]:
            result.update(
                status="invalid",
                mcp_probe={"method": "initialize", "http_response": http_response(401)},
                refresh={"status": "no_refresh_token", "http_response": None},
            )
        elif "invalid" in refresh_settings["token_endpoint"]:
            result.update(
                status="invalid",
                mcp_probe={"method": "initialize", "http_response": http_response(401)},
                refresh={"status": "failed", "http_response": http_response(400)},
            )
            self.notify("vault_credential.refresh_failed", credential_id, {"vault_id": vault_id})
        else:
            result["refresh"] = {"status": "succeeded", "http_response": None}
        return result
