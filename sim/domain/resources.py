"""Session resources (SDK ``beta.sessions.resources``): what a session mounts, checked when it
is created and changeable while it lives.

Only files can be added to a live session; a ``github_repository``'s token can be rotated; a
file or repository can be removed. Memory stores attach at create time only and have no id of
their own, so they cannot be fetched, changed or removed one by one. A terminated session's
resources are read-only (409).
"""

from __future__ import annotations

import copy

from drover.sim.domain.checks import body_object, no_unknown, text, typed
from drover.sim.domain.state import SimState
from drover.sim.wire.errors import conflict, invalid, not_found
from drover.sim.wire.objects import new_resource


class ResourceOps:
    """Mixin of :class:`~drover.sim.domain.facade.SimDomain`: a session's mounts."""

    state: SimState

    def check_resource_refs(self, specs: list[dict], where: str = "body.resources") -> None:
        """Files a template or session mounts must exist (404); memory stores too, and not be
        archived (400)."""
        for spec in specs:
            if spec["type"] == "file" and spec["file_id"] not in self.state.files:
                self.file(spec["file_id"])  # 404 (after collecting session outputs)
        self.check_memory_store_ids(specs, where)

    def build_resources(self, specs: list[dict], now: str) -> list[dict]:
        """Session resource objects for checked, existing specs (stores snapshot name and
        description at attach time)."""
        out = []
        for spec in specs:
            store = None
            if spec["type"] == "memory_store":
                store = self.state.memory_stores[spec["memory_store_id"]]
            out.append(new_resource(self.state.ids.new("sesrsc"), spec, now, store))
        return out

    def _live_resources(self, session_id: str) -> list[dict]:
        record = self.record(session_id)
        if record.resource["status"] == "terminated":
            raise conflict(f"session {session_id!r} is terminated; its resources are read-only")
        return record.resource["resources"]

    def _find_resource(self, session_id: str, resource_id: str) -> dict:
        for resource in self.record(session_id).resource["resources"]:
            if resource.get("id") == resource_id:
                return resource
        raise not_found("session_resource", resource_id)

    def add_resource(self, session_id: str, body: dict) -> dict:
        """Mount an uploaded file into a live session."""
        body = body_object(body)
        typed(body, ("file",), "body")
        no_unknown(body, ("type", "file_id", "mount_path"), "body")
        spec = {
            "type": "file",
            "file_id": text(body, "file_id", "body", required=True, min_len=1),
            "mount_path": text(body, "mount_path", "body", nullable=True),
        }
        resources = self._live_resources(session_id)
        self.file(spec["file_id"])  # 404 for an unknown file
        record = self.record(session_id)
        now = record.runtime.now()
        resource = self.build_resources([spec], now)[0]
        if any(r.get("mount_path") == resource["mount_path"] for r in resources):
            raise invalid(f"body.mount_path: {resource['mount_path']!r} is already mounted")
        resources.append(resource)
        record.resource["updated_at"] = now
        return copy.deepcopy(resource)

    def get_resource(self, session_id: str, resource_id: str) -> dict:
        return copy.deepcopy(self._find_resource(session_id, resource_id))

    def update_resource(self, session_id: str, resource_id: str, body: dict) -> dict:
        """Rotate a repository's ``authorization_token`` (write-only; the object shows only
        ``updated_at`` move)."""
        body = body_object(body)
        no_unknown(body, ("authorization_token",), "body")
        text(body, "authorization_token", "body", required=True, min_len=1)
        self._live_resources(session_id)
        resource = self._find_resource(session_id, resource_id)
        if resource["type"] != "github_repository":
            raise invalid(f"resource {resource_id!r} is a {resource['type']}; it has no token")
        resource["updated_at"] = self.record(session_id).runtime.now()
        return copy.deepcopy(resource)

    def delete_resource(self, session_id: str, resource_id: str) -> dict:
        resources = self._live_resources(session_id)
        resource = self._find_resource(session_id, resource_id)
        resources.remove(resource)
        self.record(session_id).resource["updated_at"] = self.record(session_id).runtime.now()
        return {"id": resource_id, "type": "session_resource_deleted"}
